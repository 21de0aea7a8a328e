"""The review deadline sweep: warn an hour ahead, flag what is overdue, each exactly once.

Beat runs it every minute. Any number of sweeps may run at once (two beats by mistake,
a slow run overlapping the next): each claims its rows with ``FOR UPDATE SKIP LOCKED``,
marks them in the same transaction, and the outbox's dedupe keys make a second alert
for the same escalation impossible anyway.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.people import group_members
from escalations import audit, policy, recipients
from escalations.models import Escalation, EscalationLevel, EscalationStatus
from escalations.roles import responder_users
from notifications.outbox import notify

BATCH_SIZE = 200


@dataclass
class SweepResult:
    due_soon: int = 0
    overdue: int = 0


def sweep_review_deadlines(now=None) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    levels = {level.number: level for level in EscalationLevel.objects.all()}
    while True:
        with transaction.atomic():
            batch = _claim_due(now)
            for escalation in batch:
                level = levels.get(escalation.level)
                if escalation.review_due_at <= now:
                    _mark_overdue(escalation, level, now)
                    result.overdue += 1
                else:
                    _warn_due_soon(escalation, level, now)
                    result.due_soon += 1
        if len(batch) < BATCH_SIZE:
            return result


def _claim_due(now):
    """Pending escalations with an alert due: one query, served by two partial indexes."""
    due = Q(due_soon_at__lte=now, due_soon_sent_at=None) | Q(review_due_at__lte=now, overdue_at=None)
    # A superseded level has left the review: the higher level is the one to work, and warned.
    return list(
        Escalation.objects.filter(due, status=EscalationStatus.PENDING, superseded_at=None)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("case__organization__region", "case__organization__tier", "requested_by")
        .order_by("review_due_at")[:BATCH_SIZE]
    )


def _warn_due_soon(escalation, level, now):
    case = escalation.case
    Escalation.objects.filter(pk=escalation.pk).update(due_soon_sent_at=now)
    # By the system: no actor. The row is locked (_claim_due), so its values are current.
    audit.record_change(
        escalation,
        actor=None,
        event="due_soon_warned",
        at=now,
        changes={"due_soon_sent_at": (escalation.due_soon_sent_at, now)},
    )
    notify(
        recipients=responder_users(policy.responder_of(level), case),
        kind="review_due_soon",
        context={"case": case, "escalation": escalation, "level": level},
        case=case,
        escalation=escalation,
        event=recipients.escalation_event(escalation.pk),
        now=now,
    )


def _mark_overdue(escalation, level, now):
    case = escalation.case
    # An escalation found already past its deadline gets no "one hour left" warning.
    Escalation.objects.filter(pk=escalation.pk).update(
        overdue_at=now, due_soon_sent_at=escalation.due_soon_sent_at or now
    )
    audit.record_change(
        escalation,
        actor=None,
        event="marked_overdue",
        at=now,
        changes={
            "overdue_at": (escalation.overdue_at, now),
            "due_soon_sent_at": (escalation.due_soon_sent_at, escalation.due_soon_sent_at or now),
        },
    )
    escalation.overdue_at = now
    context = {
        "case": case,
        "escalation": escalation,
        "level": level,
        # Whether the emails may offer "one level higher": the policy's answer, not theirs.
        "escalation_can_go_higher": policy.can_escalate_higher(escalation.level),
    }
    staff = [*responder_users(policy.responder_of(level), case), *group_members(recipients.OVERDUE_ALSO_TOLD)]
    notify(
        recipients=staff,
        kind="review_overdue",
        context=context,
        case=case,
        escalation=escalation,
        event=recipients.escalation_event(escalation.pk),
        now=now,
    )
    # The requester hears it too: with the deadline passed they may go one level higher, if there is one.
    notify(
        recipients=[escalation.requested_by],
        kind="review_overdue",
        template="review_overdue_requester",
        context=context,
        case=case,
        escalation=escalation,
        event=recipients.requester_overdue_event(escalation.pk),
        now=now,
    )
