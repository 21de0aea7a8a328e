"""Customer-facing case API. Views validate, call a service, serialize: nothing more."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors, services
from cases.models import Case
from cases.serializers import (
    CaseCreateSerializer,
    CaseFilterSerializer,
    CaseSerializer,
    CaseUpdateSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    EligibilitySerializer,
    ErrorSerializer,
    EscalateSerializer,
    EscalationSerializer,
)
from escalations import services as escalation_services

ERROR_DESCRIPTIONS = {
    400: "Invalid input: `errors` gives the messages for each field.",
    403: "Not signed in, or not allowed to do this.",
    404: "No such object, or not one this user may see.",
    409: "Refused by the rules for now: `code` says why, `available_at` when it becomes possible (if ever).",
    413: "The request body is larger than the portal accepts.",
}


def error_responses(*statuses) -> dict:
    """The error answers an operation documents, all in the one ``{code, detail}`` shape."""
    return {status: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status]) for status in statuses}


def get_visible_case(request, case_id, cases=None):
    """The case if this user may see it; 404 otherwise, never a hint that it exists.

    ``cases`` says what to load with it; by default its escalations, which CaseSerializer shows.
    """
    if cases is None:
        cases = selectors.case_with_escalations(selectors.cases_to_show())
    case = selectors.visible_case(request.user, case_id, cases)
    if case is None:
        raise Http404("No such case.")
    return case


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
        page = self.paginate_queryset(selectors.case_with_escalations(cases))
        return self.get_paginated_response(CaseSerializer(page, many=True).data)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer, **error_responses(400, 403, 413)})
    def post(self, request):
        data = CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        case = services.case_create(user=request.user, organization_id=fields.pop("organization", None), **fields)
        return Response(CaseSerializer(get_visible_case(request, case.pk)).data, status=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    @extend_schema(responses={200: CaseSerializer, **error_responses(403, 404)})
    def get(self, request, case_id):
        return Response(CaseSerializer(get_visible_case(request, case_id)).data)

    @extend_schema(request=CaseUpdateSerializer, responses={200: CaseSerializer, **error_responses(400, 403, 404, 413)})
    def patch(self, request, case_id):
        case = get_visible_case(request, case_id)
        data = CaseUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_update(case=case, user=request.user, **data.validated_data)
        return Response(CaseSerializer(get_visible_case(request, case_id)).data)


class CaseCommentsApi(generics.GenericAPIView):
    serializer_class = CommentSerializer
    pagination_class = None

    @extend_schema(responses={200: CommentSerializer(many=True), **error_responses(403, 404)})
    def get(self, request, case_id):
        case = get_visible_case(request, case_id)
        return Response(CommentSerializer(selectors.visible_comments(case, request.user), many=True).data)

    @extend_schema(
        request=CommentCreateSerializer, responses={201: CommentSerializer, **error_responses(400, 403, 404, 413)}
    )
    def post(self, request, case_id):
        case = get_visible_case(request, case_id)
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_create(case=case, user=request.user, **data.validated_data)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class EscalationEligibilityApi(APIView):
    @extend_schema(responses={200: EligibilitySerializer, **error_responses(403, 404)})
    def get(self, request, case_id):
        # The case comes with the membership and the escalation window: the check then reads
        # only the current escalation.
        cases = escalation_services.with_escalation_window(Case.objects.select_related("organization__tier"))
        case = get_visible_case(request, case_id, cases)
        verdict = escalation_services.check_eligibility(case, request.user, is_member=case.is_member)
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
        escalation = escalation_services.escalate(case, request.user, **data.validated_data)
        return Response(EscalationSerializer(escalation).data, status=status.HTTP_201_CREATED)
