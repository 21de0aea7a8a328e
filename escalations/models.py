import zoneinfo
from datetime import time, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cases.models import TEXT_MAX_LENGTH, Severity

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DEFAULT_REVIEW_WITHIN = timedelta(hours=4)


def default_working_days():
    return [0, 1, 2, 3, 4]


class EscalationWindow(models.Model):
    """How long after a case is opened its customer may first escalate it (wall-clock time).

    The article's rule: give front-line support time for due diligence before an escalation,
    longer for lower severities and for non-premium tiers.
    """

    severity = models.PositiveSmallIntegerField(
        choices=[c for c in Severity.choices if c[0] != Severity.OUTAGE],
        help_text="Severity 1 never escalates: it goes to on-call at once.",
    )
    tier = models.ForeignKey("cases.SupportTier", on_delete=models.CASCADE, related_name="windows")
    wait = models.DurationField(help_text="For example 8:00:00 for eight hours.")

    class Meta:
        ordering = ["severity", "tier__rank"]
        constraints = [
            models.UniqueConstraint(fields=["severity", "tier"], name="one_window_per_severity_tier"),
            models.CheckConstraint(condition=Q(severity__gte=2, severity__lte=4), name="window_severity_2_to_4"),
            models.CheckConstraint(condition=Q(wait__gte=timedelta(0)), name="window_wait_not_negative"),
        ]

    def __str__(self):
        return f"Severity {self.severity}, {self.tier}: {self.wait}"

    def clean(self):
        if self.severity == Severity.OUTAGE:
            raise ValidationError({"severity": "Severity 1 is an outage: it is never escalated."})
        if self.wait is not None and self.wait < timedelta(0):
            raise ValidationError({"wait": "The wait cannot be negative."})


class Responder(models.TextChoices):
    ESCALATION_MANAGERS = "escalation_managers", "Escalation Managers"
    REGION_SENIOR_MANAGEMENT = "region_senior_management", "The region's Senior Management"
    VP_OF_SUPPORT = "vp_of_support", "VP of Support"


class EscalationLevel(models.Model):
    number = models.PositiveSmallIntegerField(unique=True, validators=[MinValueValidator(1), MaxValueValidator(4)])
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, help_text="What happens at this level, in words a customer understands.")
    alerted_groups = models.ManyToManyField(Group, blank=True, related_name="alerted_at_levels")
    alert_account_csm = models.BooleanField(default=False)
    alert_region_senior_management = models.BooleanField(default=False)
    responder = models.CharField(max_length=32, choices=Responder.choices, default=Responder.ESCALATION_MANAGERS)
    requires_rca = models.BooleanField("requires a root cause analysis", default=False)
    review_within = models.DurationField(
        default=DEFAULT_REVIEW_WITHIN, help_text="Business time allowed for the review."
    )

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"Level {self.number}: {self.name}"


class EscalationReason(models.TextChoices):
    TIME_CONSTRAINT = "time_constraint", "Time constraint (certificate expiring, deadline, event)"
    MAJOR_IMPAIRMENT = "major_impairment", "A major function is impaired (not an outage)"
    FIRST_RESPONSE_MISSED = "first_response_missed", "First response SLA missed"
    NO_UPDATES = "no_updates", "No response or no updates on the case"
    OTHER = "other", "Other"


class EscalationStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    ACCEPTED = "accepted", "Accepted"
    NOT_ACCEPTED = "not_accepted", "Not accepted"
    RESOLVED = "resolved", "Resolved"


SUMMARY_MAX_LENGTH = 5000


