from django.urls import path

from escalations import views, views_actions, views_audit

app_name = "escalations"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:escalation_id>/", views.escalation_detail, name="detail"),
    path("<int:escalation_id>/claim/", views_actions.claim, name="claim"),
    path("<int:escalation_id>/release/", views_actions.release, name="release"),
    path("<int:escalation_id>/decision/", views_actions.decide, name="decide"),
    path("<int:escalation_id>/rca/", views_actions.rca, name="rca"),
    path("<int:escalation_id>/resolve/", views_actions.resolve, name="resolve"),
    path("cases/<int:case_id>/history.csv", views_audit.case_history_csv, name="case_history"),
]
