"""The pages of cases alone. They join the "cases" namespace in escalations.case_urls,
beside the case pages that show escalations."""

from django.urls import path

import portal.converters  # noqa: F401  (registers <id:...>: ids a 64-bit integer holds)
from cases import views

urlpatterns = [
    path("cases/new/", views.case_create, name="create"),
    path("cases/<id:case_id>/priority/", views.priority_change, name="priority"),
    path("cases/<id:case_id>/outage/", views.outage_raise, name="outage"),
]
