"""The shared escalation rules, pure: a table, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from escalations import policy
from escalations.models import EscalationStatus, Responder
from escalations.policy import can_escalate_higher


@pytest.mark.parametrize(("level", "higher"), [(1, True), (2, True), (3, True), (4, False), (5, False)])
def test_only_levels_below_the_top_can_go_one_level_higher(level, higher):
    assert can_escalate_higher(level) is higher


class Level:
    """An EscalationLevel's fields, as the policy reads them."""

    def __init__(self, responder, review_within):
        self.responder, self.review_within = responder, review_within


@pytest.mark.parametrize(
    ("level", "responder"),
    [
        (None, Responder.ESCALATION_MANAGERS),  # an admin deleted the level
        (Level(Responder.ESCALATION_MANAGERS, timedelta(hours=4)), Responder.ESCALATION_MANAGERS),
        (Level(Responder.REGION_SENIOR_MANAGEMENT, timedelta(hours=4)), Responder.REGION_SENIOR_MANAGEMENT),
        (Level(Responder.VP_OF_SUPPORT, timedelta(hours=4)), Responder.VP_OF_SUPPORT),
    ],
)
def test_the_levels_responder_decides_and_escalation_managers_answer_a_missing_level(level, responder):
    assert policy.responder_of(level) == responder


def test_a_levels_review_time_is_its_own_and_four_hours_without_one():
    assert policy.review_within(Level(Responder.VP_OF_SUPPORT, timedelta(hours=2))) == timedelta(hours=2)
    assert policy.review_within(None) == timedelta(hours=4)


@pytest.mark.parametrize(
    ("within", "warn_after"),
    [
        (timedelta(hours=4), timedelta(hours=3)),
        (timedelta(hours=1), timedelta(0)),
        (timedelta(minutes=30), timedelta(0)),
    ],
)
def test_the_due_soon_warning_comes_an_hour_before_the_deadline_or_at_once(within, warn_after):
    assert policy.due_soon_after(within) == warn_after


@pytest.mark.parametrize(
    ("left", "soon"),
    [
        (timedelta(hours=1, seconds=1), False),
        (timedelta(hours=1), True),
        (timedelta(seconds=1), True),
        (timedelta(0), False),
    ],
)
def test_a_review_is_due_soon_within_the_last_business_hour(left, soon):
    assert policy.is_due_soon(left) is soon


@pytest.mark.parametrize(
    ("span", "words"),
    [(timedelta(hours=4), "4 business hours"), (timedelta(hours=1), "1 business hour"),
     (timedelta(minutes=150), "2.5 business hours")],
)
def test_a_review_time_reads_in_business_hours(span, words):
    assert policy.hours_in_words(span) == words


def test_a_sentence_says_who_reviews_with_the_right_verb():
    assert policy.responder_reviews(Responder.VP_OF_SUPPORT) == "The VP of Support reviews"
    assert policy.responder_reviews(Responder.ESCALATION_MANAGERS) == "The Escalation Managers review"


ME, SOMEONE = 1, 2


def steps(status, *, superseded=False, is_responder=True, requires_rca=False, has_rca=False, assignee_id=None):
    return policy.next_steps(status=status, superseded=superseded, is_responder=is_responder, is_staff=True,
                             requires_rca=requires_rca, has_rca=has_rca, assignee_id=assignee_id, user_id=ME)


def test_only_the_responder_decides_a_pending_level_that_is_not_superseded():
    assert steps(EscalationStatus.PENDING).can_decide
    assert not steps(EscalationStatus.PENDING, is_responder=False).can_decide
    assert not steps(EscalationStatus.PENDING, superseded=True).can_decide
    assert not steps(EscalationStatus.ACCEPTED).can_decide


def test_the_rca_follows_the_decision_at_a_level_that_requires_it_and_resolving_waits_for_it():
    assert not steps(EscalationStatus.PENDING, requires_rca=True).can_file_rca
    assert steps(EscalationStatus.ACCEPTED, requires_rca=True).can_file_rca
    assert steps(EscalationStatus.NOT_ACCEPTED, requires_rca=True).can_file_rca
    assert not steps(EscalationStatus.ACCEPTED, requires_rca=True, has_rca=True).can_file_rca
    assert not steps(EscalationStatus.ACCEPTED).can_file_rca
    assert steps(EscalationStatus.ACCEPTED, requires_rca=True).resolve_needs_rca
    assert steps(EscalationStatus.ACCEPTED).can_resolve
    assert not steps(EscalationStatus.NOT_ACCEPTED).can_resolve


