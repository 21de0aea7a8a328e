"""The pure rules: every code, in DESIGN.md's order, at its boundary to the second."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from escalations.eligibility import CurrentEscalation, EligibilityFacts, evaluate, format_instant

CREATED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)

# The article's table: (severity, tier, wait in hours).
WINDOWS = [
    (2, "Premium", 4),
    (2, "Standard", 8),
    (3, "Premium", 8),
    (3, "Standard", 16),
    (4, "Premium", 16),
    (4, "Standard", 24),
]


def facts(**overrides):
    base = dict(
        is_member=True,
        case_status="open",
        severity=3,
        created_at=CREATED,
        tier_name="Premium",
        wait=timedelta(hours=8),
        current=None,
        now=CREATED + timedelta(days=2),
    )
    base.update(overrides)
    return EligibilityFacts(**base)


@pytest.mark.parametrize(("severity", "tier", "hours"), WINDOWS, ids=[f"sev{s}-{t}-{h}h" for s, t, h in WINDOWS])
def test_it_opens_escalation_exactly_when_the_window_ends(severity, tier, hours):
    wait = timedelta(hours=hours)
    opens = CREATED + wait

    one_second_early = evaluate(facts(severity=severity, tier_name=tier, wait=wait, now=opens - SECOND))
    on_time = evaluate(facts(severity=severity, tier_name=tier, wait=wait, now=opens))

    assert one_second_early.eligible is False
    assert one_second_early.code == "too_early"
    assert one_second_early.available_at == opens
    assert f"Severity {severity}" in one_second_early.message
    assert on_time.eligible is True
    assert on_time.code == "eligible"
    assert on_time.next_level == 1
    assert on_time.available_at is None


def test_it_tells_the_customer_when_escalation_opens_in_words():
    verdict = evaluate(facts(severity=2, wait=timedelta(hours=4), now=CREATED + timedelta(minutes=30)))

    assert "4 hours" in verdict.message
    assert "Mon 2 Mar 2026, 13:00 UTC" in verdict.message
    assert "Customer Priority" in verdict.message


def test_it_refuses_a_non_member_before_anything_else():
    verdict = evaluate(facts(is_member=False, case_status="closed", severity=1))

    assert (verdict.eligible, verdict.code) == (False, "not_permitted")


@pytest.mark.parametrize("status", ["solved", "closed"])
def test_it_refuses_a_closed_case_even_at_severity_1(status):
    verdict = evaluate(facts(case_status=status, severity=1))

    assert verdict.code == "case_closed"


@pytest.mark.parametrize("status", ["new", "open", "pending_customer"])
def test_it_allows_every_open_status(status):
    assert evaluate(facts(case_status=status)).code == "eligible"


def test_it_never_escalates_severity_1_and_points_to_on_call():
    verdict = evaluate(facts(severity=1, wait=None, now=CREATED + timedelta(days=30)))

    assert (verdict.eligible, verdict.code) == (False, "severity_1")
    assert "on-call" in verdict.message
    assert verdict.next_level is None
    assert verdict.available_at is None


def test_severity_1_outranks_too_early():
    assert evaluate(facts(severity=1, now=CREATED)).code == "severity_1"


def test_it_escalates_at_once_when_no_window_is_configured():
    verdict = evaluate(facts(wait=None, now=CREATED))

    assert (verdict.code, verdict.next_level) == ("eligible", 1)


def pending(level, due):
    return CurrentEscalation(level=level, status="pending", review_due_at=due)


def test_it_waits_for_a_pending_review_until_the_second_it_is_due():
    due = CREATED + timedelta(days=2, hours=4)

    before = evaluate(facts(current=pending(1, due), now=due - SECOND))
    at_due = evaluate(facts(current=pending(1, due), now=due))

    assert (before.code, before.available_at) == ("review_pending", due)
    assert "Level 1" in before.message
    assert (at_due.code, at_due.next_level) == ("eligible", 2)


@pytest.mark.parametrize("status", ["accepted", "not_accepted", "resolved"])
def test_a_decided_escalation_may_go_one_level_higher(status):
    current = CurrentEscalation(level=2, status=status, review_due_at=CREATED + timedelta(days=9))

    verdict = evaluate(facts(current=current))

    assert (verdict.code, verdict.next_level) == ("eligible", 3)
    assert "Level 3" in verdict.message


def test_it_stops_at_level_4():
    current = CurrentEscalation(level=4, status="not_accepted", review_due_at=CREATED)

    verdict = evaluate(facts(current=current))

    assert (verdict.eligible, verdict.code, verdict.next_level) == (False, "max_level", None)


def test_a_pending_level_4_review_reports_review_pending_before_max_level():
    due = CREATED + timedelta(days=3)

    assert evaluate(facts(current=pending(4, due))).code == "review_pending"
    assert evaluate(facts(current=pending(4, due), now=due)).code == "max_level"


def test_too_early_is_checked_before_review_pending():
    # An admin lengthened the window after the first escalation: the contract's order holds.
    verdict = evaluate(facts(wait=timedelta(days=5), current=pending(1, CREATED + timedelta(days=9))))

    assert verdict.code == "too_early"


# One instant, written on four clocks: whatever the zone it arrives in, it reads as UTC.
INSTANTS = [
    ("utc", datetime(2026, 11, 27, 14, 0, tzinfo=UTC), "Fri 27 Nov 2026, 14:00 UTC"),
    ("berlin-winter", datetime(2026, 11, 27, 15, 0, tzinfo=ZoneInfo("Europe/Berlin")), "Fri 27 Nov 2026, 14:00 UTC"),
    ("berlin-summer", datetime(2026, 7, 10, 16, 30, tzinfo=ZoneInfo("Europe/Berlin")), "Fri 10 Jul 2026, 14:30 UTC"),
    ("new-york-across-midnight", datetime(2026, 11, 27, 21, 0, tzinfo=ZoneInfo("America/New_York")),
     "Sat 28 Nov 2026, 02:00 UTC"),
    ("fixed-offset", datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
     "Mon 2 Mar 2026, 03:30 UTC"),
]


@pytest.mark.parametrize(("moment", "words"), [i[1:] for i in INSTANTS], ids=[i[0] for i in INSTANTS])
def test_format_instant_converts_any_zone_to_utc_before_naming_it_utc(moment, words):
    assert format_instant(moment) == words
