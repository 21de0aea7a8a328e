"""Escalation staff API: the review queue, one escalation, decision, claim, resolve, RCA."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api import error_responses
from cases.models import Case
from cases.people import is_escalation_staff
from escalations import review, selectors, services
from escalations.models import Escalation, EscalationStatus
from escalations.serializers import (
    AssignSerializer,
    DecisionSerializer,
    EscalationDetailSerializer,
    QueueEscalationSerializer,
    QueueFilterSerializer,
    QueueValues,
    RcaInputSerializer,
    RcaSerializer,
    queue_rows,
)


class IsEscalationStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        return is_escalation_staff(request.user)


def _detail(escalation_id):
    """The escalation with its case and the case's escalation history, each with its people.

    Two queries of few joins each: PostgreSQL's planning time grows fast with the tables
    joined (~4 ms to plan the one query that joined them all, at 100k cases).
    """
    history = Escalation.objects.select_related("requested_by", "reviewed_by", "assignee", "rca__completed_by")
    case = get_object_or_404(
        Case.objects.select_related("organization__tier", "requester").prefetch_related(
            Prefetch("escalations", queryset=history.order_by("level"))
        ),
        escalations=escalation_id,
    )
    # The prefetch points each escalation's case at ``case``.
    return next(escalation for escalation in case.escalations.all() if escalation.pk == escalation_id)


def _detail_response(escalation_id, status_code=status.HTTP_200_OK):
    escalation = _detail(escalation_id)
    # Only a pending escalation shows the business time left: no calendars for the others.
    calendars = selectors.calendar_map() if escalation.status == EscalationStatus.PENDING else None
    context = {"calendars": calendars, "now": timezone.now()}
    return Response(EscalationDetailSerializer(escalation, context=context).data, status=status_code)


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
        queue = selectors.review_queue(user=request.user, **filters.validated_data)
        page = self.paginate_queryset(QueueValues(queue))
        rows = queue_rows(page, calendars=selectors.calendar_map(), now=timezone.now())
        return self.get_paginated_response(rows)


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
        # What decide() reads of it; the answer is read afresh once the decision is committed.
        escalation = get_object_or_404(
            Escalation.objects.select_related("case__organization__region", "requested_by"), pk=escalation_id
        )
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
