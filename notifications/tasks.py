import uuid
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from notifications import delivery, selectors
from notifications.models import Notification

# Set once per process: a worker started again (same node name) has another, and so can tell
# its earlier life's claims from its own (notifications.worker).
CLAIMANT_BOOT = uuid.uuid4().hex[:12]


def claimant(node_name: str | None) -> str:
    """Who holds a claim made in this process: "<node name>/<boot id>"."""
    return f"{node_name or 'worker'}/{CLAIMANT_BOOT}"


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_notification(self, notification_id):
    """Deliver one outbox row; after a transient failure, retry when the row says.

    The row, not Celery's retry count, decides: ``deliver`` has recorded the failure with
    the capped, jittered time of the next attempt, or given the message up after the
    policy's last attempt (then nothing retries it until an admin does). Other errors are
    not retried here; the outbox sweep takes the row again once its retry time has passed.
    """
    try:
        # A retry's countdown ends at the row's retry time (by this worker's clock), so it
        # finds the row due; a stray task that comes sooner leaves the row to that retry.
        delivery.deliver(notification_id, wait_for_retry_time=True, claimant=claimant(self.request.hostname))
    except OSError as exc:  # SMTP refusals (SMTPException is an OSError), resets, timeouts
        retry_in = delivery.retry_in(notification_id)
        if retry_in is None:
            return  # given up (logged by the service), or sent by someone else meanwhile
        raise self.retry(exc=exc, countdown=retry_in)


@shared_task(acks_late=True)
def deliver_notifications(notification_ids):
    """Fan one transaction's outbox rows out: one ``deliver_notification`` task per unsent row.

    The request that wrote the rows publishes this one message instead of one per row; each
    row is then claimed, sent and retried on its own, as if published alone. A broker fault
    here leaves the rest to the sweep; a redelivery of this message publishes some rows
    twice, which the claim in ``deliver`` makes harmless.
    """
    for notification_id in selectors.waiting_ids(notification_ids):
        deliver_notification.delay(notification_id)


@shared_task(acks_late=True)
def redeliver_unsent() -> int:
    """Re-enqueue what is still unsent a minute after it was written (broker or SMTP was down).

    Returns how many rows were handed (``hand_unsent``).
    """
    now = timezone.now()
    return hand_unsent(older_than=now - timedelta(seconds=settings.PORTAL_REDELIVER_AFTER_SECONDS), now=now)


def hand_unsent(*, older_than, now) -> int:
    """Publish one delivery task per row unsent since before ``older_than`` (``selectors.unsent_ids``).

    Each row handed is leased (``queued_until``) so that the next sweeps leave it to the
    message just published, until the lease runs out (the message may have been lost with
    the broker). Returns how many rows were handed.
    """
    handed = []
    for notification_id in selectors.unsent_ids(older_than=older_than, now=now):
        deliver_notification.delay(notification_id)
        handed.append(notification_id)
    lease_until = now + timedelta(seconds=settings.PORTAL_REQUEUE_LEASE_SECONDS)
    Notification.objects.filter(id__in=handed).update(queued_until=lease_until)
    return len(handed)
