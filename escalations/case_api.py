"""The case API as customers and staff use it: a case with its current escalation,
whether it may be escalated, and the Escalate Case request. Views validate, call a
service, serialize: nothing more."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import api as cases_api
from cases import selectors
from cases import services as case_services
from cases.api import error_responses, get_visible_case
from cases.models import Case
from cases.serializers import CaseCreateSerializer, CaseFilterSerializer, CaseUpdateSerializer
from escalations import selectors as escalation_selectors
from escalations import services
from escalations.serializers import CaseSerializer, EligibilitySerializer, EscalateSerializer, EscalationSerializer


def _case_with_escalations(request, case_id):
    return get_visible_case(request, case_id, escalation_selectors.case_with_escalations(selectors.cases_to_show()))


class CaseListCreateApi(generics.GenericAPIView):
    serializer_class = CaseSerializer

    @extend_schema(
        parameters=[CaseFilterSerializer, OpenApiParameter("page", int)],
        responses={200: CaseSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request):
        filters = CaseFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        cases = selectors.filter_and_sort_cases(selectors.visible_cases(request.user), **filters.validated_data)
        page = self.paginate_queryset(escalation_selectors.case_with_escalations(cases))
        return self.get_paginated_response(CaseSerializer(page, many=True).data)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer, **error_responses(400, 403, 413)})
    def post(self, request):
        data = CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        case = case_services.case_create(user=request.user, organization_id=fields.pop("organization", None), **fields)
        return Response(CaseSerializer(_case_with_escalations(request, case.pk)).data, status=status.HTTP_201_CREATED)


class CaseCommentsApi(cases_api.CaseCommentsApi):
    """The case's thread (cases.api); a customer's reply also tells the reviewers of its escalation."""

    comment_service = staticmethod(services.comment_post)


class CaseDetailApi(APIView):
    @extend_schema(responses={200: CaseSerializer, **error_responses(403, 404)})
    def get(self, request, case_id):
        return Response(CaseSerializer(_case_with_escalations(request, case_id)).data)

    @extend_schema(request=CaseUpdateSerializer, responses={200: CaseSerializer, **error_responses(400, 403, 404, 413)})
    def patch(self, request, case_id):
        case = get_visible_case(request, case_id)
        data = CaseUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case_services.case_update(case=case, user=request.user, **data.validated_data)
        return Response(CaseSerializer(_case_with_escalations(request, case_id)).data)


class EscalationEligibilityApi(APIView):
    @extend_schema(responses={200: EligibilitySerializer, **error_responses(403, 404)})
    def get(self, request, case_id):
        # The case comes with the membership and the escalation window: the check then reads
        # only the current escalation.
        cases = services.with_escalation_window(Case.objects.select_related("organization__tier"))
        case = get_visible_case(request, case_id, cases)
        verdict = services.check_eligibility(case, request.user, is_member=case.is_member)
        return Response(EligibilitySerializer(verdict).data)


class CaseEscalateApi(APIView):
    @extend_schema(
        request=EscalateSerializer,
        responses={201: EscalationSerializer, **error_responses(400, 403, 404, 409, 413)},
    )
    def post(self, request, case_id):
        # Only whether the user may see it: escalate() reads the case again, locked.
        case = get_visible_case(request, case_id, Case.objects.only("pk", "organization"))
        data = EscalateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        escalation = services.escalate(case, request.user, **data.validated_data)
        return Response(EscalationSerializer(escalation).data, status=status.HTTP_201_CREATED)
