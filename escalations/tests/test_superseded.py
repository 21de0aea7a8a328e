"""A level the customer has taken higher is superseded: stored, so the queue needs no self-join."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import CaseComment
from escalations.models import Escalation
from escalations.services import AlreadyDecided, decide, escalate
from notifications.models import Notification
from portal.errors import DomainError


def test_going_higher_supersedes_the_unanswered_level(make_case, customer):
    case = make_case(created_at=timezone.now() - timedelta(days=3))
    first = escalate(case, customer, "other", "Help.")
    later = first.review_due_at + timedelta(minutes=5)

    second = escalate(case, customer, "other", "Nobody answered.", now=later)

    first.refresh_from_db()
    assert (first.status, first.superseded_at) == ("pending", later)
    assert Escalation.objects.get(pk=second.pk).superseded_at is None


def test_a_declined_level_taken_higher_is_superseded_too(make_case, customer):
    case = make_case(created_at=timezone.now() - timedelta(days=3))
    first = escalate(case, customer, "other", "Help.")
    Escalation.objects.filter(pk=first.pk).update(status="not_accepted")
    later = timezone.now()

    escalate(case, customer, "other", "Higher.", now=later)

    assert Escalation.objects.get(pk=first.pk).superseded_at == later


def test_the_migration_marks_what_was_superseded_before_the_field(make_case, customer):
    now = timezone.now()
    case = make_case(created_at=now - timedelta(days=3))
    rows = {
        level: Escalation.objects.create(
            case=case, level=level, requested_by=customer, reason="other", summary="x", status=status,
            created_at=now + timedelta(hours=level), review_due_at=now + timedelta(hours=level + 4),
        )
        for level, status in ((1, "pending"), (2, "not_accepted"), (3, "pending"))
    }
    migration = importlib.import_module("escalations.migrations.0006_superseded_at")

    migration.mark_superseded(apps, None)

    marked = dict(Escalation.objects.filter(case=case).values_list("level", "superseded_at"))
    assert marked == {1: rows[2].created_at, 2: rows[3].created_at, 3: None}


# --- Deciding a superseded level: 409 superseded, nothing written, nothing sent ------------------


@pytest.fixture
def superseded(make_case, customer):
    """A Level 1 nobody answered in time, left pending when the customer went to Level 2."""
    case = make_case(created_at=timezone.now() - timedelta(days=3))
    first = escalate(case, customer, "other", "Help.", now=timezone.now() - timedelta(days=1))
    escalate(case, customer, "other", "Nobody answered.", now=first.review_due_at + timedelta(minutes=5))
    return Escalation.objects.select_related("case__organization__region", "requested_by").get(pk=first.pk)


def nothing_was_decided(escalation):
    escalation.refresh_from_db()
    return (
        escalation.status == "pending"
        and escalation.reviewed_by_id is None
        and not Notification.objects.filter(kind__in=["escalation_accepted", "escalation_not_accepted"]).exists()
        and not CaseComment.objects.filter(case=escalation.case, body="Too late.").exists()
    )


@pytest.mark.parametrize("decision", ["accepted", "not_accepted"])
def test_deciding_a_superseded_level_is_refused_and_sends_nothing(superseded, escalation_manager, decision):
    with pytest.raises(DomainError) as refused:
        decide(superseded, escalation_manager, decision, "Too late.")

    assert (refused.value.code, refused.value.status) == ("superseded", 409)
    assert "Level 2" in refused.value.detail
    assert nothing_was_decided(superseded)


def test_a_decided_level_taken_higher_still_answers_already_decided(superseded, escalation_manager):
    Escalation.objects.filter(pk=superseded.pk).update(status="not_accepted")

    with pytest.raises(AlreadyDecided):
        decide(superseded, escalation_manager, "accepted", "Too late.")


def test_the_decision_api_answers_409_superseded_and_sends_nothing(superseded, escalation_manager):
    api = APIClient()
    api.force_authenticate(escalation_manager)

    response = api.post(
        f"/api/v1/escalations/{superseded.pk}/decision/",
        {"decision": "not_accepted", "message": "Too late."},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "superseded"
    assert nothing_was_decided(superseded)


def test_the_decision_form_posted_on_a_superseded_level_explains_and_sends_nothing(
    client, superseded, escalation_manager
):
    client.force_login(escalation_manager)

    response = client.post(
        f"/review/{superseded.pk}/decision/", {"decision": "not_accepted", "message": "Too late."}, follow=True
    )

    assert response.status_code == 200
    shown = " ".join(str(message) for message in response.context["messages"])
    assert "Level 2" in shown and "nothing was sent" in shown
    assert nothing_was_decided(superseded)


def test_the_escalation_page_offers_no_decision_on_a_superseded_level(client, superseded, escalation_manager):
    client.force_login(escalation_manager)

    response = client.get(f"/review/{superseded.pk}/")

    assert response.status_code == 200
    html = response.content.decode()

    assert "Send decision" not in html
    assert "Your decision is needed" not in html
    assert "No decision is needed here" in html
    assert "that is the escalation to work now" in html
