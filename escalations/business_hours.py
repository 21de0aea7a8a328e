"""Business-hours arithmetic for review deadlines: pure, no ORM, never reads the clock.

Semantics
---------
* An instant is business time iff its local wall-clock time in
  ``calendar.timezone`` (converted from UTC) lies in the half-open range
  ``[opens, closes)`` on a local date that is a working day and not a holiday.
  ``closes == time(0)`` means midnight at the end of the day (00:00-24:00).
* Durations are real elapsed time, measured in UTC, so DST is honoured: a day
  whose opening hours contain a transition has one hour more or less of
  business time; a 09:00-17:00 day is unaffected by a 02:00 transition.
* DST gaps and folds follow from the rule above, with no special cases. An
  opening time that does not exist (02:30 on a spring-forward night) means
  business starts at the first instant whose wall time is later, i.e. at the
  transition. Wall-clock time that repeats on a fall-back night counts each
  time it occurs, so such a day's business time may come in two stretches.
* ``business_time_between(cal, a, b)`` measures the half-open ``[a, b)``; when
  ``b < a`` it returns ``-business_time_between(cal, b, a)``.
* ``add_business_hours(cal, start, hours)`` returns the earliest instant at
  which ``hours`` of business time have elapsed since ``start``. Zero hours
  returns ``start``; from outside business hours counting begins at the next
  opening; a result that lands exactly on a closing time is that closing
  instant, not the next opening.
* Datetimes must be timezone-aware (``ValueError`` otherwise); results are aware
  UTC. Arithmetic is exact to the microsecond. Negative hours and calendars
  without working days raise ``ValueError``.

Cost
----
Between two UTC-offset transitions the offset is constant, so business time is
a function of the wall-clock position alone: whole weeks times the weekly
total, plus a weekday prefix, minus holidays counted by bisect. The only loop
over a span is over offset transitions (a couple a year), which are found once
per (timezone, year) and cached.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["WorkCalendar", "add_business_hours", "business_time_between"]

_MICROSECOND = timedelta(microseconds=1)
_NO_TIME = timedelta(0)
_SECOND = 1_000_000
_HOUR = 3600 * _SECOND
_DAY = 24 * _HOUR
# Instants and wall-clock times are integer microseconds since 0001-01-01 00:00,
# so day index 0 is a Monday and `day % 7` is the Python weekday.
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_LAST = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // _MICROSECOND


@dataclass(frozen=True)
class WorkCalendar:
    """Working week, opening hours and holidays of one IANA timezone."""

    timezone: str = "UTC"
    working_days: frozenset[int] = frozenset(range(5))  # 0=Monday .. 6=Sunday
    opens: time = time(9)
    closes: time = time(17)  # time(0) means midnight at the end of the day
    holidays: frozenset[date] = frozenset()
    _plan: _WeekPlan = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Accept any iterable (e.g. a set from the ORM) but keep the calendar hashable.
        object.__setattr__(self, "working_days", frozenset(self.working_days))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if not self.working_days:
            raise ValueError("a calendar needs at least one working day")
        if not self.working_days <= frozenset(range(7)):
            raise ValueError(f"working days are weekday numbers 0-6, got {sorted(self.working_days)}")
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opening hours are local wall-clock times without tzinfo")
        if self.closes != time(0) and self.closes <= self.opens:
            raise ValueError("closes must be after opens (or time(0) for midnight)")
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        # Precomputed once per calendar; frozen, so it can never go stale.
        object.__setattr__(self, "_plan", _WeekPlan(self, zone))


class _WeekPlan:
    """The calendar as seen at one fixed UTC offset, in wall-clock microseconds."""

    __slots__ = ("zone", "opens", "length", "weekdays", "days", "before", "holiday_set", "holiday_rank", "holiday_key")

    def __init__(self, calendar: WorkCalendar, zone: ZoneInfo) -> None:
        self.zone = zone
        self.opens = _time_of_day(calendar.opens)
        self.length = (_time_of_day(calendar.closes) or _DAY) - self.opens
        self.weekdays = calendar.working_days
        self.days = tuple(sorted(calendar.working_days))
        self.before = tuple(sum(d < weekday for d in self.days) for weekday in range(7))
        # Holidays on non-working days change nothing, so only the others are kept.
        holidays = sorted(day.toordinal() - 1 for day in calendar.holidays if day.weekday() in calendar.working_days)
        self.holiday_set = frozenset(holidays)
        # Rank among all working days, ignoring holidays: strictly increasing.
        self.holiday_rank = tuple(self.working_days_before(day) for day in holidays)
        # Non-holiday working days before each holiday: non-decreasing, for reach().
        self.holiday_key = tuple(rank - i for i, rank in enumerate(self.holiday_rank))

    def working_days_before(self, day: int) -> int:
        weeks, weekday = divmod(day, 7)
        return weeks * len(self.days) + self.before[weekday]

    def elapsed(self, wall: int) -> int:
        """Business microseconds in wall-clock [0, wall) at a fixed offset."""
        day, into_day = divmod(wall, _DAY)
        worked = self.working_days_before(day)
        worked -= bisect_left(self.holiday_rank, worked)
        total = worked * self.length
        if day % 7 in self.weekdays and day not in self.holiday_set:
            total += min(max(into_day - self.opens, 0), self.length)
        return total

    def reach(self, target: int) -> int:
        """The earliest wall-clock position where elapsed() reaches target > 0."""
        # Locate the target's last microsecond (target - 1, and + 1 below), so that a
        # target filling a day exactly ends at its closing, not at the next opening.
        nth, into_day = divmod(target - 1, self.length)
        # The nth non-holiday working day: nth working days on, plus the holidays before it.
        rank = nth + bisect_right(self.holiday_key, nth)
        weeks, index = divmod(rank, len(self.days))
        day = weeks * 7 + self.days[index]
        return day * _DAY + self.opens + into_day + 1


def add_business_hours(calendar: WorkCalendar, start: datetime, hours: float | Decimal | timedelta) -> datetime:
    """Return the instant (aware, UTC) at which `hours` of business time have elapsed since `start`."""
    instant = _position(start)
    remaining = _duration(hours)
    if remaining == 0:
        return _from_position(instant)
    plan = calendar._plan
    offset = _offset(start, plan.zone)
    while True:
        wall = instant + offset
        end = plan.reach(plan.elapsed(wall) + remaining) - offset
        if end > _LAST:  # fail fast rather than walk thousands of years of transitions
            raise OverflowError("the deadline lies beyond datetime.max")
        change = _first_offset_change(calendar.timezone, instant, end)
        if change is None:
            return _from_position(end)
        # The offset changes before the deadline: bank the time up to the change
        # and carry on from there on the new offset.
        change_at, new_offset = change
        remaining -= plan.elapsed(change_at + offset) - plan.elapsed(wall)
        instant, offset = change_at, new_offset


def business_time_between(calendar: WorkCalendar, a: datetime, b: datetime) -> timedelta:
    """Business time in the half-open interval [a, b); negative if b < a (i.e. -(between(b,a)))."""
    start, stop = _position(a), _position(b)
    if stop < start:
        return -business_time_between(calendar, b, a)
    plan = calendar._plan
    offset = _offset(a, plan.zone)
    total = 0
    for change_at, new_offset in _offset_changes(calendar.timezone, start, stop):
        total += plan.elapsed(change_at + offset) - plan.elapsed(start + offset)
        start, offset = change_at, new_offset
    total += plan.elapsed(stop + offset) - plan.elapsed(start + offset)
    return timedelta(microseconds=total)


def _offset_changes(zone_name: str, after: int, before: int):
    """Yield (instant, new offset) for each UTC-offset transition strictly inside (after, before)."""
    for year in range(_year(after), _year(before) + 1):
        instants, offsets = _transitions(zone_name, year)
        i = bisect_right(instants, after)
        while i < len(instants) and instants[i] < before:
            yield instants[i], offsets[i]
            i += 1


def _first_offset_change(zone_name: str, after: int, before: int) -> tuple[int, int] | None:
    """The first of _offset_changes(), without a generator: the common answer is None."""
    for year in range(_year(after), _year(before) + 1):
        instants, offsets = _transitions(zone_name, year)
        i = bisect_right(instants, after)
        if i < len(instants):
            return (instants[i], offsets[i]) if instants[i] < before else None
    return None


@lru_cache(maxsize=1024)
def _transitions(zone_name: str, year: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """UTC-offset transitions in (Jan 1 `year`, Jan 1 `year + 1`] UTC: instants and offsets after."""
    # zoneinfo does not expose its transitions. Sample the offset daily (no zone
    # changes twice within a day) and bisect each change to the second, which is
    # the resolution of TZif data. Cached, so each zone-year is paid for once.
    zone = ZoneInfo(zone_name)
    first = datetime(year, 1, 1, tzinfo=UTC)

    def offset_at(seconds: int) -> timedelta:
        return (first + timedelta(seconds=seconds)).astimezone(zone).utcoffset()

    instants, offsets = [], []
    previous = offset_at(0)
    days_in_year = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    for day in range(1, days_in_year + 1 if year < 9999 else days_in_year):  # no year 10000 to sample
        current = offset_at(day * 86400)
        if current != previous:
            low, high = (day - 1) * 86400, day * 86400
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset_at(middle) == previous else (low, middle)
            instants.append(_position(first) + high * _SECOND)
            offsets.append(current // _MICROSECOND)
            previous = current
    return tuple(instants), tuple(offsets)


def _position(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {moment!r}")
    return (moment - _EPOCH) // _MICROSECOND


def _from_position(position: int) -> datetime:
    return _EPOCH + timedelta(microseconds=position)


def _offset(moment: datetime, zone: ZoneInfo) -> int:
    # Through UTC: astimezone() into the moment's own zone is a no-op, and a local time
    # that does not exist (in a DST gap) carries an offset its instant does not have.
    utc = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    return utc.astimezone(zone).utcoffset() // _MICROSECOND


def _year(position: int) -> int:
    return date.fromordinal(min(position // _DAY, _LAST // _DAY) + 1).year


def _time_of_day(moment: time) -> int:
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * _SECOND + moment.microsecond


def _duration(hours: float | Decimal | timedelta) -> int:
    """Microseconds in `hours`; rejects negative and non-finite amounts."""
    if type(hours) is timedelta:  # the usual argument, first and cheapest
        if hours < _NO_TIME:
            raise ValueError(f"hours must not be negative, got {hours}")
        return hours // _MICROSECOND
    if isinstance(hours, timedelta):
        microseconds = hours // _MICROSECOND
    elif isinstance(hours, Decimal):
        if not hours.is_finite():
            raise ValueError(f"hours must be finite, got {hours}")
        microseconds = int((hours * _HOUR).to_integral_value())
    elif isinstance(hours, (int, float)) and not isinstance(hours, bool):
        if not math.isfinite(hours):
            raise ValueError(f"hours must be finite, got {hours}")
        microseconds = round(hours * _HOUR)
    else:
        raise TypeError(f"hours must be a number or a timedelta, got {type(hours).__name__}")
    # Checked on the input, so that -1e-12 hours is refused rather than rounded to 0.
    if hours < (timedelta(0) if isinstance(hours, timedelta) else 0):
        raise ValueError(f"hours must not be negative, got {hours}")
    return microseconds
