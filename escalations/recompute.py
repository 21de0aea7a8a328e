"""Deadlines follow their calendar (DESIGN.md, Contract additions).

When an admin changes a calendar's hours, working days, time zone or holidays, or which
calendar is the default, every pending escalation on it gets its deadlines computed again
from its ``created_at``, as if the calendar had always been so. Otherwise the queue would
show a due time on a new holiday beside a business time left that skips the holiday.
"""

from contextlib import nullcontext
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from escalations import audit
from escalations.calendars import default_calendar_loaded
from escalations.models import BusinessCalendar, Escalation, EscalationLevel, EscalationStatus
from escalations.selectors import forget_calendars
from escalations.services import review_deadlines

RECOMPUTED_EVENT = "deadline_recomputed"
BATCH_SIZE = 500
# What the recompute reads and writes of an escalation; the rest (summary, the case's
# description) stays in the database. "case__organization__region__calendar" keeps the
# joins that review_deadlines walks to find the calendar.
_LOADED_FIELDS = (
    "id",
    "case",
    "level",
    "status",
    "created_at",
    "review_due_at",
    "due_soon_at",
    "overdue_at",
    "case__organization__region__calendar",
)


def escalations_on_calendar(calendar: BusinessCalendar):
    """Pending escalations whose deadlines ``calendar`` computes: those of organizations whose
    region uses it, and, when it is the default, those whose organization has no regional calendar.

    Superseded ones are left out: the customer took the case a level higher, the higher level
    is the one being worked, and the lower one's deadline is history.
    """
    on_calendar = Q(case__organization__region__calendar=calendar)
    if calendar.is_default:
        # LEFT JOINs: an organization without a region counts, as one whose region has no calendar.
        on_calendar |= Q(case__organization__region__calendar__isnull=True)
    return Escalation.objects.filter(on_calendar, status=EscalationStatus.PENDING, superseded_at=None)


@transaction.atomic
def pending_deadlines_recompute(*, calendar: BusinessCalendar, by=None, now: datetime | None = None) -> int:
    """Recompute ``review_due_at`` and ``due_soon_at`` of the pending escalations on ``calendar``
    from their ``created_at``; save and record in each one's history (actor ``by``, None for the
    system) only those that changed. Returns how many changed; 0 if the calendar is gone.

    Queries: a fixed handful, plus one UPDATE per 500 changed escalations and one history
    row per changed escalation.
    """
    now = now or timezone.now()
    # Read again, locked, with its holidays read after the lock: two admins changing one
    # calendar at once then recompute one after the other, the second with the first's
    # changes committed. NO KEY: a holiday being added holds a key-share lock on its calendar,
    # which FOR UPDATE would wait for, and two such admins would deadlock.
    calendar = (
        BusinessCalendar.objects.select_for_update(no_key=True).prefetch_related("holidays").filter(pk=calendar.pk)
    ).first()
    if calendar is None:
        return 0
    # Locked too (the escalation rows only), so that a decision made meanwhile is not undone:
    # decide()'s conditional update waits, and a row it decided first no longer matches. The
    # deadline sweep skips locked rows and sees the new deadlines on its next run.
    pending = list(
        escalations_on_calendar(calendar)
        .select_related("case__organization__region")
        .only(*_LOADED_FIELDS)
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    levels = {level.number: level for level in EscalationLevel.objects.all()}
    for escalation in pending:
        region = escalation.case.organization.region
        if region is not None and region.calendar_id == calendar.pk:
            # The calendar just loaded, holidays and all: review_deadlines reads it without a query.
            region.calendar = calendar
    changed = []
    # The default's escalations without a regional calendar ask default_calendar(): this one.
    with default_calendar_loaded(calendar) if calendar.is_default else nullcontext():
        for escalation in pending:
            # The level's review time as it is now, as when the escalation was made: the
            # services keep no other record of it.
            due_soon_at, due_at = review_deadlines(escalation.case, levels.get(escalation.level), escalation.created_at)
            if (due_soon_at, due_at) == (escalation.due_soon_at, escalation.review_due_at):
                continue
            before = escalation.due_soon_at, escalation.review_due_at, escalation.overdue_at
            escalation.due_soon_at, escalation.review_due_at = due_soon_at, due_at
            if escalation.overdue_at is not None and due_at > now:
                # Marked overdue on the old calendar, not overdue on this one: the queue shows
                # "Overdue" from overdue_at, and it must not stand beside a future due time. The
                # sweep marks it again once the new deadline passes. A deadline that moved
                # into the past is left to the sweep, the one home of "marked overdue" and its
                # alerts, which finds it within a minute (the queue shows it overdue already:
                # it compares review_due_at with the clock).
                escalation.overdue_at = None
            # due_soon_sent_at stays: it records a warning sent, which remains true, and a second
            # warning would be swallowed by the outbox's dedupe key for this escalation anyway.
            audit.record_change(
                escalation,
                actor=by,
                event=RECOMPUTED_EVENT,
                at=now,
                changes={
                    "due_soon_at": (before[0], escalation.due_soon_at),
                    "review_due_at": (before[1], escalation.review_due_at),
                    "overdue_at": (before[2], escalation.overdue_at),
                },
                extra={"calendar": calendar.name},
            )
            changed.append(escalation)
    # bulk_update sends no signals, so auditlog records nothing twice.
    Escalation.objects.bulk_update(changed, ["due_soon_at", "review_due_at", "overdue_at"], batch_size=BATCH_SIZE)
    # The queue's business time left comes from this process's calendar map: drop it now,
    # not up to CALENDAR_MAP_SECONDS later, beside deadlines already moved. (A holiday
    # import's bulk_create sends no post_save for the signal to do it.)
    forget_calendars()
    return len(changed)


def recompute_summary(count: int) -> str:
    """The admin's message after a change of calendar."""
    return f"{count} pending escalation deadline{'' if count == 1 else 's'} recomputed."
