"""Delivering one outbox row by email, and the retry policy of failed sends.

Called by the worker (notifications.tasks); never raises for a lost race: a row another
delivery holds or has sent is left alone.
"""

import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from notifications import links
from notifications.models import Notification
from notifications.text import single_line

logger = logging.getLogger(__name__)


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
    notification_id: int,
    *,
    now=None,
    policy: DeliveryPolicy | None = None,
    wait_for_retry_time: bool = False,
    claimant: str = "",
) -> bool:
    """Send one notification by email unless it is sent or a live lease holds it; return True
    when this call sent it. At least once: a sender killed after sending, before recording
    it, leaves its lease to lapse, and the row is sent again.

    A failed send re-raises the mail backend's error after recording it on the row: the
    time of the next attempt, or ``failed_at`` once the policy's attempts are spent.

    ``claimant`` (the worker's calls) names who holds the claim, so that a worker killed while
    sending lets its next life release the row at once (notifications.worker) instead of after
    the lease.

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
        .update(
            claimed_until=now + timedelta(seconds=settings.PORTAL_CLAIM_LEASE_SECONDS),
            claimed_by=claimant,
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient", "escalation").get(id=notification_id)
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


def _html(notification) -> str:
    # The page where the recipient acts, as in the text and in the inbox (notifications.links).
    link = links.link_of(
        notification, recipient_is_staff=links.needs_role(notification.kind) and links.is_staff(notification.recipient)
    )
    return render_to_string(
        "emails/notification.html",
        {
            "subject": notification.subject,
            "body": notification.body,
            "link": settings.PORTAL_BASE_URL + link.path if link else None,
            "link_label": link.label if link else "",
        },
    )


def _headers(notification):
    headers = {"X-Portal-Notification": notification.dedupe_key}
    if notification.kind == "escalation_not_accepted":
        # An automatic reply: mail systems must not answer it with another one (RFC 3834).
        headers["Auto-Submitted"] = "auto-replied"
    else:
        headers["Auto-Submitted"] = "auto-generated"
    return headers
