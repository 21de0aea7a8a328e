"""Level 4 is the top: no page or email there offers to escalate "one level higher"; Level 3 still does."""

from datetime import UTC, datetime, timedelta

import pytest

from escalations.deadlines import sweep_review_deadlines
from escalations.services import decide
from escalations.tests.factories import escalated_to
from notifications.models import Notification

# A Wednesday morning, inside the default calendar's business hours, and in the past.
START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
GO_HIGHER = "one level higher"


@pytest.fixture
def responder_at(senior_manager, vp):
    return {3: senior_manager, 4: vp}


def body_of(kind, recipient):
    return Notification.objects.get(kind=kind, recipient=recipient).body


# --- Emails, rendered through the real notification path -----------------------------------------


@pytest.mark.parametrize(("level", "offered"), [(3, True), (4, False)])
def test_the_overdue_emails_offer_a_higher_level_only_below_the_top(
    level, offered, old_case, customer, support_manager, responder_at
):
    escalation = escalated_to(level, old_case, customer, now=START)

    sweep_review_deadlines(now=escalation.review_due_at)

    to_requester = body_of("review_overdue", customer)
    to_staff = body_of("review_overdue", support_manager)
    assert (GO_HIGHER in to_requester, GO_HIGHER in to_staff) == (offered, offered)
    if not offered:
        assert "already at the highest level" in to_requester
        assert "Level 4 is the highest level" in to_staff


@pytest.mark.parametrize(("level", "offered"), [(3, True), (4, False)])
def test_the_not_accepted_email_offers_a_higher_level_only_below_the_top(
    level, offered, old_case, customer, responder_at
):
    escalation = escalated_to(level, old_case, customer, now=START)

    decide(escalation, responder_at[level], "not_accepted", "Support has it in hand.", now=START + timedelta(hours=1))

    body = body_of("escalation_not_accepted", customer)
    assert "Support has it in hand." in body
    assert (GO_HIGHER in body) is offered


# --- Pages ----------------------------------------------------------------------------------------


def case_page(client, customer, case):
    client.force_login(customer)
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_case_page_at_level_4_after_a_decline_offers_nothing_higher(client, old_case, customer, vp):
    escalation = escalated_to(4, old_case, customer, now=START)
    decide(escalation, vp, "not_accepted", "Support has it in hand.", now=START + timedelta(hours=1))

    html = case_page(client, customer, old_case)

    assert "Your Level 4 escalation was not accepted." in html
    assert "the highest level there is" in html
    assert GO_HIGHER not in html


def test_the_case_page_at_level_4_once_overdue_offers_nothing_higher(client, old_case, customer, vp):
    escalation = escalated_to(4, old_case, customer, now=START)
    sweep_review_deadlines(now=escalation.review_due_at)

    html = case_page(client, customer, old_case)

    assert "Review overdue" in html
    assert "the highest level there is" in html
    assert GO_HIGHER not in html


@pytest.mark.parametrize(("level", "offered"), [(3, True), (4, False)])
def test_the_case_page_during_a_review_promises_a_higher_level_only_below_the_top(
    level, offered, client, old_case, customer
):
    escalated_to(level, old_case, customer, now=None)  # just now: the review is not due yet

    html = case_page(client, customer, old_case)

    assert f"Your Level {level} escalation is being reviewed." in html
    assert (GO_HIGHER in html) is offered


@pytest.mark.parametrize(("level", "offered"), [(3, True), (4, False)])
def test_the_escalation_page_tells_the_decider_what_a_decline_offers(
    level, offered, client, old_case, customer, responder_at
):
    escalation = escalated_to(level, old_case, customer, now=START)
    client.force_login(responder_at[level])

    response = client.get(f"/review/{escalation.pk}/")

    assert response.status_code == 200
    html = response.content.decode()

    assert "Send decision" in html
    assert (GO_HIGHER in html) is offered
