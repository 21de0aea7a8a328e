"""Reads for the review team: the queue, and the business time left on each deadline."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from time import monotonic

from django.db import transaction
from django.db.models import Case, Prefetch, QuerySet, Value, When

from escalations.business_hours import WorkCalendar, business_time_between
from escalations.calendars import to_work_calendar
from escalations.models import BusinessCalendar, Escalation, EscalationStatus


def case_with_escalations(cases: QuerySet, *, with_rca: bool = False) -> QuerySet:
    """``cases`` with their escalations prefetched, by level, each with its requester and reviewer,
    and its root cause analysis (``with_rca``: the case page shows its summary for the customer)."""
    related = ("requested_by", "reviewed_by", "rca") if with_rca else ("requested_by", "reviewed_by")
    return cases.prefetch_related(
        Prefetch("escalations", queryset=Escalation.objects.select_related(*related).order_by("level"))
    )


def review_queue(
    *, user, status=None, level=None, overdue=None, region=None, assigned_to_me=False, include_superseded=False
) -> QuerySet[Escalation]:
    """Escalations for the review team: pending first, most urgent deadline first.

    An escalation that the customer has since taken one level higher is superseded: the
    higher level is the one to work, so it leaves the queue unless asked for.
    """
    # Only the small lookups are joined: every further join multiplies PostgreSQL's planning
    # time (nine relations cost ~20 ms to plan, more than running the query); the people on
    # a page come from with_people().
    queue = Escalation.objects.select_related("case__organization__tier", "case__organization__region")
    if not include_superseded:
        queue = queue.filter(superseded_at=None)
    if status:
        queue = queue.filter(status=status)
    if level:
        queue = queue.filter(level=level)
    if overdue is not None:
        queue = queue.filter(overdue_at__isnull=not overdue)
    if region:
        queue = queue.filter(case__organization__region=region)
    if assigned_to_me:
        queue = queue.filter(assignee=user)
    if status:
        # One status (the page's default is pending): a plain deadline order lets PostgreSQL
        # walk the queue's partial index and stop after a page, instead of sorting them all.
        return queue.order_by("review_due_at", "id")
    return queue.annotate(
        pending_first=Case(When(status=EscalationStatus.PENDING, then=Value(0)), default=Value(1))
    ).order_by("pending_first", "review_due_at", "id")


def with_people(escalations):
    """The page's escalations with who requested, reviewed and was assigned each: one query."""
    from django.contrib.auth import get_user_model

    escalations = list(escalations)
    ids = {pk for e in escalations for pk in (e.requested_by_id, e.reviewed_by_id, e.assignee_id) if pk}
    people = get_user_model().objects.only("id", "username", "first_name", "last_name").in_bulk(ids)
    for escalation in escalations:
        escalation.requested_by = people[escalation.requested_by_id]
        escalation.reviewed_by = people.get(escalation.reviewed_by_id)
        escalation.assignee = people.get(escalation.assignee_id)
    return escalations


@dataclass(frozen=True)
class CalendarMap:
    """Every calendar a deadline can be on, loaded at once: region id -> WorkCalendar."""

    by_region: dict[int, WorkCalendar]
    default: WorkCalendar

    def for_region(self, region_id: int | None) -> WorkCalendar:
        return self.by_region.get(region_id, self.default) if region_id else self.default

    def business_time_left(self, escalation, now: datetime) -> timedelta:
        """Business time until the review deadline; negative once it has passed."""
        calendar = self.for_region(escalation.case.organization.region_id)
        return business_time_between(calendar, now, escalation.review_due_at)


# Calendars change a few times a year, and every queue page needs them all. Each process
# keeps the map it loaded for this long; a change saved in this process drops it at once
# (forget_calendars, connected in apps.py), other processes see it within this time. It only
# feeds the "business time left" shown and the report; deadlines are computed from the
# database when an escalation is made.
CALENDAR_MAP_SECONDS = 30
_calendar_map: tuple[float, CalendarMap] | None = None


def calendar_map() -> CalendarMap:
    """Every calendar and region: from this process's copy, or three queries when it is stale."""
    global _calendar_map
    cached = _calendar_map
    if cached is not None and monotonic() - cached[0] < CALENDAR_MAP_SECONDS:
        return cached[1]
    loaded = load_calendar_map()
    _calendar_map = (monotonic(), loaded)
    return loaded


def forget_calendars(**_signal_kwargs) -> None:
    """Drop this process's copy now and again on commit, so a concurrent reload of the old
    rows during the saving transaction does not survive it."""
    global _calendar_map
    _calendar_map = None
    transaction.on_commit(forget_calendars_now)


def forget_calendars_now() -> None:
    global _calendar_map
    _calendar_map = None


def load_calendar_map() -> CalendarMap:
    """Three queries, however many regions: calendars, their holidays, and regions."""
    from cases.models import Region

    stored = list(BusinessCalendar.objects.prefetch_related("holidays"))
    calendars = {calendar.pk: to_work_calendar(calendar) for calendar in stored}
    default = next((calendars[c.pk] for c in stored if c.is_default), WorkCalendar())
    by_region = {
        region_id: calendars.get(calendar_id, default)
        for region_id, calendar_id in Region.objects.values_list("id", "calendar_id")
    }
    return CalendarMap(by_region=by_region, default=default)
