"""Reads: a person's inbox, their unread count, and what an escalation caused to be sent."""

import re
from collections import defaultdict

from django.db.models import Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.text import Truncator

from notifications import links
from notifications.models import Notification, NotificationKind

# The inbox shows the start of a body only; reading the first characters in SQL keeps
# a long escalation summary (up to 5,000 characters) out of every inbox page.
EXCERPT_SOURCE_CHARS = 400
EXCERPT_CHARS = 160


def unread_count(user, *, up_to: int | None = None) -> int:
    """How many of the user's notifications are unread, counting at most ``up_to`` of them.

    A manager alerted about every escalation may hold tens of thousands unread; the bell
    only needs to know there are more than it shows, and counting those costs ~100 ms.
    """
    unread = Notification.objects.filter(recipient=user, read_at=None)
    return (unread[:up_to] if up_to else unread).count()


def inbox(user, *, unread_only=False) -> QuerySet[Notification]:
    """The user's own notifications, newest first, with just what the inbox shows.

    Each row carries ``body_head`` (the body's first characters) instead of the body,
    and its escalation's level and case, to build the link without another query.
    """
    notifications = (
        Notification.objects.filter(recipient=user)
        # A daily digest is an email that sums up inbox items, not one itself.
        .exclude(kind=NotificationKind.DAILY_DIGEST)
        .select_related("escalation")
        .only(
            "id",
            "kind",
            "subject",
            "created_at",
            "read_at",
            "case",
            "escalation",
            "escalation__case",
            "escalation__level",
        )
        .annotate(body_head=Substr("body", 1, EXCERPT_SOURCE_CHARS))
        .order_by("-created_at", "-id")
    )
    if unread_only:
        notifications = notifications.filter(read_at=None)
    return notifications


def own_notification(user, notification_id) -> Notification | None:
    """The user's notification with this id, or None when there is none or it is someone else's."""
    return inbox(user).filter(pk=notification_id).first()


def notification_url(notification, *, recipient_is_staff: bool) -> str | None:
    """Where a notification leads its recipient: the page where they act (notifications.links).

    None when it concerns no case. Notifications are only ever written to people who may
    see the case, and each page checks access again, so the link alone leaks nothing.
    """
    link = links.link_of(notification, recipient_is_staff=recipient_is_staff)
    return link.path if link else None


def excerpt(body_head: str) -> str:
    """The message's first paragraph after its "Hello <name>," greeting, on one line.

    A paragraph that introduces the next one ("The reviewer wrote:") takes it along:
    the decision message is what the reader wants to see.
    """
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body_head.strip())]
    paragraphs = [p for p in paragraphs if p]
    if paragraphs and paragraphs[0].startswith("Hello ") and paragraphs[0].endswith(","):
        paragraphs = paragraphs[1:]
    shown = paragraphs[:2] if paragraphs and paragraphs[0].endswith(":") else paragraphs[:1]
    return Truncator(" ".join(shown)).chars(EXCERPT_CHARS)


def notifications_by_escalation(case) -> dict[int, list[Notification]]:
    """Every notification the case's escalations caused, oldest first, keyed by escalation id.

    One query for the whole case, whatever the number of escalations (staff-only reading:
    it names every recipient).
    """
    grouped = defaultdict(list)
    rows = (
        Notification.objects.filter(escalation__case=case)
        .select_related("recipient")
        .defer("body")
        .order_by("created_at", "id")
    )
    for notification in rows:
        grouped[notification.escalation_id].append(notification)
    return dict(grouped)


def waiting_ids(ids) -> list[int]:
    """Those of ``ids`` still to send, in id order.

    Rows written already sent (historical data such as the demo's) and given-up rows are
    left out; a row sent meanwhile would be refused by the claim in ``deliver`` anyway.
    """
    return list(
        Notification.objects.filter(id__in=ids, sent_at=None, failed_at=None)
        .order_by("id")
        .values_list("id", flat=True)
    )


def unsent_ids(*, older_than, now=None, limit=500):
    """Rows still unsent since before ``older_than`` that no live delivery holds, and that the
    sweep has not handed to the broker within the lease (``queued_until``).

    Given-up rows are left for an admin. A row waiting for a retry is left to it until
    that retry is as late as a fresh row would be (``older_than``): taking it sooner would
    cut the backoff short and start a second retry chain beside the scheduled one.
    """
    now = now or timezone.now()
    return list(
        Notification.objects.filter(sent_at=None, failed_at=None, created_at__lt=older_than)
        .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
        .filter(Q(queued_until=None) | Q(queued_until__lte=now))
        .filter(Q(next_attempt_at=None) | Q(next_attempt_at__lt=older_than))
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )
