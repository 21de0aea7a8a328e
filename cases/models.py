from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Severity(models.IntegerChoices):
    OUTAGE = 1, "Severity 1 - Outage"
    MAJOR = 2, "Severity 2 - Major impairment"
    MINOR = 3, "Severity 3 - Minor impairment"
    GENERAL = 4, "Severity 4 - General question"


class CustomerPriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"


class CaseStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING_CUSTOMER = "pending_customer", "Waiting on you"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


# A solved or closed case takes no escalation and no change; every other status is open work.
CLOSED_STATUSES = frozenset({CaseStatus.SOLVED, CaseStatus.CLOSED})
OPEN_STATUSES = tuple(status for status in CaseStatus.values if status not in CLOSED_STATUSES)
# Text limits of what people write into a case (also the limits of replies and decisions).
SUBJECT_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 20000


class SupportTier(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    # Orders the support queue: lower ranks are served first (premium before standard).
    rank = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["rank", "name"]

    def __str__(self):
        return self.name


class Region(models.Model):
    name = models.CharField(max_length=100, unique=True)
    senior_management = models.ForeignKey(
        Group,
        on_delete=models.PROTECT,
        related_name="regions",
        help_text="Alerted at Level 3; they review Level 3 escalations personally.",
    )
    calendar = models.ForeignKey(
        "escalations.BusinessCalendar",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="regions",
        help_text="Business hours for review deadlines. Empty: the default calendar.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    tier = models.ForeignKey(SupportTier, on_delete=models.PROTECT, related_name="organizations")
    region = models.ForeignKey(Region, on_delete=models.SET_NULL, null=True, blank=True, related_name="organizations")
    csm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_accounts",
        verbose_name="customer success manager",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="organizations")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Case(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="cases")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_cases")
    subject = models.CharField(max_length=SUBJECT_MAX_LENGTH)
    description = models.TextField(max_length=TEXT_MAX_LENGTH)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.MINOR)
    customer_priority = models.CharField(
        max_length=10, choices=CustomerPriority.choices, default=CustomerPriority.NORMAL
    )
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW)
    # Not auto_now_add: the escalation wait window counts from here, and imports and
    # tests must be able to say when a case was really opened.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "status", "-created_at"]),
            # The support queue: open work by severity and age.
            models.Index(
                fields=["severity", "created_at"],
                condition=models.Q(status__in=["new", "open", "pending_customer"]),
                name="open_cases_by_severity_age",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    def get_absolute_url(self):
        return reverse("cases:detail", args=[self.pk])

    @property
    def is_closed(self):
        return self.status in CLOSED_STATUSES


class CommentKind(models.TextChoices):
    REPLY = "reply", "Reply"
    SYSTEM = "system", "System message"


class CaseComment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_comments",
        help_text="Empty for system messages.",
    )
    body = models.TextField(max_length=TEXT_MAX_LENGTH)
    public = models.BooleanField(default=True)
    kind = models.CharField(max_length=10, choices=CommentKind.choices, default=CommentKind.REPLY)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self):
        return f"Comment {self.pk} on case {self.case_id}"
