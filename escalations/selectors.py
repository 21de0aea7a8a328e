"""Reads for the review team: the queue, and the business time left on each deadline."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Exists, OuterRef, QuerySet, Value, When

from escalations.business_hours import WorkCalendar, business_time_between
from escalations.calendars import to_work_calendar
from escalations.models import BusinessCalendar, Escalation, EscalationStatus


def review_queue(
    *, user, status=None, level=None, overdue=None, region=None, assigned_to_me=False, include_superseded=False
) -> QuerySet[Escalation]:
    """Escalations for the review team: pending first, most urgent deadline first.

    A pending escalation that the customer has since taken one level higher is superseded:
    the higher level is the one to work, so it leaves the queue unless asked for.
    """
    queue = Escalation.objects.select_related(
        "case__organization__tier", "case__organization__region", "requested_by", "assignee", "reviewed_by"
    )
    if not include_superseded:
        higher = Escalation.objects.filter(case=OuterRef("case"), level__gt=OuterRef("level"))
        queue = queue.exclude(Exists(higher))
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
        # walk the partial deadline index and stop after a page, instead of sorting them all.
        return queue.order_by("review_due_at", "id")
    return queue.annotate(
        pending_first=Case(When(status=EscalationStatus.PENDING, then=Value(0)), default=Value(1))
    ).order_by("pending_first", "review_due_at", "id")


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


def calendar_map() -> CalendarMap:
    """Two queries, however many regions: calendars with their holidays, and regions."""
    from cases.models import Region

    stored = list(BusinessCalendar.objects.prefetch_related("holidays"))
    calendars = {calendar.pk: to_work_calendar(calendar) for calendar in stored}
    default = next((calendars[c.pk] for c in stored if c.is_default), WorkCalendar())
    by_region = {
        region_id: calendars.get(calendar_id, default)
        for region_id, calendar_id in Region.objects.values_list("id", "calendar_id")
    }
    return CalendarMap(by_region=by_region, default=default)
