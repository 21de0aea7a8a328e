"""From the stored BusinessCalendar to the pure WorkCalendar the arithmetic uses."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from escalations.business_hours import WorkCalendar
from escalations.models import BusinessCalendar

# Set only inside default_calendar_loaded(): a service recomputing many deadlines on the
# default calendar has read (and locked) it once, with its holidays, and must not pay a
# query or two per escalation for every organization without a regional calendar.
_loaded_default: ContextVar[BusinessCalendar | None] = ContextVar("loaded_default_calendar", default=None)


def default_calendar() -> BusinessCalendar | None:
    loaded = _loaded_default.get()
    if loaded is not None:
        return loaded
    return BusinessCalendar.objects.filter(is_default=True).first()


@contextmanager
def default_calendar_loaded(calendar: BusinessCalendar) -> Iterator[None]:
    """Within the block default_calendar() answers ``calendar`` without a query.

    ``calendar`` must be the default calendar as read in the caller's transaction, its
    holidays prefetched (to_work_calendar then reads them without a query either).
    """
    if not calendar.is_default:
        raise ValueError(f"{calendar} is not the default calendar.")
    token = _loaded_default.set(calendar)
    try:
        yield
    finally:
        _loaded_default.reset(token)


def calendar_for_organization(organization) -> BusinessCalendar | None:
    """The region's calendar, else the default one; None only if an admin removed both."""
    region = organization.region
    if region is not None and region.calendar_id is not None:
        return region.calendar
    return default_calendar()


def to_work_calendar(calendar: BusinessCalendar | None) -> WorkCalendar:
    """The pure calendar; with no calendar stored, the seeded default Mon-Fri 09-17 UTC."""
    if calendar is None:
        return WorkCalendar()
    return WorkCalendar(
        timezone=calendar.timezone,
        working_days=frozenset(calendar.working_days),
        opens=calendar.opens_at,
        closes=calendar.closes_at,
        # .all() so that a prefetch of the holidays is used when there is one.
        holidays=frozenset(holiday.date for holiday in calendar.holidays.all()),
    )
