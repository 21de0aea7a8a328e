"""The pages of cases alone. They join the "cases" namespace in escalations.case_urls,
beside the case pages that show escalations."""

from django.urls import path

from cases import views

urlpatterns = [
    path("cases/new/", views.case_create, name="create"),
    path("cases/<int:case_id>/priority/", views.priority_change, name="priority"),
    path("cases/<int:case_id>/outage/", views.outage_raise, name="outage"),
]
