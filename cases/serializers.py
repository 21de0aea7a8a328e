"""API shapes. Output serializers read; input serializers only validate (services write)."""

from rest_framework import serializers

from cases.models import SUBJECT_MAX_LENGTH, TEXT_MAX_LENGTH, Case, CaseComment, CaseStatus, CustomerPriority, Severity
from cases.services import REASON_MAX


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


class OrganizationBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    tier = serializers.CharField(source="tier.slug")


class CaseFieldsSerializer(serializers.ModelSerializer):
    """A case's own fields; escalations.serializers.CaseSerializer adds its current escalation."""

    organization = OrganizationBriefSerializer()
    requester = UserBriefSerializer()

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
        ]


class CaseCreateSerializer(StrictInputSerializer):
    subject = serializers.CharField(max_length=SUBJECT_MAX_LENGTH)
    description = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MINOR)
    customer_priority = serializers.ChoiceField(choices=CustomerPriority.choices, default=CustomerPriority.NORMAL)
    organization = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


class CaseUpdateSerializer(StrictInputSerializer):
    customer_priority = serializers.ChoiceField(choices=CustomerPriority.choices, required=False)
    severity = serializers.ChoiceField(
        choices=Severity.choices,
        required=False,
        help_text="Customers may only raise a case to 1 (outage); escalation staff set any severity, with a reason.",
    )
    reason = serializers.CharField(
        required=False,
        max_length=REASON_MAX,
        help_text="Why the severity changes: required when escalation staff change it; the thread shows it.",
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
    body = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    public = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Staff only: false for an internal note. From anyone else, false is refused (400).",
    )
