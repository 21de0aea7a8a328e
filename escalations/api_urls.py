"""The API under /api/v1/ (namespace "api"): the case routes of both apps, the review
team's, and the schema. It lives in escalations, the top layer, as it names views of both."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import portal.converters  # noqa: F401  (registers <id:...>: ids a 64-bit integer holds)
from escalations import api as escalations_api
from escalations import case_api

urlpatterns = [
    path("cases/", case_api.CaseListCreateApi.as_view(), name="case-list"),
    path("cases/<id:case_id>/", case_api.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<id:case_id>/comments/", case_api.CaseCommentsApi.as_view(), name="case-comments"),
    path(
        "cases/<id:case_id>/escalation-eligibility/",
        case_api.EscalationEligibilityApi.as_view(),
        name="case-escalation-eligibility",
    ),
    path("cases/<id:case_id>/escalations/", case_api.CaseEscalateApi.as_view(), name="case-escalate"),
    path("escalations/", escalations_api.EscalationQueueApi.as_view(), name="escalation-list"),
    path("escalations/<id:escalation_id>/", escalations_api.EscalationDetailApi.as_view(), name="escalation-detail"),
    path(
        "escalations/<id:escalation_id>/decision/",
        escalations_api.EscalationDecisionApi.as_view(),
        name="escalation-decision",
    ),
    path(
        "escalations/<id:escalation_id>/assign/",
        escalations_api.EscalationAssignApi.as_view(),
        name="escalation-assign",
    ),
    path(
        "escalations/<id:escalation_id>/resolve/",
        escalations_api.EscalationResolveApi.as_view(),
        name="escalation-resolve",
    ),
    path("escalations/<id:escalation_id>/rca/", escalations_api.EscalationRcaApi.as_view(), name="escalation-rca"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from ?script instead of inline, so
    # the docs run under the Content-Security-Policy (script-src 'self', no 'unsafe-inline').
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
]
