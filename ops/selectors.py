"""Reads for the operations endpoints: the outbox, overdue escalations, heartbeats.

Each is one query on an index the apps already keep, so a probe or a scrape stays cheap
however large the tables grow (the one exception is said where it is).
"""

from django.db.models import Count, Min, Q

from escalations.models import Escalation, EscalationStatus
from notifications.models import Notification
from ops.models import Heartbeat


def outbox_backlog(*, now):
    """(unsent count, age in seconds of the oldest unsent row or None): one query.

    Unsent means neither sent nor given up (``failed_at``): rows waiting for a retry count,
    since a person is still waiting for them. Answered from the ``unsent_by_created`` partial
    index.
    """
    figures = Notification.objects.filter(sent_at=None, failed_at=None).aggregate(
        count=Count("id"), oldest=Min("created_at")
    )
    oldest = figures["oldest"]
    age = max(0.0, (now - oldest).total_seconds()) if oldest else None
    return figures["count"], age


def delivery_failures():
    """How many messages were given up after their last attempt and wait for an admin: one query.

    ``failed_at`` has no index, so this one reads the table; give it a partial index
    (``failed_at IS NOT NULL``) if the outbox grows past a few hundred thousand rows.
    """
    return Notification.objects.filter(failed_at__isnull=False).count()


def overdue_escalations(*, now):
    """Pending escalations in the review queue whose review deadline has passed: one query.

    Marked overdue by the sweep (``overdue_at``) or past ``review_due_at`` and not yet swept:
    the gauge does not wait for the sweep. Superseded ones are left out, as in the queue
    (the ``queue_by_review_due`` index answers it).
    """
    return (
        Escalation.objects.filter(status=EscalationStatus.PENDING, superseded_at=None)
        .filter(Q(overdue_at__isnull=False) | Q(review_due_at__lt=now))
        .count()
    )


def heartbeat_ages(*, now):
    """{process name: seconds since its last heartbeat}, for those that ever beat: one query."""
    return {name: max(0.0, (now - at).total_seconds()) for name, at in Heartbeat.objects.values_list("name", "beat_at")}
