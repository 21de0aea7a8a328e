"""Staff-side API shapes: the queue row, the escalation with its case, inputs."""

from rest_framework import serializers

from cases.serializers import (
    CaseSerializer,
    EscalationSerializer,
    StrictInputSerializer,
    UserBriefSerializer,
)
from escalations.models import EscalationStatus, RootCauseAnalysis


class QueueFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=EscalationStatus.choices, required=False)
    level = serializers.IntegerField(min_value=1, max_value=4, required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    region = serializers.IntegerField(min_value=1, max_value=2**62, required=False)
    assigned_to_me = serializers.BooleanField(required=False, default=False)


class CaseBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    severity = serializers.IntegerField()
    customer_priority = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    organization = serializers.CharField(source="organization.name")
    tier = serializers.CharField(source="organization.tier.slug")
    # Null for an organization without a region: said so in the schema, as clients will meet it.
    region = serializers.CharField(source="organization.region.name", default=None, allow_null=True)


class QueueEscalationSerializer(EscalationSerializer):
    case = CaseBriefSerializer()
    assignee = UserBriefSerializer(allow_null=True)
    business_seconds_left = serializers.SerializerMethodField(
        help_text="Business time until the review deadline, in seconds; negative once overdue."
    )

    class Meta(EscalationSerializer.Meta):
        fields = [*EscalationSerializer.Meta.fields, "assignee", "assigned_at", "resolved_at", "business_seconds_left"]

    def get_business_seconds_left(self, escalation) -> int | None:
        calendars, now = self.context.get("calendars"), self.context.get("now")
        if calendars is None or escalation.status != EscalationStatus.PENDING:
            return None
        return int(calendars.business_time_left(escalation, now).total_seconds())


class RcaSerializer(serializers.ModelSerializer):
    completed_by = UserBriefSerializer()

    class Meta:
        model = RootCauseAnalysis
        fields = ["id", "root_cause", "contributing_factors", "corrective_actions", "completed_by", "completed_at"]


class EscalationDetailSerializer(QueueEscalationSerializer):
    case = CaseSerializer()
    rca = serializers.SerializerMethodField()

    class Meta(QueueEscalationSerializer.Meta):
        fields = [*QueueEscalationSerializer.Meta.fields, "rca"]

    def get_rca(self, escalation) -> RcaSerializer(allow_null=True):
        try:
            return RcaSerializer(escalation.rca).data
        except RootCauseAnalysis.DoesNotExist:
            return None


class DecisionSerializer(StrictInputSerializer):
    decision = serializers.ChoiceField(choices=[EscalationStatus.ACCEPTED, EscalationStatus.NOT_ACCEPTED])
    message = serializers.CharField(max_length=20000)


class AssignSerializer(StrictInputSerializer):
    assignee = serializers.IntegerField(
        allow_null=True, min_value=1, max_value=2**62, help_text="A staff user's id, or null to release."
    )


class RcaInputSerializer(StrictInputSerializer):
    root_cause = serializers.CharField(max_length=20000)
    contributing_factors = serializers.CharField(max_length=20000, allow_blank=True, required=False, default="")
    corrective_actions = serializers.CharField(max_length=20000)
