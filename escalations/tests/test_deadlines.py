"""The deadline sweep: one warning an hour ahead, one overdue alert, whatever runs it how often."""

from datetime import UTC, datetime, timedelta

import pytest

from escalations.deadlines import sweep_review_deadlines
from escalations.models import Escalation
from escalations.services import check_eligibility, decide, escalate
from notifications.models import Notification
from tests.threads import at_once

MONDAY_9AM = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


@pytest.fixture
def escalated_at():
    """The ``escalation`` fixture is due at 13:00, with its warning at 12:00."""
    return MONDAY_9AM


def sent(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_the_warning_time_is_one_business_hour_before_the_deadline(escalation):
    assert escalation.review_due_at == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    assert escalation.due_soon_at == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def test_over_a_weekend_the_warning_counts_business_hours(make_old_case, customer):
    case = make_old_case()
    friday_4pm = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)

    late = escalate(case, customer, "other", "Friday afternoon.", now=friday_4pm)

    assert late.due_soon_at == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
    assert late.review_due_at == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def test_nothing_happens_before_the_warning_time(escalation, escalation_manager):
    result = sweep_review_deadlines(now=escalation.due_soon_at - timedelta(seconds=1))

    assert (result.due_soon, result.overdue) == (0, 0)
    assert sent("review_due_soon") == []


def test_responders_are_warned_once_an_hour_before(escalation, escalation_manager, support_manager):
    first = sweep_review_deadlines(now=escalation.due_soon_at)
    again = sweep_review_deadlines(now=escalation.due_soon_at + timedelta(minutes=1))

    assert (first.due_soon, again.due_soon) == (1, 0)
    assert sent("review_due_soon") == ["em"]
    escalation.refresh_from_db()
    assert escalation.due_soon_sent_at == escalation.due_soon_at
    assert escalation.overdue_at is None


def test_at_the_deadline_it_is_marked_overdue_and_everyone_is_told_once(
    escalation, escalation_manager, support_manager, customer
):
    sweep_review_deadlines(now=escalation.due_soon_at)
    first = sweep_review_deadlines(now=escalation.review_due_at)
    again = sweep_review_deadlines(now=escalation.review_due_at + timedelta(hours=2))

    assert (first.overdue, again.overdue) == (1, 0)
    escalation.refresh_from_db()
    assert escalation.overdue_at == escalation.review_due_at
    assert sent("review_overdue") == ["customer", "em", "sm"]
    to_customer = Notification.objects.get(kind="review_overdue", recipient=customer)
    assert "escalate the case one level higher" in to_customer.body
    assert check_eligibility(escalation.case, customer, now=escalation.review_due_at).next_level == 2


def test_an_escalation_found_already_overdue_skips_the_warning(escalation, escalation_manager):
    result = sweep_review_deadlines(now=escalation.review_due_at + timedelta(minutes=5))

    assert (result.due_soon, result.overdue) == (0, 1)
    assert sent("review_due_soon") == []


def test_a_decided_escalation_is_never_swept(escalation, escalation_manager):
    decide(escalation, escalation_manager, "accepted", "On it.", now=MONDAY_9AM + timedelta(minutes=30))

    result = sweep_review_deadlines(now=escalation.review_due_at + timedelta(days=1))

    assert (result.due_soon, result.overdue) == (0, 0)
    assert not Notification.objects.filter(kind__in=["review_due_soon", "review_overdue"]).exists()


def test_level_3_overdue_alerts_the_regions_senior_management(
    make_old_case, customer, senior_manager, escalation_manager, support_manager
):
    case = make_old_case()
    now = MONDAY_9AM
    for _ in range(3):
        current = escalate(case, customer, "other", "Higher.", now=now)
        if current.level < 3:
            Escalation.objects.filter(pk=current.pk).update(status="not_accepted")
        now += timedelta(minutes=1)

    sweep_review_deadlines(now=current.review_due_at)

    assert sent("review_overdue") == ["customer", "senior", "sm"]


def test_the_sweep_works_through_more_than_one_batch(make_old_case, customer, escalation_manager, monkeypatch):
    monkeypatch.setattr("escalations.deadlines.BATCH_SIZE", 2)
    for _ in range(5):
        escalate(make_old_case(), customer, "other", "x", now=MONDAY_9AM)

    result = sweep_review_deadlines(now=MONDAY_9AM + timedelta(days=1))

    assert result.overdue == 5
    assert Escalation.objects.filter(overdue_at__isnull=True).count() == 0


def test_two_sweeps_at_once_send_each_alert_once(
    require_postgres, seeded_transactional_db, make_old_case, customer, escalation_manager, support_manager
):
    for n in range(30):
        escalate(make_old_case(), customer, "other", f"x{n}", now=MONDAY_9AM)

    results = at_once([lambda: sweep_review_deadlines(now=MONDAY_9AM + timedelta(days=1))] * 2)

    assert sum(r.overdue for r in results) == 30
    assert Notification.objects.filter(kind="review_overdue").count() == 30 * 3
