"""Escalation staff API: the review queue, one escalation, decision, claim, resolve, RCA."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api import error_responses
from cases.models import Case
from cases.selectors import case_with_escalations
from escalations import review, selectors, services
from escalations.models import Escalation
from escalations.roles import is_escalation_staff
from escalations.serializers import (
    AssignSerializer,
    DecisionSerializer,
    EscalationDetailSerializer,
    QueueEscalationSerializer,
    QueueFilterSerializer,
    RcaInputSerializer,
    RcaSerializer,
)


class IsEscalationStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        return is_escalation_staff(request.user)


def _detail(escalation_id):
    escalations = Escalation.objects.select_related(
        "case__organization__tier",
        "case__organization__region",
        "requested_by",
        "assignee",
        "reviewed_by",
        "rca__completed_by",
    )
    escalation = get_object_or_404(escalations, pk=escalation_id)
    # The case with its escalation history, prefetched once.
    escalation.case = case_with_escalations(Case.objects.select_related("organization__tier", "requester")).get(
        pk=escalation.case_id
    )
    return escalation


def _detail_response(escalation_id, status_code=status.HTTP_200_OK):
    context = {"calendars": selectors.calendar_map(), "now": timezone.now()}
    return Response(EscalationDetailSerializer(_detail(escalation_id), context=context).data, status=status_code)


class EscalationQueueApi(generics.GenericAPIView):
    permission_classes = [IsEscalationStaff]
    serializer_class = QueueEscalationSerializer

    @extend_schema(
        parameters=[QueueFilterSerializer, OpenApiParameter("page", int)],
        responses={200: QueueEscalationSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request):
        filters = QueueFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.review_queue(user=request.user, **filters.validated_data))
        context = {"calendars": selectors.calendar_map(), "now": timezone.now()}
        return self.get_paginated_response(QueueEscalationSerializer(page, many=True, context=context).data)


class EscalationDetailApi(APIView):
    permission_classes = [IsEscalationStaff]

    @extend_schema(responses={200: EscalationDetailSerializer, **error_responses(403, 404)})
    def get(self, request, escalation_id):
        return _detail_response(escalation_id)


class EscalationDecisionApi(APIView):
    permission_classes = [IsEscalationStaff]

    @extend_schema(
        request=DecisionSerializer,
        responses={200: EscalationDetailSerializer, **error_responses(400, 403, 404, 409, 413)},
    )
    def post(self, request, escalation_id):
        escalation = get_object_or_404(Escalation, pk=escalation_id)
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.decide(escalation, request.user, **data.validated_data)
        return _detail_response(escalation_id)


class EscalationAssignApi(APIView):
    permission_classes = [IsEscalationStaff]

    @extend_schema(
        request=AssignSerializer,
        responses={200: EscalationDetailSerializer, **error_responses(400, 403, 404, 409, 413)},
    )
    def post(self, request, escalation_id):
        escalation = get_object_or_404(Escalation, pk=escalation_id)
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review.escalation_assign(escalation=escalation, assignee_id=data.validated_data["assignee"], by=request.user)
        return _detail_response(escalation_id)


class EscalationResolveApi(APIView):
    permission_classes = [IsEscalationStaff]

    @extend_schema(request=None, responses={200: EscalationDetailSerializer, **error_responses(403, 404, 409, 413)})
    def post(self, request, escalation_id):
        escalation = get_object_or_404(Escalation.objects.select_related("case__organization"), pk=escalation_id)
        review.escalation_resolve(escalation=escalation, user=request.user)
        return _detail_response(escalation_id)


class EscalationRcaApi(APIView):
    permission_classes = [IsEscalationStaff]

    @extend_schema(
        request=RcaInputSerializer, responses={201: RcaSerializer, **error_responses(400, 403, 404, 409, 413)}
    )
    def post(self, request, escalation_id):
        escalation = get_object_or_404(Escalation.objects.select_related("case__organization"), pk=escalation_id)
        data = RcaInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rca = review.rca_file(escalation=escalation, user=request.user, **data.validated_data)
        return Response(RcaSerializer(rca).data, status=status.HTTP_201_CREATED)
