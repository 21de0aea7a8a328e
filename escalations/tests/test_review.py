"""Claiming, resolving and the Level 4 root cause analysis."""


import pytest

from escalations.models import Escalation, RootCauseAnalysis
from escalations.review import NotResolvable, NotStaff, RcaExists, escalation_assign, escalation_resolve, rca_file
from escalations.services import NotResponder, decide
from escalations.tests.factories import escalated_to
from portal.errors import InvalidInput


def rca(escalation, user, **overrides):
    fields = {
        "root_cause": "A config push skipped canary.",
        "contributing_factors": "Friday deploy.",
        "corrective_actions": "Canary is now mandatory.",
        "customer_summary": "A change skipped a test stage; every change now passes it.",
    }
    fields.update(overrides)
    return rca_file(escalation=escalation, user=user, **fields)


def test_a_manager_claims_and_releases_an_escalation(escalation, escalation_manager):
    claimed = escalation_assign(escalation=escalation, assignee_id=escalation_manager.pk, by=escalation_manager)
    assert claimed.assignee == escalation_manager
    assert claimed.assigned_at is not None

    released = escalation_assign(escalation=escalation, assignee_id=None, by=escalation_manager)
    assert (released.assignee, released.assigned_at) == (None, None)


def test_a_decided_escalation_keeps_who_worked_it_and_cannot_be_claimed_or_released(
    escalation, escalation_manager, support_manager
):
    escalation_assign(escalation=escalation, assignee_id=escalation_manager.pk, by=escalation_manager)
    decide(escalation, escalation_manager, "accepted", "Engineer assigned.")

    with pytest.raises(NotResolvable, match="nothing left to release"):
        escalation_assign(escalation=escalation, assignee_id=None, by=escalation_manager)
    with pytest.raises(NotResolvable, match="nothing left to claim"):
        escalation_assign(escalation=escalation, assignee_id=support_manager.pk, by=support_manager)
    escalation.refresh_from_db()
    assert escalation.assignee == escalation_manager


def test_only_staff_take_on_escalations_and_only_staff_are_assigned(escalation, escalation_manager, customer):
    with pytest.raises(NotStaff):
        escalation_assign(escalation=escalation, assignee_id=customer.pk, by=customer)
    with pytest.raises(InvalidInput):
        escalation_assign(escalation=escalation, assignee_id=customer.pk, by=escalation_manager)


def test_an_accepted_escalation_is_resolved_by_its_responder(escalation, escalation_manager, old_case):
    decide(escalation, escalation_manager, "accepted", "Engineer assigned.")

    resolved = escalation_resolve(escalation=Escalation.objects.get(pk=escalation.pk), user=escalation_manager)

    assert resolved.status == "resolved"
    assert resolved.resolved_at is not None
    assert old_case.comments.filter(kind="system", body__contains="resolved").exists()


def test_a_pending_or_declined_escalation_cannot_be_resolved(escalation, escalation_manager):
    with pytest.raises(NotResolvable):
        escalation_resolve(escalation=escalation, user=escalation_manager)
    decide(escalation, escalation_manager, "not_accepted", "No.")
    with pytest.raises(NotResolvable):
        escalation_resolve(escalation=Escalation.objects.get(pk=escalation.pk), user=escalation_manager)


def test_level_4_cannot_be_resolved_without_its_rca(old_case, customer, vp, escalation_manager):
    level_4 = escalated_to(4, old_case, customer)
    decide(level_4, vp, "accepted", "I am on it.")
    level_4.refresh_from_db()

    with pytest.raises(NotResolvable, match="root cause analysis"):
        escalation_resolve(escalation=level_4, user=vp)
    with pytest.raises(NotResponder):
        rca(level_4, escalation_manager)
    rca(level_4, vp)

    assert escalation_resolve(escalation=level_4, user=vp).status == "resolved"
    assert RootCauseAnalysis.objects.get().completed_by == vp


def test_the_rca_follows_the_decision_and_is_filed_once(old_case, customer, vp):
    level_4 = escalated_to(4, old_case, customer)

    with pytest.raises(NotResolvable, match="Decide"):
        rca(level_4, vp)
    decide(level_4, vp, "not_accepted", "Not an escalation matter.")
    level_4.refresh_from_db()
    with pytest.raises(InvalidInput) as missing:
        rca(level_4, vp, root_cause=" ", corrective_actions="")
    assert set(missing.value.errors) == {"root_cause", "corrective_actions"}
    rca(level_4, vp, contributing_factors="")
    with pytest.raises(RcaExists):
        rca(level_4, vp)


def test_lower_levels_take_no_rca(escalation, escalation_manager):
    decide(escalation, escalation_manager, "accepted", "ok")
    escalation.refresh_from_db()

    with pytest.raises(NotResolvable, match="do not take"):
        rca(escalation, escalation_manager)
