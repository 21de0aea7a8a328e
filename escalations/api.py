"""Escalation staff API: the review queue, one escalation, and its decision."""

from django.db.models import Case, Value, When
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.serializers import EscalationSerializer, StrictInputSerializer
from escalations import services
from escalations.models import Escalation, EscalationStatus
from escalations.roles import is_escalation_staff


class IsEscalationStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        return is_escalation_staff(request.user)


class QueueFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=EscalationStatus.choices, required=False)
    level = serializers.IntegerField(min_value=1, max_value=4, required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)


class DecisionSerializer(StrictInputSerializer):
    decision = serializers.ChoiceField(choices=[EscalationStatus.ACCEPTED, EscalationStatus.NOT_ACCEPTED])
    message = serializers.CharField(max_length=20000)


def _queue():
    return Escalation.objects.select_related("requested_by", "reviewed_by", "case")


class EscalationQueueApi(generics.GenericAPIView):
    permission_classes = [IsEscalationStaff]
    serializer_class = EscalationSerializer

    @extend_schema(parameters=[QueueFilterSerializer], responses=EscalationSerializer(many=True))
    def get(self, request):
        filters = QueueFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queue = _queue()
        wanted = filters.validated_data
        if wanted.get("status"):
            queue = queue.filter(status=wanted["status"])
        if wanted.get("level"):
            queue = queue.filter(level=wanted["level"])
        if wanted.get("overdue") is not None:
            queue = queue.filter(overdue_at__isnull=not wanted["overdue"])
        # Pending first, most urgent deadline first.
        queue = queue.annotate(
            pending_first=Case(When(status=EscalationStatus.PENDING, then=Value(0)), default=Value(1))
        ).order_by("pending_first", "review_due_at", "id")
        page = self.paginate_queryset(queue)
        return self.get_paginated_response(EscalationSerializer(page, many=True).data)


class EscalationDetailApi(APIView):
    permission_classes = [IsEscalationStaff]

    @extend_schema(responses=EscalationSerializer)
    def get(self, request, escalation_id):
        return Response(EscalationSerializer(get_object_or_404(_queue(), pk=escalation_id)).data)


class EscalationDecisionApi(APIView):
    permission_classes = [IsEscalationStaff]

    @extend_schema(request=DecisionSerializer, responses=EscalationSerializer)
    def post(self, request, escalation_id):
        escalation = get_object_or_404(Escalation, pk=escalation_id)
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        escalation = services.decide(escalation, request.user, **data.validated_data)
        return Response(EscalationSerializer(_queue().get(pk=escalation.pk)).data)
