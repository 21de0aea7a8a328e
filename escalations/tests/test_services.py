"""escalate and decide against the database: deadlines, outbox rows, the thread, races."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count

from cases.tests.factories import UserFactory, tier
from escalations.models import BusinessCalendar, Escalation, EscalationWindow, Holiday
from escalations.services import (
    AlreadyDecided,
    EscalationRejected,
    NotResponder,
    check_eligibility,
    decide,
    escalate,
)
from notifications.models import Notification
from portal.errors import InvalidInput
from tests.threads import at_once, named

FRIDAY_3PM = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
OPENED = FRIDAY_3PM - timedelta(days=2)


def recipients(escalation, kind):
    return set(
        Notification.objects.filter(escalation=escalation, kind=kind).values_list("recipient__username", flat=True)
    )


def test_it_escalates_to_level_1_with_a_deadline_four_business_hours_away(old_case, customer, escalation_manager):
    escalation = escalate(old_case, customer, "time_constraint", "Certificate expires Monday.", now=FRIDAY_3PM)

    assert escalation.level == 1
    assert escalation.status == "pending"
    # Two business hours on Friday, two on Monday morning (default calendar, 09-17 UTC).
    assert escalation.review_due_at == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
    assert old_case.comments.filter(kind="system", body__contains="Level 1").exists()


def test_it_uses_the_regions_calendar_with_its_holidays(old_case, customer, region):
    berlin = BusinessCalendar.objects.create(name="Berlin", timezone="Europe/Berlin")
    Holiday.objects.create(calendar=berlin, date=datetime(2026, 3, 9).date(), name="A Monday off")
    region.calendar = berlin
    region.save()

    escalation = escalate(old_case, customer, "other", "Please look.", now=FRIDAY_3PM)

    # 15:00 UTC is 16:00 in Berlin: one hour on Friday, Monday is a holiday, three on Tuesday.
    assert escalation.review_due_at == datetime(2026, 3, 10, 11, 0, tzinfo=UTC)


def test_level_1_alerts_escalation_managers_and_informs_the_csm(
    old_case, customer, escalation_manager, support_manager, csm, vp
):
    escalation = escalate(old_case, customer, "no_updates", "Nobody replied for a week.", now=FRIDAY_3PM)

    assert recipients(escalation, "escalation_alert") == {"em"}
    assert recipients(escalation, "csm_informed") == {"csm"}
    assert recipients(escalation, "escalation_received") == {"customer"}
    received = Notification.objects.get(escalation=escalation, kind="escalation_received")
    assert "Mon 9 Mar 2026, 11:00" in received.body


def level_up(case, customer, reviewer, *, to_level, start=FRIDAY_3PM):
    """Escalate and decline level by level until the case stands at ``to_level``."""
    now = start
    escalation = None
    for _ in range(to_level):
        escalation = escalate(case, customer, "other", "Still not fixed.", now=now)
        if escalation.level < to_level:
            Escalation.objects.filter(pk=escalation.pk).update(status="not_accepted")
        now += timedelta(minutes=5)
    return escalation


@pytest.mark.parametrize(
    ("level", "alerted"),
    [
        (1, {"em"}),
        (2, {"em", "sm", "csm"}),
        (3, {"em", "sm", "csm", "senior"}),
        (4, {"em", "sm", "csm", "senior", "vp"}),
    ],
)
def test_every_level_alerts_a_wider_group(
    old_case, customer, escalation_manager, support_manager, senior_manager, vp, csm, level, alerted
):
    escalation = level_up(old_case, customer, escalation_manager, to_level=level)

    assert escalation.level == level
    assert recipients(escalation, "escalation_alert") == alerted
    # The CSM hears of every escalation exactly once: alerted, or informed.
    assert recipients(escalation, "csm_informed") == (set() if "csm" in alerted else {"csm"})


def test_it_rejects_an_ineligible_escalation_and_saves_nothing(make_case, customer):
    young = make_case(severity=2, created_at=FRIDAY_3PM - timedelta(hours=1))

    with pytest.raises(EscalationRejected) as rejected:
        escalate(young, customer, "other", "Please.", now=FRIDAY_3PM)

    assert rejected.value.code == "too_early"
    assert rejected.value.status == 409
    assert rejected.value.eligibility.available_at == young.created_at + timedelta(hours=4)
    assert not Escalation.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("reason", "summary", "field"),
    [
        ("bogus", "Fine summary", "reason"),
        ("other", "   ", "summary"),
        ("other", "x" * 5001, "summary"),
        ("other", None, "summary"),
    ],
)
def test_it_refuses_bad_input_and_saves_nothing(old_case, customer, reason, summary, field):
    with pytest.raises(InvalidInput) as invalid:
        escalate(old_case, customer, reason, summary, now=FRIDAY_3PM)

    assert field in invalid.value.errors
    assert not Escalation.objects.exists()


def test_it_does_not_escalate_twice(old_case, customer):
    escalate(old_case, customer, "other", "First press.", now=FRIDAY_3PM)

    with pytest.raises(EscalationRejected) as rejected:
        escalate(old_case, customer, "other", "Second press.", now=FRIDAY_3PM + timedelta(seconds=1))

    assert rejected.value.code == "review_pending"
    assert Escalation.objects.count() == 1


def test_a_colleague_in_the_same_organization_may_escalate(old_case, colleague):
    assert escalate(old_case, colleague, "other", "On behalf of the team.", now=FRIDAY_3PM).level == 1


def test_an_outsider_is_not_permitted(old_case, outsider):
    verdict = check_eligibility(old_case, outsider, now=FRIDAY_3PM)

    assert verdict.code == "not_permitted"


def test_the_customer_may_go_higher_once_the_review_is_overdue(old_case, customer):
    first = escalate(old_case, customer, "other", "Help.", now=FRIDAY_3PM)

    assert (
        check_eligibility(old_case, customer, now=first.review_due_at - timedelta(seconds=1)).code == "review_pending"
    )
    verdict = check_eligibility(old_case, customer, now=first.review_due_at)
    assert (verdict.code, verdict.next_level) == ("eligible", 2)


def test_a_decline_posts_the_reply_and_sends_the_automatic_not_accepted_message(old_case, customer, escalation_manager):
    escalation = escalate(old_case, customer, "other", "Help.", now=FRIDAY_3PM)

    decided = decide(
        escalation,
        escalation_manager,
        "not_accepted",
        "Support is on it; no escalation needed.",
        now=FRIDAY_3PM + timedelta(hours=1),
    )

    assert decided.status == "not_accepted"
    assert decided.reviewed_by == escalation_manager
    assert old_case.comments.filter(
        public=True, author=escalation_manager, body="Support is on it; no escalation needed."
    ).exists()
    reply = Notification.objects.get(kind="escalation_not_accepted")
    assert reply.recipient == customer
    assert "automatic reply" in reply.body
    assert check_eligibility(old_case, customer, now=FRIDAY_3PM + timedelta(hours=2)).next_level == 2


def test_an_acceptance_sends_the_plan_of_action(old_case, customer, escalation_manager):
    escalation = escalate(old_case, customer, "other", "Help.", now=FRIDAY_3PM)

    decide(escalation, escalation_manager, "accepted", "An engineer joins the call at 16:00.")

    accepted = Notification.objects.get(kind="escalation_accepted")
    assert accepted.recipient == customer
    assert "An engineer joins the call at 16:00." in accepted.body


def test_only_the_levels_responder_may_decide(old_case, customer, escalation_manager, senior_manager, vp):
    escalation = level_up(old_case, customer, escalation_manager, to_level=3)

    with pytest.raises(NotResponder):
        decide(escalation, escalation_manager, "accepted", "I am not senior management.")
    with pytest.raises(NotResponder):
        decide(escalation, vp, "accepted", "Not my level.")
    assert decide(escalation, senior_manager, "accepted", "On it personally.").status == "accepted"


def test_a_senior_manager_of_another_region_may_not_decide_level_3(old_case, customer, escalation_manager):
    other_senior = UserFactory(groups=["AMER Senior Management"])
    escalation = level_up(old_case, customer, escalation_manager, to_level=3)

    with pytest.raises(NotResponder):
        decide(escalation, other_senior, "accepted", "Wrong region.")


def test_it_refuses_a_second_decision(old_case, customer, escalation_manager):
    escalation = escalate(old_case, customer, "other", "Help.", now=FRIDAY_3PM)
    decide(escalation, escalation_manager, "accepted", "Plan.")

    with pytest.raises(AlreadyDecided):
        decide(escalation, escalation_manager, "not_accepted", "Changed my mind.")

    assert Notification.objects.filter(kind__in=["escalation_accepted", "escalation_not_accepted"]).count() == 1


@pytest.mark.parametrize(("decision", "message"), [("maybe", "ok"), ("accepted", "  ")])
def test_a_decision_needs_a_choice_and_a_message(old_case, customer, escalation_manager, decision, message):
    escalation = escalate(old_case, customer, "other", "Help.", now=FRIDAY_3PM)

    with pytest.raises(InvalidInput):
        decide(escalation, escalation_manager, decision, message)

    escalation.refresh_from_db()
    assert escalation.status == "pending"


def test_twelve_simultaneous_escalations_make_exactly_one(
    require_postgres, seeded_transactional_db, organization, customer, old_case
):
    def press_the_button():
        try:
            escalate(old_case, customer, "other", "Everyone pressed at once.", now=FRIDAY_3PM)
        except EscalationRejected as rejected:
            return rejected.code
        return "created"

    outcomes = at_once([press_the_button] * 12)

    assert sorted(named(outcomes)) == ["created"] + ["review_pending"] * 11
    assert Notification.objects.filter(kind="escalation_received").count() == 1
    assert Escalation.objects.filter(case=old_case).count() == 1
    duplicates = Notification.objects.values("kind", "recipient").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()


SEEDED_WINDOWS = [
    (2, "premium", 4),
    (2, "standard", 8),
    (3, "premium", 8),
    (3, "standard", 16),
    (4, "premium", 16),
    (4, "standard", 24),
]


@pytest.mark.parametrize(
    ("severity", "tier_slug", "hours"), SEEDED_WINDOWS, ids=[f"sev{s}-{t}-{h}h" for s, t, h in SEEDED_WINDOWS]
)
def test_the_seeded_window_opens_escalation_to_the_second(
    make_case, customer, organization, severity, tier_slug, hours
):
    organization.tier = tier(tier_slug)
    organization.save()
    case = make_case(severity=severity, created_at=OPENED)
    opens = OPENED + timedelta(hours=hours)

    early = check_eligibility(case, customer, now=opens - timedelta(seconds=1))
    on_time = check_eligibility(case, customer, now=opens)

    assert (early.code, early.available_at) == ("too_early", opens)
    assert (on_time.code, on_time.next_level) == ("eligible", 1)
    with pytest.raises(EscalationRejected):
        escalate(case, customer, "other", "One second too early.", now=opens - timedelta(seconds=1))
    assert escalate(case, customer, "other", "Right on time.", now=opens).level == 1


def test_an_admins_new_window_applies_at_once(make_case, customer):
    EscalationWindow.objects.filter(severity=3, tier__slug="premium").update(wait=timedelta(hours=1))
    case = make_case(severity=3, created_at=OPENED)

    assert check_eligibility(case, customer, now=OPENED + timedelta(hours=1)).code == "eligible"


def test_severity_1_never_escalates_however_old(make_case, customer):
    outage = make_case(severity=1, created_at=OPENED - timedelta(days=365))

    with pytest.raises(EscalationRejected) as rejected:
        escalate(outage, customer, "other", "Please.", now=FRIDAY_3PM)

    assert rejected.value.code == "severity_1"


@pytest.mark.parametrize("status", ["solved", "closed"])
def test_a_solved_or_closed_case_cannot_be_escalated(make_case, customer, status):
    done = make_case(status=status, created_at=OPENED)

    assert check_eligibility(done, customer, now=FRIDAY_3PM).code == "case_closed"


def test_after_level_4_there_is_no_higher_level(old_case, customer, escalation_manager):
    level_4 = level_up(old_case, customer, escalation_manager, to_level=4)
    Escalation.objects.filter(pk=level_4.pk).update(status="not_accepted")

    assert check_eligibility(old_case, customer, now=FRIDAY_3PM + timedelta(days=1)).code == "max_level"


def test_the_unique_level_rejects_a_second_escalation_that_got_past_the_lock(old_case, customer, monkeypatch):
    """The (case, level) constraint is the backstop: a race the lock missed is a 409, and leaves nothing behind."""
    from escalations import services
    from escalations.eligibility import Eligibility

    escalate(old_case, customer, "other", "First press.", now=FRIDAY_3PM)
    real_check = services.check_eligibility
    stale = Eligibility(eligible=True, code="eligible", message="", next_level=1, available_at=None)
    verdicts = iter([stale])  # the first check sees the case as it was before the first press
    monkeypatch.setattr(
        services, "check_eligibility", lambda *args, **kwargs: next(verdicts, None) or real_check(*args, **kwargs)
    )

    with pytest.raises(EscalationRejected) as rejected:
        escalate(old_case, customer, "other", "Second press.", now=FRIDAY_3PM + timedelta(seconds=1))

    assert rejected.value.code == "review_pending"
    assert Escalation.objects.count() == 1
    assert Notification.objects.filter(kind="escalation_received").count() == 1
    assert old_case.comments.filter(kind="system").count() == 1
