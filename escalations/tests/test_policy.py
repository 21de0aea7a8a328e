"""The shared escalation rules, pure: a table, no database."""

from datetime import timedelta

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


def test_claiming_is_for_a_review_still_to_do_and_releasing_until_resolved():
    assert steps(EscalationStatus.PENDING).can_claim
    assert steps(EscalationStatus.PENDING, assignee_id=SOMEONE).can_claim  # take over
    assert not steps(EscalationStatus.PENDING, assignee_id=ME).can_claim
    assert not steps(EscalationStatus.PENDING, superseded=True).can_claim
    assert not steps(EscalationStatus.ACCEPTED).can_claim
    assert steps(EscalationStatus.ACCEPTED, assignee_id=ME).can_release
    assert not steps(EscalationStatus.RESOLVED, assignee_id=ME).can_release
    assert not steps(EscalationStatus.PENDING).can_release
