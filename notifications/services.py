"""Writing the outbox, and delivering one row. Delivery never raises for a lost race."""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification

logger = logging.getLogger(__name__)


def notify(
    *,
    recipients: Iterable,
    kind: str,
    context: dict,
    case=None,
    escalation=None,
    event: str,
    now,
    template: str | None = None,
):
    """Write one outbox row per distinct active recipient; return their ids.

    ``template`` names the email templates when one kind reads differently for some
    recipients (the requester's copy of an overdue review); it defaults to the kind.

    ``event`` names the occurrence (e.g. ``escalation-12``), so that the dedupe key
    (kind, event, recipient) makes a second write of the same message impossible.
    """
    rows = []
    seen = set()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        ctx = {**context, "recipient": user, "base_url": settings.PORTAL_BASE_URL}
        subject = " ".join(render_to_string(f"emails/{template or kind}_subject.txt", ctx).split())
        body = render_to_string(f"emails/{template or kind}.txt", ctx)
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                subject=subject[:255],
                body=body,
                case=case,
                escalation=escalation,
                dedupe_key=f"{kind}:{event}:user-{user.pk}",
                created_at=now,
            )
        )
    # ignore_conflicts: a repeated event writes nothing new instead of failing.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(Notification.objects.filter(dedupe_key__in=[r.dedupe_key for r in rows]).values_list("id", flat=True))
    transaction.on_commit(lambda: enqueue_delivery(ids))
    return ids


def enqueue_delivery(ids):
    """Hand the still-unsent rows to the worker. A broker fault only delays them: the sweep redelivers.

    Rows written already sent (historical data such as the demo's) are not published.
    """
    from notifications.tasks import deliver_notification

    for notification_id in Notification.objects.filter(id__in=ids, sent_at=None).values_list("id", flat=True):
        try:
            deliver_notification.delay(notification_id)
        except Exception:  # noqa: BLE001 - any broker error; the outbox keeps the row
            logger.warning("Could not enqueue notification %s; the sweep will redeliver it", notification_id)
            return


def deliver(notification_id: int, *, now=None) -> bool:
    """Send one notification by email if nobody else has; return True when this call sent it."""
    now = now or timezone.now()
    claimed = (
        Notification.objects.filter(id=notification_id, sent_at=None)
        .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
        # A delivery that dies holding the claim (worker killed) gives the row back when it lapses.
        .update(claimed_until=now + timedelta(seconds=settings.PORTAL_CLAIM_LEASE_SECONDS), attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(id=notification_id)
    if not notification.recipient.email:
        # Nowhere to mail it: the in-app inbox is the only channel, and it already has it.
        Notification.objects.filter(id=notification_id).update(sent_at=timezone.now(), claimed_until=None)
        return True
    try:
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient.email],
            headers=_headers(notification),
        )
        message.attach_alternative(_html(notification), "text/html")
        message.send()
    except Exception as exc:
        Notification.objects.filter(id=notification_id).update(claimed_until=None, last_error=str(exc)[:2000])
        raise
    Notification.objects.filter(id=notification_id).update(sent_at=timezone.now(), claimed_until=None, last_error="")
    return True


def _html(notification) -> str:
    link = None
    if notification.case_id:
        link = settings.PORTAL_BASE_URL + reverse("cases:detail", args=[notification.case_id])
    return render_to_string(
        "emails/notification.html", {"subject": notification.subject, "body": notification.body, "link": link}
    )


def _headers(notification):
    headers = {"X-Portal-Notification": notification.dedupe_key}
    if notification.kind == "escalation_not_accepted":
        # An automatic reply: mail systems must not answer it with another one (RFC 3834).
        headers["Auto-Submitted"] = "auto-replied"
    else:
        headers["Auto-Submitted"] = "auto-generated"
    return headers


def unsent_ids(*, older_than, now=None, limit=500):
    """Rows still unsent since before ``older_than`` that no live delivery holds."""
    now = now or timezone.now()
    return list(
        Notification.objects.filter(sent_at=None, created_at__lt=older_than)
        .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )


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
