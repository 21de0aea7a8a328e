"""Business-hours arithmetic: hand-checked tables, then properties against a slow oracle.

Pure module, so no database and no Django. Expected instants are written out in
UTC by hand; local calendar days of 2024 are named in the ids.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from escalations.business_hours import WorkCalendar, add_business_hours, business_time_between

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
KOLKATA = ZoneInfo("Asia/Kolkata")
SYDNEY = ZoneInfo("Australia/Sydney")
EVERY_DAY = frozenset(range(7))
SUNDAY = frozenset({6})


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def every_date(first: date, last: date) -> frozenset[date]:
    return frozenset(first + timedelta(days=n) for n in range((last - first).days + 1))


DEFAULT = WorkCalendar()
WITH_HOLIDAY = WorkCalendar(holidays=frozenset({date(2024, 1, 10)}))  # a Wednesday
CHRISTMAS_TO_NEW_YEAR = WorkCalendar(holidays=every_date(date(2024, 12, 23), date(2025, 1, 3)))
THREE_WEEKS_OFF = WorkCalendar(holidays=every_date(date(2024, 12, 16), date(2025, 1, 5)))
NEW_YORK_9_17 = WorkCalendar("America/New_York")
BERLIN_9_17 = WorkCalendar("Europe/Berlin")
KOLKATA_9_17 = WorkCalendar("Asia/Kolkata")
SYDNEY_9_17 = WorkCalendar("Australia/Sydney")
# Opening hours that contain the 02:00/03:00 transitions, so those days run 1h short or long.
NEW_YORK_SUNDAYS_ALL_DAY = WorkCalendar("America/New_York", SUNDAY, time(0), time(0))
SYDNEY_SUNDAYS_ALL_DAY = WorkCalendar("Australia/Sydney", SUNDAY, time(0), time(0))
BERLIN_NIGHTS = WorkCalendar("Europe/Berlin", EVERY_DAY, time(1), time(5))
# Opens at 02:30, a wall time skipped in March and repeated in October.
BERLIN_FROM_2_30 = WorkCalendar("Europe/Berlin", EVERY_DAY, time(2, 30), time(17))

ADDITIONS = [
    # Default calendar, Mon-Fri 09:00-17:00 UTC; Mon 2024-01-08.
    pytest.param(DEFAULT, utc(2024, 1, 8, 7), 2, utc(2024, 1, 8, 11), id="before-opening"),
    pytest.param(DEFAULT, utc(2024, 1, 8, 18), 2, utc(2024, 1, 9, 11), id="after-closing"),
    pytest.param(DEFAULT, utc(2024, 1, 8, 9, 0, 0), 8, utc(2024, 1, 8, 17), id="exactly-at-opening"),
    pytest.param(DEFAULT, utc(2024, 1, 8, 17, 0, 0), 1, utc(2024, 1, 9, 10), id="exactly-at-closing"),
    pytest.param(DEFAULT, utc(2024, 1, 8, 16, 59, 59), 1, utc(2024, 1, 9, 9, 59, 59), id="one-second-before-closing"),
    pytest.param(DEFAULT, utc(2024, 1, 8, 13), 4, utc(2024, 1, 8, 17), id="landing-on-closing"),
    pytest.param(DEFAULT, utc(2024, 1, 12, 15), 4, utc(2024, 1, 15, 11), id="friday-to-monday"),
    pytest.param(DEFAULT, utc(2024, 1, 13, 12), 1, utc(2024, 1, 15, 10), id="saturday"),
    pytest.param(DEFAULT, utc(2024, 1, 14, 23, 59, 59), 0.5, utc(2024, 1, 15, 9, 30), id="last-second-of-sunday"),
    pytest.param(DEFAULT, utc(2024, 1, 13, 12), 0, utc(2024, 1, 13, 12), id="zero-hours-on-saturday"),
    pytest.param(DEFAULT, datetime(2024, 1, 8, 10, tzinfo=BERLIN), 0, utc(2024, 1, 8, 9), id="zero-hours-from-berlin"),
    pytest.param(DEFAULT, utc(2024, 1, 8, 9), timedelta(minutes=90), utc(2024, 1, 8, 10, 30), id="timedelta-hours"),
    pytest.param(DEFAULT, utc(2024, 1, 8, 9), Decimal("1.5"), utc(2024, 1, 8, 10, 30), id="decimal-hours"),
    pytest.param(DEFAULT, utc(2024, 1, 8, 9), 400, utc(2024, 3, 15, 17), id="ten-weeks-end-friday-at-closing"),
    pytest.param(DEFAULT, utc(2024, 1, 8, 10), 403.5, utc(2024, 3, 18, 13, 30), id="many-weeks"),
    pytest.param(WITH_HOLIDAY, utc(2024, 1, 9, 16), 2, utc(2024, 1, 11, 10), id="skips-a-holiday"),
    pytest.param(CHRISTMAS_TO_NEW_YEAR, utc(2024, 12, 20, 16), 2, utc(2025, 1, 6, 10), id="christmas-to-new-year"),
    pytest.param(THREE_WEEKS_OFF, utc(2024, 12, 13, 16), 2, utc(2025, 1, 6, 10), id="three-weeks-off"),
    # 9-17 calendars: the 02:00 transition is on a Sunday night, only the offset moves.
    pytest.param(
        NEW_YORK_9_17,
        datetime(2024, 3, 8, 16, tzinfo=NEW_YORK),
        2,
        utc(2024, 3, 11, 14),
        id="new-york-9-17-spring-forward",
    ),
    pytest.param(
        NEW_YORK_9_17, datetime(2024, 11, 1, 16, tzinfo=NEW_YORK), 2, utc(2024, 11, 4, 15), id="new-york-9-17-fall-back"
    ),
    pytest.param(
        BERLIN_9_17, datetime(2024, 3, 29, 16, tzinfo=BERLIN), 2, utc(2024, 4, 1, 8), id="berlin-9-17-spring-forward"
    ),
    pytest.param(
        BERLIN_9_17, datetime(2024, 10, 25, 16, tzinfo=BERLIN), 2, utc(2024, 10, 28, 9), id="berlin-9-17-fall-back"
    ),
    # Calendars open through the transition: that day has 23 or 25 hours, or 3 or 5 for 01-05.
    pytest.param(
        NEW_YORK_SUNDAYS_ALL_DAY,
        datetime(2024, 3, 10, 0, tzinfo=NEW_YORK),
        23,
        utc(2024, 3, 11, 4),
        id="new-york-23-hour-sunday",
    ),
    pytest.param(
        NEW_YORK_SUNDAYS_ALL_DAY,
        datetime(2024, 3, 10, 0, tzinfo=NEW_YORK),
        24,
        utc(2024, 3, 17, 5),
        id="new-york-23-hour-sunday-then-next-sunday",
    ),
    pytest.param(
        NEW_YORK_SUNDAYS_ALL_DAY,
        datetime(2024, 11, 3, 0, tzinfo=NEW_YORK),
        24.5,
        utc(2024, 11, 4, 4, 30),
        id="new-york-25-hour-sunday",
    ),
    pytest.param(
        NEW_YORK_SUNDAYS_ALL_DAY,
        datetime(2024, 11, 3, 0, tzinfo=NEW_YORK),
        25,
        utc(2024, 11, 4, 5),
        id="new-york-25-hour-sunday-to-closing",
    ),
    pytest.param(
        BERLIN_NIGHTS, datetime(2024, 3, 30, 4, tzinfo=BERLIN), 4, utc(2024, 3, 31, 3), id="berlin-01-05-spring-forward"
    ),
    pytest.param(
        BERLIN_NIGHTS,
        datetime(2024, 3, 30, 4, tzinfo=BERLIN),
        4.5,
        utc(2024, 3, 31, 23, 30),
        id="berlin-01-05-spring-forward-spills-over",
    ),
    pytest.param(
        BERLIN_NIGHTS, datetime(2024, 10, 26, 4, tzinfo=BERLIN), 6, utc(2024, 10, 27, 4), id="berlin-01-05-fall-back"
    ),
    # 02:30 does not exist on 2024-03-31: business starts at the jump to 03:00 CEST (01:00 UTC).
    pytest.param(BERLIN_FROM_2_30, utc(2024, 3, 31, 0), 1, utc(2024, 3, 31, 2), id="berlin-skipped-opening"),
    # 02:30 on 2024-03-31 does not exist; Python reads it as 01:30 UTC, i.e. 03:30 CEST: 1.5h left that night.
    pytest.param(
        BERLIN_NIGHTS, datetime(2024, 3, 31, 2, 30, tzinfo=BERLIN), 2, utc(2024, 3, 31, 23, 30), id="non-existent-start"
    ),
    # 2024-10-27: 02:30-03:00 CEST counts, 02:00-02:30 CET does not, then 02:30 CET onwards.
    pytest.param(BERLIN_FROM_2_30, utc(2024, 10, 27, 0), 1, utc(2024, 10, 27, 2), id="berlin-repeated-opening"),
    pytest.param(
        KOLKATA_9_17, datetime(2024, 1, 8, 16, tzinfo=KOLKATA), 2, utc(2024, 1, 9, 4, 30), id="kolkata-after-closing"
    ),
    pytest.param(KOLKATA_9_17, utc(2024, 1, 8, 2), 1, utc(2024, 1, 8, 4, 30), id="kolkata-before-opening"),
    pytest.param(
        SYDNEY_9_17, datetime(2024, 4, 5, 16, tzinfo=SYDNEY), 2, utc(2024, 4, 8, 0), id="sydney-9-17-autumn-fall-back"
    ),
    pytest.param(
        SYDNEY_9_17, datetime(2024, 10, 4, 16, tzinfo=SYDNEY), 2, utc(2024, 10, 6, 23), id="sydney-9-17-spring-forward"
    ),
    pytest.param(
        SYDNEY_SUNDAYS_ALL_DAY,
        datetime(2024, 4, 7, 0, tzinfo=SYDNEY),
        25,
        utc(2024, 4, 7, 14),
        id="sydney-25-hour-sunday",
    ),
    pytest.param(
        SYDNEY_SUNDAYS_ALL_DAY,
        datetime(2024, 10, 6, 0, tzinfo=SYDNEY),
        23,
        utc(2024, 10, 6, 13),
        id="sydney-23-hour-sunday",
    ),
]

BETWEENS = [
    pytest.param(DEFAULT, utc(2024, 1, 8, 9), utc(2024, 1, 8, 17), timedelta(hours=8), id="working-day"),
    pytest.param(DEFAULT, utc(2024, 1, 12, 15), utc(2024, 1, 15, 11), timedelta(hours=4), id="friday-to-monday"),
    pytest.param(DEFAULT, utc(2024, 1, 13), utc(2024, 1, 15), timedelta(0), id="weekend"),
    pytest.param(
        DEFAULT,
        utc(2024, 1, 8, 16, 59, 59),
        utc(2024, 1, 9, 9, 0, 1),
        timedelta(seconds=2),
        id="across-closing-to-the-second",
    ),
    pytest.param(DEFAULT, utc(2024, 1, 8, 8), utc(2024, 1, 8, 9), timedelta(0), id="hour-before-opening"),
    pytest.param(DEFAULT, utc(2024, 1, 8, 17), utc(2024, 1, 8, 18), timedelta(0), id="hour-after-closing"),
    pytest.param(DEFAULT, utc(2024, 1, 8, 12), utc(2024, 1, 8, 12), timedelta(0), id="empty-interval"),
    pytest.param(DEFAULT, utc(2024, 1, 8, 17), utc(2024, 1, 8, 9), timedelta(hours=-8), id="reversed"),
    pytest.param(WITH_HOLIDAY, utc(2024, 1, 10), utc(2024, 1, 11), timedelta(0), id="holiday"),
    pytest.param(
        CHRISTMAS_TO_NEW_YEAR,
        utc(2024, 12, 20, 9),
        utc(2025, 1, 6, 17),
        timedelta(hours=16),
        id="christmas-to-new-year",
    ),
    pytest.param(THREE_WEEKS_OFF, utc(2024, 12, 13, 16), utc(2025, 1, 6, 10), timedelta(hours=2), id="three-weeks-off"),
    pytest.param(DEFAULT, utc(2024, 1, 8, 9), utc(2024, 3, 18, 9), timedelta(hours=400), id="ten-weeks"),
    # 2024 has 262 weekdays.
    pytest.param(DEFAULT, utc(2024, 1, 1), utc(2025, 1, 1), timedelta(hours=2096), id="leap-year"),
    pytest.param(
        NEW_YORK_9_17,
        datetime(2024, 3, 8, 9, tzinfo=NEW_YORK),
        datetime(2024, 3, 11, 17, tzinfo=NEW_YORK),
        timedelta(hours=16),
        id="new-york-9-17-spring-forward-weekend",
    ),
    pytest.param(
        BERLIN_9_17,
        datetime(2024, 10, 25, 9, tzinfo=BERLIN),
        datetime(2024, 10, 28, 17, tzinfo=BERLIN),
        timedelta(hours=16),
        id="berlin-9-17-fall-back-weekend",
    ),
    pytest.param(
        NEW_YORK_SUNDAYS_ALL_DAY,
        datetime(2024, 3, 10, tzinfo=NEW_YORK),
        datetime(2024, 3, 11, tzinfo=NEW_YORK),
        timedelta(hours=23),
        id="new-york-23-hour-sunday",
    ),
    pytest.param(
        NEW_YORK_SUNDAYS_ALL_DAY,
        datetime(2024, 11, 3, tzinfo=NEW_YORK),
        datetime(2024, 11, 4, tzinfo=NEW_YORK),
        timedelta(hours=25),
        id="new-york-25-hour-sunday",
    ),
    pytest.param(
        BERLIN_NIGHTS,
        datetime(2024, 3, 31, tzinfo=BERLIN),
        datetime(2024, 4, 1, tzinfo=BERLIN),
        timedelta(hours=3),
        id="berlin-01-05-spring-forward",
    ),
    pytest.param(
        BERLIN_NIGHTS,
        datetime(2024, 10, 27, tzinfo=BERLIN),
        datetime(2024, 10, 28, tzinfo=BERLIN),
        timedelta(hours=5),
        id="berlin-01-05-fall-back",
    ),
    pytest.param(
        BERLIN_NIGHTS,
        datetime(2024, 3, 31, 2, 30, tzinfo=BERLIN),
        utc(2024, 3, 31, 3),
        timedelta(hours=1.5),
        id="non-existent-start",
    ),
    pytest.param(BERLIN_FROM_2_30, utc(2024, 3, 31), utc(2024, 4, 1), timedelta(hours=14), id="berlin-skipped-opening"),
    pytest.param(
        BERLIN_FROM_2_30, utc(2024, 10, 27), utc(2024, 10, 28), timedelta(hours=15), id="berlin-repeated-opening"
    ),
    pytest.param(
        BERLIN_FROM_2_30,
        utc(2024, 10, 27, 1),
        utc(2024, 10, 27, 1, 30),
        timedelta(0),
        id="berlin-repeated-half-hour-before-opening",
    ),
    pytest.param(KOLKATA_9_17, utc(2024, 1, 8), utc(2024, 1, 9), timedelta(hours=8), id="kolkata-utc-day"),
    pytest.param(
        KOLKATA_9_17, utc(2024, 1, 8, 3), utc(2024, 1, 8, 4), timedelta(minutes=30), id="kolkata-half-hour-offset"
    ),
    pytest.param(
        SYDNEY_9_17,
        datetime(2024, 4, 5, 9, tzinfo=SYDNEY),
        datetime(2024, 4, 8, 17, tzinfo=SYDNEY),
        timedelta(hours=16),
        id="sydney-9-17-fall-back-weekend",
    ),
    pytest.param(
        SYDNEY_SUNDAYS_ALL_DAY,
        datetime(2024, 4, 7, tzinfo=SYDNEY),
        datetime(2024, 4, 8, tzinfo=SYDNEY),
        timedelta(hours=25),
        id="sydney-25-hour-sunday",
    ),
    pytest.param(
        SYDNEY_SUNDAYS_ALL_DAY,
        datetime(2024, 10, 6, tzinfo=SYDNEY),
        datetime(2024, 10, 7, tzinfo=SYDNEY),
        timedelta(hours=23),
        id="sydney-23-hour-sunday",
    ),
]


@pytest.mark.parametrize(("calendar", "start", "hours", "expected"), ADDITIONS)
def test_it_adds_business_hours_to_the_hand_computed_deadline(calendar, start, hours, expected):
    deadline = add_business_hours(calendar, start, hours)

    assert deadline == expected
    assert deadline.tzinfo is UTC


@pytest.mark.parametrize(("calendar", "start", "hours", "expected"), ADDITIONS)
def test_business_time_up_to_the_deadline_is_the_hours_added(calendar, start, hours, expected):
    added = hours if isinstance(hours, timedelta) else timedelta(hours=float(hours))

    assert business_time_between(calendar, start, expected) == added


@pytest.mark.parametrize(("calendar", "a", "b", "expected"), BETWEENS)
def test_it_measures_business_time_between_two_instants(calendar, a, b, expected):
    assert business_time_between(calendar, a, b) == expected


def test_the_default_calendar_is_weekdays_nine_to_five_utc_without_holidays():
    assert WorkCalendar() == WorkCalendar("UTC", frozenset({0, 1, 2, 3, 4}), time(9), time(17), frozenset())


def test_it_accepts_plain_sets_and_stays_hashable():
    calendar = WorkCalendar("Europe/Berlin", {0, 1, 2}, time(8), time(12), {date(2024, 1, 1)})

    assert calendar == WorkCalendar(
        "Europe/Berlin", frozenset({0, 1, 2}), time(8), time(12), frozenset({date(2024, 1, 1)})
    )
    assert hash(calendar) == hash(WorkCalendar("Europe/Berlin", {2, 1, 0}, time(8), time(12), {date(2024, 1, 1)}))


def test_it_does_not_read_the_clock():
    start = utc(2024, 1, 12, 15)
    with time_machine.travel(utc(2031, 6, 1), tick=False):
        deadline = add_business_hours(DEFAULT, start, 4)
        elapsed = business_time_between(DEFAULT, start, deadline)

    assert (deadline, elapsed) == (utc(2024, 1, 15, 11), timedelta(hours=4))


@pytest.mark.parametrize(
    "call",
    [
        lambda: add_business_hours(DEFAULT, datetime(2024, 1, 8, 9), 1),
        lambda: business_time_between(DEFAULT, datetime(2024, 1, 8, 9), utc(2024, 1, 8, 10)),
        lambda: business_time_between(DEFAULT, utc(2024, 1, 8, 9), datetime(2024, 1, 8, 10)),
    ],
    ids=["add", "between-start", "between-end"],
)
def test_it_rejects_naive_datetimes(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


@pytest.mark.parametrize("hours", [-1, -0.5, -1e-12, Decimal("-0.25"), timedelta(microseconds=-1)], ids=repr)
def test_it_rejects_negative_hours(hours):
    with pytest.raises(ValueError, match="negative"):
        add_business_hours(DEFAULT, utc(2024, 1, 8, 9), hours)


@pytest.mark.parametrize("hours", [float("nan"), float("inf"), Decimal("NaN")], ids=repr)
def test_it_rejects_hours_that_are_not_finite(hours):
    with pytest.raises(ValueError, match="finite"):
        add_business_hours(DEFAULT, utc(2024, 1, 8, 9), hours)


def test_it_rejects_a_calendar_without_working_days():
    with pytest.raises(ValueError, match="at least one working day"):
        WorkCalendar(working_days=frozenset())


@pytest.mark.parametrize(
    "arguments",
    [
        {"working_days": frozenset({7})},
        {"opens": time(17), "closes": time(9)},
        {"opens": time(9), "closes": time(9)},
        {"opens": time(9, tzinfo=UTC)},
        {"timezone": "Mars/Olympus_Mons"},
    ],
    ids=["weekday-7", "closes-before-opens", "closes-at-opening", "aware-opening", "unknown-timezone"],
)
def test_it_rejects_a_malformed_calendar(arguments):
    with pytest.raises(ValueError):
        WorkCalendar(**arguments)


# ---------------------------------------------------------------------------
# Properties. The oracle walks minute by minute in UTC and asks of each minute's
# first instant the documented question: is its local wall time within opening
# hours on a working, non-holiday local date? Everything generated is in whole
# minutes, as are opening hours and the zones' offsets, so the walk is exact.

MINUTE = timedelta(minutes=1)
# Local dates of each zone's DST transitions (all at 02:00 or 03:00 local), so that
# generated instants land on and around them often.
TRANSITION_DATES = {
    "UTC": [date(2024, 3, 31)],
    "Asia/Kolkata": [date(2024, 3, 31)],
    "America/New_York": [date(2023, 3, 12), date(2023, 11, 5), date(2024, 3, 10), date(2024, 11, 3)],
    "Europe/Berlin": [date(2023, 3, 26), date(2023, 10, 29), date(2024, 3, 31), date(2024, 10, 27)],
    "Australia/Sydney": [date(2023, 4, 2), date(2023, 10, 1), date(2024, 4, 7), date(2024, 10, 6)],
}
OPENING_HOURS = [
    (time(0), time(0)),
    (time(1), time(4)),
    (time(1), time(5)),
    (time(2, 30), time(17)),
    (time(9), time(17)),
    (time(21), time(0)),
]


def is_business_minute(calendar: WorkCalendar, instant: datetime) -> bool:
    local = instant.astimezone(ZoneInfo(calendar.timezone))
    if local.weekday() not in calendar.working_days or local.date() in calendar.holidays:
        return False
    return calendar.opens <= local.time() and (calendar.closes == time(0) or local.time() < calendar.closes)


def oracle_between(calendar: WorkCalendar, a: datetime, b: datetime) -> timedelta:
    # In UTC: within one zone, aware arithmetic and comparison are wall-clock and ignore fold.
    a, b = a.astimezone(UTC), b.astimezone(UTC)
    if b < a:
        return -oracle_between(calendar, b, a)
    minutes, instant = 0, a
    while instant < b:
        minutes += is_business_minute(calendar, instant)
        instant += MINUTE
    return minutes * MINUTE


def oracle_add(calendar: WorkCalendar, start: datetime, minutes: int) -> datetime:
    instant = start.astimezone(UTC)
    while minutes:
        minutes -= is_business_minute(calendar, instant)
        instant += MINUTE
    return instant


@st.composite
def calendars_near(draw, zone: str, day: date):
    if draw(st.booleans()):
        opens, closes = draw(st.sampled_from(OPENING_HOURS))
    else:
        # Quarter hours, at least three hours a day, so the oracle's walks stay short.
        first = draw(st.integers(0, 96 - 12))
        last = draw(st.integers(first + 12, 96))
        opens, closes = time(first // 4, first % 4 * 15), time(last % 96 // 4, last % 4 * 15)
    return WorkCalendar(
        timezone=zone,
        working_days=draw(st.frozensets(st.integers(0, 6), min_size=1)),
        opens=opens,
        closes=closes,
        holidays=draw(st.frozensets(st.integers(-2, 12).map(lambda n: day + timedelta(days=n)), max_size=5)),
    )


@st.composite
def scenarios(draw):
    """A calendar and a whole-minute instant, often near a DST transition, given in UTC or local time."""
    zone = draw(st.sampled_from(sorted(TRANSITION_DATES)))
    near = draw(st.sampled_from(["transition-night", "transition-week", "any-day"]))
    if near == "transition-night":
        # 01:00-04:00 local wall time, as a user would type it: it may be repeated
        # (fold picks which) or not exist at all (Python maps it with the offset before the gap).
        day = draw(st.sampled_from(TRANSITION_DATES[zone]))
        wall = datetime(day.year, day.month, day.day, 1) + draw(st.integers(0, 180)) * MINUTE
        start = wall.replace(tzinfo=ZoneInfo(zone), fold=draw(st.sampled_from([0, 1])))
    else:
        if near == "transition-week":
            day = draw(st.sampled_from(TRANSITION_DATES[zone])) + timedelta(days=draw(st.integers(-3, 1)))
        else:
            day = draw(st.dates(date(2023, 1, 1), date(2025, 12, 31)))
        start = datetime(day.year, day.month, day.day, tzinfo=UTC) + draw(st.integers(-1440, 2880)) * MINUTE
        if draw(st.booleans()):
            start = start.astimezone(ZoneInfo(zone))
    return draw(calendars_near(zone, day)), start


def weekly_minutes(calendar: WorkCalendar) -> int:
    opens = calendar.opens.hour * 60 + calendar.opens.minute
    closes = calendar.closes.hour * 60 + calendar.closes.minute or 1440
    return len(calendar.working_days) * (closes - opens)


@settings(max_examples=150, deadline=None)
@given(scenario=scenarios(), data=st.data())
def test_adding_business_hours_agrees_with_a_minute_by_minute_count(scenario, data):
    calendar, start = scenario
    # Up to 60 business hours, and at most two weeks' worth, to keep the walk short.
    minutes = data.draw(st.integers(0, min(3600, 2 * weekly_minutes(calendar))), label="minutes")
    hours = data.draw(st.sampled_from([timedelta(minutes=minutes), minutes / 60, Decimal(minutes) / 60]), label="hours")

    assert add_business_hours(calendar, start, hours) == oracle_add(calendar, start, minutes)


@settings(max_examples=150, deadline=None)
@given(scenario=scenarios(), minutes=st.integers(-4 * 1440, 4 * 1440))
def test_business_time_between_agrees_with_a_minute_by_minute_count(scenario, minutes):
    calendar, a = scenario
    b = a + minutes * MINUTE

    assert business_time_between(calendar, a, b) == oracle_between(calendar, a, b)


@settings(max_examples=300, deadline=None)
@given(
    scenario=scenarios(),
    offset=st.timedeltas(min_value=timedelta(days=-400), max_value=timedelta(days=400)),
    first=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=2000)),
    second=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=2000)),
)
def test_deadlines_are_consistent_with_measured_time_at_any_precision(scenario, offset, first, second):
    calendar, start = scenario
    start += offset  # anywhere within a year or so, to the microsecond
    deadline = add_business_hours(calendar, start, first)

    assert business_time_between(calendar, start, deadline) == first
    assert add_business_hours(calendar, deadline, second) == add_business_hours(calendar, start, first + second)
    if first:
        # The earliest such instant: a microsecond sooner, the time is not yet up.
        assert business_time_between(calendar, start, deadline - timedelta(microseconds=1)) < first
