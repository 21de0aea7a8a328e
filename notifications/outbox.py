"""The outbox: every message is first a Notification row, written in the transaction of the
event that causes it, and handed to the worker once that transaction commits.

Building and writing rows is here; sending one row is notifications.delivery's. A message
is delivered at least once: the worker's claim is a lease, so a delivery that dies
mid-send is retried once the lease lapses; the claim makes a second send of a row
already sent impossible, not one whose sender died between sending and recording it.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import get_template
from django.utils import timezone

from notifications import links, preferences
from notifications.models import Notification
from notifications.tasks import deliver_notifications
from notifications.text import single_line

logger = logging.getLogger(__name__)


SUBJECT_MAX = 255


def dedupe_key(kind: str, event: str, recipient_id: int) -> str:
    """The key that makes a second write of the same message impossible (unique in the table)."""
    return f"{kind}:{event}:user-{recipient_id}"


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
    # Each person once (the first of their user objects), active ones only.
    distinct = {}
    for user in recipients:
        if user is not None and user.is_active:
            distinct.setdefault(user.pk, user)
    recipients = list(distinct.values())
    # Whose link is the escalation page: asked once for all, and only of kinds where it matters.
    staff = links.staff_ids(recipients) if links.needs_role(kind) else set()
    # Each recipient's zone and email mode (notifications.preferences), in one query for all.
    people = preferences.readers(recipients)
    for user in recipients:
        link = links.notification_link(
            kind=kind,
            recipient_is_staff=user.pk in staff,
            case_id=case.pk if case is not None else None,
            escalation_id=escalation.pk if escalation is not None else None,
            level=escalation.level if escalation is not None else None,
        )
        ctx = {
            **context,
            "recipient": user,
            "base_url": settings.PORTAL_BASE_URL,
            # Where this recipient acts (notifications.links): the emails' "Open ..." line.
            "link": settings.PORTAL_BASE_URL + link.path if link else "",
            "link_label": link.label if link else "",
        }
        reader = people[user.pk]
        # Every time in the message reads in the recipient's own zone, named (portal.times).
        with timezone.override(reader.zone):
            subject = single_line(subject_template.render(ctx))
            body = body_template.render(ctx)
        # An informational message to someone who chose the daily digest: in the inbox now,
        # emailed in tomorrow's digest (notifications.digest), so delivered as written.
        in_digest = reader.wants_in_digest(kind)
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                subject=subject[:SUBJECT_MAX],
                body=body,
                case=case,
                escalation=escalation,
                dedupe_key=dedupe_key(kind, event, user.pk),
                created_at=now,
                in_digest=in_digest,
                sent_at=(now or timezone.now()) if in_digest else None,
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
    try:
        deliver_notifications.delay(list(ids))
    except Exception:  # noqa: BLE001 - any broker error; the outbox keeps the rows
        logger.warning("Could not enqueue notifications %s; the sweep will redeliver them", list(ids))


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
            failed_at=None, attempts=0, next_attempt_at=None, claimed_until=None, queued_until=None
        )
        transaction.on_commit(lambda: enqueue_delivery(reset))
    return reset