class Escalation(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="escalations")
    # An EscalationLevel.number, not a foreign key: history must survive edits to levels.
    level = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="escalations_requested"
    )
    reason = models.CharField(max_length=32, choices=EscalationReason.choices)
    summary = models.TextField(max_length=SUMMARY_MAX_LENGTH)
    status = models.CharField(max_length=16, choices=EscalationStatus.choices, default=EscalationStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    review_due_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalations_reviewed",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    decision_message = models.TextField(blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    # Who on the review team is working it (claimed or assigned); decisions stay the responder's.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalations_assigned",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # One business hour before review_due_at; the sweep warns the responders from then on.
    due_soon_at = models.DateTimeField(null=True, blank=True)
    due_soon_sent_at = models.DateTimeField(null=True, blank=True)
    # Set when the customer escalates the case higher: the higher level is the one to work,
    # so this one leaves the review queue. Stored, not derived, so the queue needs no self-join.
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["case", "level"]
        constraints = [
            models.UniqueConstraint(fields=["case", "level"], name="one_escalation_per_case_level"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=4), name="escalation_level_1_to_4"),
        ]
        indexes = [
            # The review queue: pending work still to do, by deadline. With the two columns
            # it carries, it also answers the queue page's counts (total, overdue, unassigned)
            # without reading the table: an index-only scan, ~3 ms at 10,000 pending.
            models.Index(
                fields=["review_due_at", "id"],
                include=["overdue_at", "assignee_id"],
                condition=Q(status="pending", superseded_at=None),
                name="queue_by_review_due",
            ),
            # The compliance report's window.
            models.Index(fields=["created_at"], name="escalation_created"),
            # The deadline sweep's two questions, each a small partial index that only
            # holds the escalations still waiting for that alert (PostgreSQL ORs them).
            models.Index(
                fields=["review_due_at"],
                condition=Q(status="pending", overdue_at=None),
                name="pending_not_yet_overdue",
            ),
            models.Index(
                fields=["due_soon_at"],
                condition=Q(status="pending", due_soon_sent_at=None),
                name="pending_due_soon_unsent",
            ),
        ]

    def __str__(self):
        return f"Case {self.case_id}, Level {self.level} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("cases:detail", args=[self.case_id]) + f"#escalation-{self.level}"


class BusinessCalendar(models.Model):
    name = models.CharField(max_length=100, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", help_text="An IANA name, e.g. Europe/Berlin.")
    working_days = models.JSONField(default=default_working_days, help_text="Weekdays, 0 = Monday.")
    opens_at = models.TimeField(default=time(9))
    closes_at = models.TimeField(default=time(17), help_text="00:00 means midnight at the end of the day.")
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.timezone not in zoneinfo.available_timezones():
            errors["timezone"] = f"{self.timezone!r} is not an IANA time zone name."
        days = self.working_days
        if not isinstance(days, list) or not days or not all(d in range(7) for d in days):
            errors["working_days"] = "Choose at least one working day."
        if self.closes_at != time(0) and self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = "Closing must come after opening (00:00 means midnight)."
        if errors:
            raise ValidationError(errors)

    @property
    def working_days_display(self):
        return ", ".join(WEEKDAY_NAMES[d][:3] for d in sorted(self.working_days))


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="one_holiday_per_calendar_date"),
        ]

    def __str__(self):
        return f"{self.date}: {self.name}"


class RootCauseAnalysis(models.Model):
    escalation = models.OneToOneField(Escalation, on_delete=models.CASCADE, related_name="rca")
    root_cause = models.TextField(max_length=TEXT_MAX_LENGTH)
    contributing_factors = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    corrective_actions = models.TextField(max_length=TEXT_MAX_LENGTH)
    # What the customer (and the account's CSM) read on the case page and in the email: the
    # fields above are the review team's own. Blank only on analyses filed before it existed.
    customer_summary = models.TextField(
        "summary for the customer",
        max_length=TEXT_MAX_LENGTH,
        blank=True,
        default="",
        db_default="",
        help_text="What happened and what changes, in words the customer reads on the case page.",
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="root_cause_analyses"
    )
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "root cause analysis"
        verbose_name_plural = "root cause analyses"

    def __str__(self):
        return f"RCA for {self.escalation}"