def test_claiming_and_releasing_are_for_a_review_still_to_do():
    assert steps(EscalationStatus.PENDING).can_claim
    assert steps(EscalationStatus.PENDING, assignee_id=SOMEONE).can_claim  # take over
    assert not steps(EscalationStatus.PENDING, assignee_id=ME).can_claim
    assert not steps(EscalationStatus.PENDING, superseded=True).can_claim
    assert not steps(EscalationStatus.ACCEPTED).can_claim
    assert steps(EscalationStatus.PENDING, assignee_id=ME).can_release
    assert not steps(EscalationStatus.PENDING, assignee_id=SOMEONE).can_release  # a colleague's: take over
    assert not steps(EscalationStatus.PENDING).can_release


@pytest.mark.parametrize(
    "status", [EscalationStatus.ACCEPTED, EscalationStatus.NOT_ACCEPTED, EscalationStatus.RESOLVED]
)
@pytest.mark.parametrize("assignee_id", [None, ME, SOMEONE])
def test_a_decided_escalation_offers_neither_claim_nor_release(status, assignee_id):
    decided = steps(status, assignee_id=assignee_id)
    assert (decided.can_claim, decided.can_release) == (False, False)
    superseded = steps(EscalationStatus.PENDING, superseded=True, assignee_id=assignee_id)
    assert (superseded.can_claim, superseded.can_release) == (False, False)


@pytest.mark.parametrize(
    ("hours", "words"),
    [
        ({1: 4, 2: 4, 3: 4, 4: 4}, "4 business hours at every level"),
        (
            {1: 4, 2: 4, 3: 8, 4: 2},
            "Levels 1-2: 4 business hours, Level 3: 8 business hours, Level 4: 2 business hours",
        ),
        ({1: 1, 2: 4, 3: 4}, "Level 1: 1 business hour, Levels 2-4: 4 business hours"),  # Level 4 deleted: default
    ],
)
def test_the_queue_header_says_every_levels_review_time_as_the_levels_have_it(hours, words):
    levels = {n: Level(Responder.ESCALATION_MANAGERS, timedelta(hours=h)) for n, h in hours.items()}
    assert policy.review_times_in_words(levels) == words


AT = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "available_at", "next_level", "current", "state"),
    [
        ("severity_1", None, None, None, ("Outage: on-call working", "", None)),
        ("severity_1", None, None, (2, "pending"), ("Outage: on-call working", "", None)),
        ("case_closed", None, None, None, ("Not escalated", "", None)),
        ("case_closed", None, None, (1, "pending"), ("Level 1 pending review", "", None)),
        ("too_early", AT, None, None, ("Not escalated", "Escalation opens", AT)),
        ("too_early", AT, None, (1, "accepted"), ("Level 1 accepted", "Level 2 opens", AT)),
        ("review_pending", AT, None, (2, "pending"), ("Level 2 in review", "decision due", AT)),
        ("eligible", None, 1, None, ("Not escalated", "can be escalated now", None)),
        ("eligible", None, 2, (1, "pending"), ("Level 1 review overdue", "can go to Level 2 now", None)),
        ("eligible", None, 3, (2, "not_accepted"), ("Level 2 not accepted", "can go to Level 3 now", None)),
        ("eligible", None, 2, (1, "resolved"), ("Level 1 resolved", "can go to Level 2 now", None)),
        ("max_level", None, None, (4, "accepted"), ("Level 4 accepted", "", None)),
        ("max_level", None, None, (4, "pending"), ("Level 4 review overdue", "", None)),
    ],
)
def test_a_cases_escalation_state_says_where_it_stands_and_what_comes_next(
    code, available_at, next_level, current, state
):
    level, status = current or (None, None)
    said = policy.escalation_state(
        code=code, available_at=available_at, next_level=next_level, current_level=level, current_status=status
    )
    assert (said.now, said.next, said.at) == state
