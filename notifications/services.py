"""Writing the outbox, and delivering one row. Delivery never raises for a lost race."""

import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification

logger = logging.getLogger(__name__)


SUBJECT_MAX = 255


def single_line(text: str) -> str:
    """``text`` on one line: every run of whitespace, line breaks included, becomes one space.

    str.split() splits on CR, LF and the other Unicode line separators (VT, FF, NEL, U+2028,
    U+2029...), so what case subjects and organization or people's names bring into a subject
    can never start a header of its own (email header injection).
    """
    return " ".join(text.split())


def notify(**message) -> list[int]:
    """Write one outbox row per distinct active recipient, enqueued on commit; return their ids.

    Takes the keyword arguments of ``notifications_build``; ``outbox_write`` tells the ids.
    """
    return outbox_write(notifications_build(**message))


def notifications_build(
    *,
    recipients: Iterable,
    kind: str,
    context: dict,
    case=None,
    escalation=None,
    event: str,
    now,
    template: str | None = None,
) -> list[Notification]:
    """One unsaved outbox row per distinct active recipient, its subject and body rendered.

    ``template`` names the email templates when one kind reads differently for some
    recipients (the requester's copy of an overdue review); it defaults to the kind.

    ``event`` names the occurrence (e.g. ``escalation-12``), so that the dedupe key
    (kind, event, recipient) makes a second write of the same message impossible.
    """
    name = template or kind
    # Looked up once for all recipients; rendered once each (the body greets them by name).
    subject_template = get_template(f"emails/{name}_subject.txt")
    body_template = get_template(f"emails/{name}.txt")
    rows = []
    seen = set()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        ctx = {**context, "recipient": user, "base_url": settings.PORTAL_BASE_URL}
        subject = single_line(subject_template.render(ctx))
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                subject=subject[:SUBJECT_MAX],
                body=body_template.render(ctx),
                case=case,
                escalation=escalation,
                dedupe_key=f"{kind}:{event}:user-{user.pk}",
                created_at=now,
            )
        )
    return rows


def outbox_write(rows: list[Notification]) -> list[int]:
    """Insert the rows in the caller's transaction, in one statement; hand them to the worker on commit.

    Returns the rows' ids, those of rows an earlier write of the same event had already
    inserted (same dedupe key) included: such a row is kept as it is, not written again.
    Rows of several kinds and events go together, so that one event costs one INSERT and
    one broker message, however many people it tells.
    """
    if not rows:
        return []
    # ON CONFLICT (dedupe_key) DO UPDATE SET dedupe_key = EXCLUDED.dedupe_key: the update
    # changes nothing (same key), but unlike DO NOTHING it makes the INSERT return the id of
    # a row already there, so no SELECT has to look the rows up again.
    Notification.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["dedupe_key"], update_fields=["dedupe_key"]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: enqueue_delivery(ids))
    return ids


def enqueue_delivery(ids):
    """Hand the rows to the worker in one message. A broker fault only delays them: the sweep redelivers.

    One publish per transaction, not one per row: the request pays one broker round trip,
    and the worker fans the batch out to one delivery task per still-unsent row
    (``tasks.deliver_notifications``), each claimed, sent and retried on its own.
    """
    if not ids:
        return
    from notifications.tasks import deliver_notifications

    try:
        deliver_notifications.delay(list(ids))
    except Exception:  # noqa: BLE001 - any broker error; the outbox keeps the rows
        logger.warning("Could not enqueue notifications %s; the sweep will redeliver them", list(ids))


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


@dataclass(frozen=True)
class DeliveryPolicy:
    """How failed sends are retried: the n-th failure waits about ``base * 2**(n-1)`` seconds,
    never more than ``cap``; the ``max_attempts``-th failure gives the message up."""

    base_seconds: float
    cap_seconds: float
    max_attempts: int


def delivery_policy() -> DeliveryPolicy:
    """The retry policy from settings (PORTAL_DELIVERY_*; see portal/settings.py)."""
    return DeliveryPolicy(
        base_seconds=settings.PORTAL_DELIVERY_RETRY_BASE_SECONDS,
        cap_seconds=settings.PORTAL_DELIVERY_RETRY_CAP_SECONDS,
        max_attempts=settings.PORTAL_DELIVERY_MAX_ATTEMPTS,
    )


