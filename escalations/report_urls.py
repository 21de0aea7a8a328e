from django.urls import path

from escalations import report_views

app_name = "escalation-report"

urlpatterns = [
    path("", report_views.compliance_report, name="report"),
    path("export.csv", report_views.compliance_csv, name="csv"),
]
