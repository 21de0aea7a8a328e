"""The in-app inbox: marking what a user has read."""

from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from notifications.models import Notification


def mark_read(*, user, notification_id, now=None) -> bool:
    """Mark one of the user's notifications read; False if it is not theirs (or not there).

    One UPDATE checks ownership and keeps an earlier reading's time.
    """
    changed = Notification.objects.filter(pk=notification_id, recipient=user).update(
        read_at=Coalesce(F("read_at"), now or timezone.now())
    )
    return bool(changed)


def mark_all_read(*, user, now=None) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).update(read_at=now or timezone.now())