def retry_delay(attempts: int, *, base: float, cap: float, rng=random) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt (1 for the first failure).

    The step doubles from ``base`` and stops at ``cap``; the delay is drawn uniformly from
    [step / 2, step] ("equal jitter"): messages that failed together (one SMTP outage)
    spread out instead of returning as a herd, and none comes back sooner than half its step.
    """
    step = min(cap, base * 2 ** min(max(attempts, 1) - 1, 64))
    return rng.uniform(step / 2, step)


def is_given_up(attempts: int, *, max_attempts: int) -> bool:
    """True when a message that has failed ``attempts`` times must not be tried again."""
    return attempts >= max_attempts


def deliver(
    notification_id: int, *, now=None, policy: DeliveryPolicy | None = None, wait_for_retry_time: bool = False
) -> bool:
    """Send one notification by email if nobody else has; return True when this call sent it.

    A failed send re-raises the mail backend's error after recording it on the row: the
    time of the next attempt, or ``failed_at`` once the policy's attempts are spent.

    ``wait_for_retry_time`` (the worker's calls): leave a row whose retry is not due yet to
    that retry. A task queued by the sweep just before the first attempt failed, or a
    broker redelivery, would otherwise cut the backoff short and start a second retry chain.
    """
    now = now or timezone.now()
    rows = Notification.objects.filter(id=notification_id, sent_at=None, failed_at=None)
    if wait_for_retry_time:
        rows = rows.filter(Q(next_attempt_at=None) | Q(next_attempt_at__lte=now))
    claimed = (
        rows.filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
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
            # Again at sending: a row written by any other path must not fail as BadHeaderError.
            subject=single_line(notification.subject),
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient.email],
            headers=_headers(notification),
        )
        message.attach_alternative(_html(notification), "text/html")
        message.send()
    except Exception as exc:
        _record_failure(notification, exc, policy or delivery_policy())
        raise
    Notification.objects.filter(id=notification_id).update(
        sent_at=timezone.now(), claimed_until=None, next_attempt_at=None, last_error=""
    )
    return True


def _record_failure(notification, exc, policy: DeliveryPolicy):
    failed_at = timezone.now()
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if is_given_up(notification.attempts, max_attempts=policy.max_attempts):
        logger.warning("Gave up notification %s after %s attempts: %s", notification.pk, notification.attempts, error)
        changes = {"failed_at": failed_at, "next_attempt_at": None}
    else:
        delay = retry_delay(notification.attempts, base=policy.base_seconds, cap=policy.cap_seconds)
        logger.warning(
            "Delivery of notification %s failed (attempt %s of %s): %s; next attempt in %.3f s",
            notification.pk, notification.attempts, policy.max_attempts, error, delay,
        )  # fmt: skip
        changes = {"next_attempt_at": failed_at + timedelta(seconds=delay)}
    # One update gives the claim back and sets the retry time together: the sweep never
    # sees the row free without its retry time.
    Notification.objects.filter(id=notification.pk).update(claimed_until=None, last_error=error, **changes)


def retry_in(notification_id: int, *, now=None) -> float | None:
    """Seconds until the failed row's scheduled retry (0 if due); None if it is sent, given up or gone."""
    now = now or timezone.now()
    next_attempt_at = (
        Notification.objects.filter(id=notification_id, sent_at=None, failed_at=None)
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if next_attempt_at is None:
        return None
    return max((next_attempt_at - now).total_seconds(), 0.0)


def retry_delivery(*, ids) -> list[int]:
    """Give failed or waiting messages a fresh set of attempts and hand them to the worker now.

    Rows already sent, or held by a delivery under way, are left alone. Returns the ids reset.
    """
    now = timezone.now()
    rows = Notification.objects.filter(id__in=ids, sent_at=None)
    rows = rows.filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
    with transaction.atomic():
        reset = list(rows.select_for_update().values_list("id", flat=True))
        Notification.objects.filter(id__in=reset).update(
            failed_at=None, attempts=0, next_attempt_at=None, claimed_until=None
        )
        transaction.on_commit(lambda: enqueue_delivery(reset))
    return reset


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
    """Rows still unsent since before ``older_than`` that no live delivery holds.

    Given-up rows are left for an admin. A row waiting for a retry is left to it until
    that retry is as late as a fresh row would be (``older_than``): taking it sooner would
    cut the backoff short and start a second retry chain beside the scheduled one.
    """
    now = now or timezone.now()
    return list(
        Notification.objects.filter(sent_at=None, failed_at=None, created_at__lt=older_than)
        .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
        .filter(Q(next_attempt_at=None) | Q(next_attempt_at__lt=older_than))
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
