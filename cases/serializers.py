"""API shapes. Output serializers read; input serializers only validate (services write)."""

from rest_framework import serializers

from cases.models import Case, CaseComment, CaseStatus, CustomerPriority, Severity
from escalations.models import SUMMARY_MAX_LENGTH, Escalation, EscalationReason


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not know, so nobody sets ``status`` or ``level`` by accident."""

    def validate(self, attrs):
        if not isinstance(self.initial_data, dict):
            raise serializers.ValidationError("Send a JSON object.")
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: "This field cannot be set here." for name in unknown})
        return attrs


class ErrorSerializer(serializers.Serializer):
    """The shape of every error answer (portal.api_errors): documented so clients can rely on it."""

    code = serializers.CharField(help_text="What went wrong, for programs: e.g. invalid, not_found, too_early.")
    detail = serializers.CharField(help_text="What went wrong, in a sentence a person understands.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Invalid input only: the messages for each field.",
    )
    available_at = serializers.DateTimeField(
        allow_null=True, required=False, help_text="An escalation refused for now: when it becomes possible."
    )


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class EscalationSerializer(serializers.ModelSerializer):
    requested_by = UserBriefSerializer()
    reviewed_by = UserBriefSerializer(allow_null=True)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Escalation
        fields = [
            "id",
            "case",
            "level",
            "status",
            "reason",
            "summary",
            "requested_by",
            "created_at",
            "review_due_at",
            "reviewed_by",
            "reviewed_at",
            "decision_message",
            "overdue_at",
            "is_overdue",
        ]

    def get_is_overdue(self, escalation) -> bool:
        return escalation.overdue_at is not None


class OrganizationBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    tier = serializers.CharField(source="tier.slug")


class CaseSerializer(serializers.ModelSerializer):
    organization = OrganizationBriefSerializer()
    requester = UserBriefSerializer()
    current_escalation = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "organization",
            "requester",
            "subject",
            "description",
            "severity",
            "customer_priority",
            "status",
            "created_at",
            "updated_at",
            "first_response_at",
            "current_escalation",
        ]

    def get_current_escalation(self, case) -> EscalationSerializer(allow_null=True):
        # Uses the prefetched escalations (ordered by level): no query per case.
        escalations = list(case.escalations.all())
        return EscalationSerializer(escalations[-1]).data if escalations else None


class CaseCreateSerializer(StrictInputSerializer):
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MINOR)
    customer_priority = serializers.ChoiceField(choices=CustomerPriority.choices, default=CustomerPriority.NORMAL)
    organization = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


class CaseUpdateSerializer(StrictInputSerializer):
    customer_priority = serializers.ChoiceField(choices=CustomerPriority.choices, required=False)
    severity = serializers.ChoiceField(
        choices=Severity.choices, required=False, help_text="Customers may only raise a case to 1 (outage)."
    )


class CaseFilterSerializer(serializers.Serializer):
    status = serializers.MultipleChoiceField(choices=CaseStatus.choices, required=False)
    severity = serializers.MultipleChoiceField(choices=Severity.choices, required=False)
    customer_priority = serializers.ChoiceField(choices=CustomerPriority.choices, required=False)
    sort = serializers.ChoiceField(
        choices=["newest", "oldest", "severity", "priority", "updated"], required=False, default="newest"
    )


class CommentSerializer(serializers.ModelSerializer):
    author = UserBriefSerializer(allow_null=True)

    class Meta:
        model = CaseComment
        fields = ["id", "author", "body", "public", "kind", "created_at"]


class CommentCreateSerializer(StrictInputSerializer):
    body = serializers.CharField(max_length=20000)
    public = serializers.BooleanField(required=False, default=True, help_text="Staff only: false for an internal note.")


class EligibilitySerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    code = serializers.CharField()
    message = serializers.CharField()
    next_level = serializers.IntegerField(allow_null=True)
    available_at = serializers.DateTimeField(allow_null=True)


class EscalateSerializer(StrictInputSerializer):
    reason = serializers.ChoiceField(choices=EscalationReason.choices)
    summary = serializers.CharField(max_length=SUMMARY_MAX_LENGTH)
