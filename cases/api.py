"""Customer-facing case API. Views validate, call a service, serialize: nothing more."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors, services
from cases.serializers import (
    CaseCreateSerializer,
    CaseFilterSerializer,
    CaseSerializer,
    CaseUpdateSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    EligibilitySerializer,
    EscalateSerializer,
    EscalationSerializer,
)
from escalations import services as escalation_services


def get_visible_case(request, case_id):
    """The case if this user may see it; 404 otherwise, never a hint that it exists."""
    return get_object_or_404(selectors.case_with_escalations(selectors.visible_cases(request.user)), pk=case_id)


class CaseListCreateApi(generics.GenericAPIView):
    serializer_class = CaseSerializer

    @extend_schema(
        parameters=[CaseFilterSerializer, OpenApiParameter("page", int)],
        responses=CaseSerializer(many=True),
    )
    def get(self, request):
        filters = CaseFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        cases = selectors.filter_and_sort_cases(selectors.visible_cases(request.user), **filters.validated_data)
        page = self.paginate_queryset(selectors.case_with_escalations(cases))
        return self.get_paginated_response(CaseSerializer(page, many=True).data)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer})
    def post(self, request):
        data = CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        case = services.case_create(user=request.user, organization_id=fields.pop("organization", None), **fields)
        return Response(CaseSerializer(get_visible_case(request, case.pk)).data, status=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    @extend_schema(responses=CaseSerializer)
    def get(self, request, case_id):
        return Response(CaseSerializer(get_visible_case(request, case_id)).data)

    @extend_schema(request=CaseUpdateSerializer, responses=CaseSerializer)
    def patch(self, request, case_id):
        case = get_visible_case(request, case_id)
        data = CaseUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_update(case=case, user=request.user, **data.validated_data)
        return Response(CaseSerializer(get_visible_case(request, case_id)).data)


class CaseCommentsApi(generics.GenericAPIView):
    serializer_class = CommentSerializer
    pagination_class = None

    @extend_schema(responses=CommentSerializer(many=True))
    def get(self, request, case_id):
        case = get_visible_case(request, case_id)
        return Response(CommentSerializer(selectors.visible_comments(case, request.user), many=True).data)

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def post(self, request, case_id):
        case = get_visible_case(request, case_id)
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_create(case=case, user=request.user, **data.validated_data)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class EscalationEligibilityApi(APIView):
    @extend_schema(responses=EligibilitySerializer)
    def get(self, request, case_id):
        case = get_visible_case(request, case_id)
        verdict = escalation_services.check_eligibility(case, request.user)
        return Response(EligibilitySerializer(verdict).data)


class CaseEscalateApi(APIView):
    @extend_schema(request=EscalateSerializer, responses={201: EscalationSerializer})
    def post(self, request, case_id):
        case = get_visible_case(request, case_id)
        data = EscalateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        escalation = escalation_services.escalate(case, request.user, **data.validated_data)
        return Response(EscalationSerializer(escalation).data, status=status.HTTP_201_CREATED)
