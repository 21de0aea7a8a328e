from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cases import api as cases_api
from escalations import api as escalations_api

urlpatterns = [
    path("cases/", cases_api.CaseListCreateApi.as_view(), name="case-list"),
    path("cases/<int:case_id>/", cases_api.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<int:case_id>/comments/", cases_api.CaseCommentsApi.as_view(), name="case-comments"),
    path(
        "cases/<int:case_id>/escalation-eligibility/",
        cases_api.EscalationEligibilityApi.as_view(),
        name="case-escalation-eligibility",
    ),
    path("cases/<int:case_id>/escalations/", cases_api.CaseEscalateApi.as_view(), name="case-escalate"),
    path("escalations/", escalations_api.EscalationQueueApi.as_view(), name="escalation-list"),
    path("escalations/<int:escalation_id>/", escalations_api.EscalationDetailApi.as_view(), name="escalation-detail"),
    path(
        "escalations/<int:escalation_id>/decision/",
        escalations_api.EscalationDecisionApi.as_view(),
        name="escalation-decision",
    ),
    path(
        "escalations/<int:escalation_id>/assign/",
        escalations_api.EscalationAssignApi.as_view(),
        name="escalation-assign",
    ),
    path(
        "escalations/<int:escalation_id>/resolve/",
        escalations_api.EscalationResolveApi.as_view(),
        name="escalation-resolve",
    ),
    path("escalations/<int:escalation_id>/rca/", escalations_api.EscalationRcaApi.as_view(), name="escalation-rca"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from ?script instead of inline, so
    # the docs run under the Content-Security-Policy (script-src 'self', no 'unsafe-inline').
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
]
