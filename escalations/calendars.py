"""From the stored BusinessCalendar to the pure WorkCalendar the arithmetic uses."""

from escalations.business_hours import WorkCalendar
from escalations.models import BusinessCalendar


def default_calendar() -> BusinessCalendar | None:
    return BusinessCalendar.objects.filter(is_default=True).first()


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
