from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from notifications import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def deliver_notification(notification_id):
    services.deliver(notification_id)


@shared_task(acks_late=True)
def redeliver_unsent():
    """Re-enqueue what is still unsent a minute after it was written (broker or SMTP was down)."""
    older_than = timezone.now() - timedelta(seconds=settings.PORTAL_REDELIVER_AFTER_SECONDS)
    for notification_id in services.unsent_ids(older_than=older_than):
        deliver_notification.delay(notification_id)
