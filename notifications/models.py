from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotificationKind(models.TextChoices):
    ESCALATION_ALERT = "escalation_alert", "Escalation alert"
    CSM_INFORMED = "csm_informed", "CSM informed"
    ESCALATION_RECEIVED = "escalation_received", "Escalation received"
    ESCALATION_ACCEPTED = "escalation_accepted", "Escalation accepted"
    ESCALATION_NOT_ACCEPTED = "escalation_not_accepted", "Escalation not accepted"
    REVIEW_DUE_SOON = "review_due_soon", "Review due soon"
    REVIEW_OVERDUE = "review_overdue", "Review overdue"
    OUTAGE_ALERT = "outage_alert", "Outage alert"
    CASE_REPLY = "case_reply", "Reply on your case"
    CUSTOMER_REPLY = "customer_reply", "Customer reply on an escalated case"
    ESCALATION_RESOLVED = "escalation_resolved", "Escalation resolved"
    RCA_FILED = "rca_filed", "Root cause analysis filed"
    # One email a day for a person who chose the digest: it covers the informational
    # messages they received meanwhile (notifications.digest). Not an inbox item itself.
    DAILY_DIGEST = "daily_digest", "Daily digest"


class EmailMode(models.TextChoices):
    """How a person wants informational messages emailed (alerts are always sent at once:
    notifications.preferences.is_alert)."""

    IMMEDIATE = "immediate", "One email per notification, as it happens"
    DIGEST = "digest", "One daily digest email"


class Preferences(models.Model):
    """A person's own settings; without a row, every default applies."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_preferences")
    # Blank: the default, their organization's calendar zone (cases.people.time_zone_expression).
    time_zone = models.CharField(max_length=64, blank=True, help_text="An IANA name, e.g. Europe/Berlin.")
    email_mode = models.CharField(max_length=16, choices=EmailMode.choices, default=EmailMode.IMMEDIATE)

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self):
        return f"Preferences of {self.user}"


class Notification(models.Model):
    """One message to one person: the outbox row, written in the event's transaction.

    Delivery claims the row with a lease (``claimed_until``, set by a conditional update) and
    marks it ``sent_at`` once sent: a message redelivered by the broker or the sweep while the
    row is claimed or sent is not sent again. Delivery is at least once: a worker killed
    between the send and ``sent_at`` leaves the lease to lapse, and the row is sent again.
    ``dedupe_key`` makes writing the same message twice for one event impossible.

    A failed send is retried after a capped, jittered, growing delay (``next_attempt_at``);
    after the last allowed attempt the row is marked ``failed_at`` and nothing retries it
    until an admin does ("Retry delivery").
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    escalation = models.ForeignKey(
        "escalations.Escalation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Set while a delivery is under way; a crashed delivery's claim lapses at this time.
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Who holds the claim: "<worker node name>/<process boot id>" (notifications.tasks.CLAIMANT_BOOT).
    # A worker starting again under the same node name releases its earlier life's claims.
    claimed_by = models.CharField(max_length=200, blank=True, default="", db_default="")
    last_error = models.TextField(blank=True)
    # After a failed send: when the scheduled retry is due. The sweep leaves the row to that
    # retry until then, so it cannot cut the backoff short or start a second retry chain.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Handed to the broker again by the sweep: until this time that message stands for the row,
    # and the sweep does not hand it again, so the broker's queue cannot pile up behind an outage.
    queued_until = models.DateTimeField(null=True, blank=True)
    # Given up after the last allowed attempt: visible to admins, never swept again.
    failed_at = models.DateTimeField(null=True, blank=True)
    # Its email waits for the recipient's daily digest (an informational message to someone
    # who chose the digest). Such a row is written delivered (``sent_at``: it is in the
    # inbox, the only channel left to it), and ``covered_by`` names the digest that emailed it.
    # db_default too: bulk loaders that COPY rows without the column (demo.bulk) get False.
    in_digest = models.BooleanField(default=False, db_default=False)
    covered_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="covered", editable=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(sent_at=None, failed_at=None), name="unsent_by_created"),
            models.Index(fields=["recipient", "-created_at"]),
            # The bell's unread count on every page: only unread rows are in it.
            models.Index(fields=["recipient"], condition=Q(read_at=None), name="unread_by_recipient"),
            # The digest task's work: messages still waiting for a digest, by person.
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(in_digest=True, covered_by=None),
                name="waiting_for_digest",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient}"
