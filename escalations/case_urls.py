"""The customer's case pages, namespace "cases": those of the cases app (cases.urls) and
those that show a case with its escalations (escalations.case_views). One namespace, one
URLconf: the names in the contract (cases:detail, cases:escalate, ...) stay as they were."""

from django.urls import path

import portal.converters  # noqa: F401  (registers <id:...>: ids a 64-bit integer holds)
from cases.urls import urlpatterns as case_urlpatterns
from escalations import case_views

app_name = "cases"

urlpatterns = [
    path("", case_views.case_list, name="list"),
    path("support/", case_views.support_queue, name="support-queue"),
    *case_urlpatterns,
    path("cases/<id:case_id>/", case_views.case_detail, name="detail"),
    path("cases/<id:case_id>/comments/", case_views.comment_add, name="comment"),
    path("cases/<id:case_id>/escalate/", case_views.escalate, name="escalate"),
]
