"""The daily digest: one email a day for a person who chose it, covering the informational
messages they received meanwhile (notifications.preferences: alerts never wait for it).

Those messages are in the inbox at once; their rows wait for the digest (``in_digest``,
``covered_by`` empty). Beat runs ``send_daily_digests`` every few minutes: a person's digest
for a day is due from ``PORTAL_DIGEST_HOUR`` o'clock in their own zone, and covers what came
before that hour. It goes through the outbox like any message; its dedupe key names the
person and the day, so it is written once, and each row it covers names it (``covered_by``).
"""

import logging
from datetime import date, datetime, time, timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications import links, preferences
from notifications.models import Notification, NotificationKind
from notifications.outbox import dedupe_key, notifications_build, outbox_write

logger = logging.getLogger(__name__)


def digest_due(now: datetime, zone) -> tuple[date, datetime]:
    """(day, cutoff): the latest digest due at ``now`` for a person in ``zone``, and the instant
    it covers messages up to (excluded): ``PORTAL_DIGEST_HOUR`` o'clock that day in ``zone``.
    Before that hour, the latest digest due is yesterday's."""
    local = now.astimezone(zone)
    hour = time(preferences.digest_hour())
    day = local.date() if local.time() >= hour else local.date() - timedelta(days=1)
    return day, datetime.combine(day, hour, tzinfo=zone)


def event_of(day: date) -> str:
    """The digest's event in its dedupe key: one digest per person per day."""
    return f"day-{day.isoformat()}"


def waiting_recipient_ids() -> list[int]:
    """Everyone with messages waiting for a digest."""
    return list(
        Notification.objects.filter(in_digest=True, covered_by=None)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def send_daily_digests(now: datetime | None = None) -> int:
    """Write the digest now due for every person with messages waiting; return how many were written."""
    now = now or timezone.now()
    people = list(get_user_model().objects.filter(pk__in=waiting_recipient_ids(), is_active=True))
    readers = preferences.readers(people)
    written = 0
    for user in people:
        reader = readers.get(user.pk)
        if reader is not None and digest_send(user, reader=reader, now=now):
            written += 1
    return written


def digest_send(user, *, reader: preferences.Reader, now: datetime) -> bool:
    """Write ``user``'s digest due at ``now`` (``digest_due``), covering every message waiting
    from before its cutoff; False when none waits or that day's digest was already written
    (what came since waits for the next one)."""
    day, cutoff = digest_due(now, reader.zone)
    key = dedupe_key(NotificationKind.DAILY_DIGEST, event_of(day), user.pk)
    with transaction.atomic():
        # Locked: a second run at the same moment waits here, then finds them covered.
        waiting = list(
            Notification.objects.select_for_update(of=("self",))
            .select_related("escalation")
            .filter(recipient=user, in_digest=True, covered_by=None, created_at__lt=cutoff)
            .order_by("created_at", "id")
        )
        if not waiting or Notification.objects.filter(dedupe_key=key).exists():
            return False
        staff = any(links.needs_role(n.kind) for n in waiting) and links.is_staff(user)
        items = []
        for notification in waiting:
            link = links.link_of(notification, recipient_is_staff=staff)
            items.append(
                {
                    "subject": notification.subject,
                    "created_at": notification.created_at,
                    "link": settings.PORTAL_BASE_URL + link.path if link else "",
                }
            )
        [digest] = notifications_build(
            recipients=[user],
            kind=NotificationKind.DAILY_DIGEST,
            context={"items": items, "day": day, "inbox": settings.PORTAL_BASE_URL + reverse("notifications:inbox")},
            event=event_of(day),
            now=now,
        )
        # An email that sums up the inbox: not an inbox item itself, nor an unread one.
        digest.read_at = now
        [digest_id] = outbox_write([digest])
        Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(covered_by_id=digest_id)
    logger.info("Daily digest %s of %s: %s messages", day, user.pk, len(waiting))
    return True


@shared_task(name="notifications.digest.send_daily_digests_task", acks_late=True)
def send_daily_digests_task() -> int:
    """Beat's entry (settings.CELERY_BEAT_SCHEDULE); listed in CELERY_IMPORTS, as it is not
    in notifications.tasks (the outbox, which it writes to, sits above the tasks)."""
    return send_daily_digests()
