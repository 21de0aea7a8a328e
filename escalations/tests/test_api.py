"""The staff side of the API that the customer flow relies on: queue, detail, decision."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from escalations.services import escalate


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def escalation(make_case, customer):
    return escalate(make_case(created_at=timezone.now() - timedelta(days=3)), customer, "other", "Please help.")


def test_customers_cannot_read_the_review_queue(customer, escalation):
    assert client_for(customer).get("/api/v1/escalations/").status_code == 403
    assert client_for(customer).get(f"/api/v1/escalations/{escalation.id}/").status_code == 403


def test_the_queue_lists_pending_escalations_first_by_deadline(escalation_manager, escalation, make_case, customer):
    later = escalate(make_case(created_at=timezone.now() - timedelta(days=3)), customer, "other", "Later.",
                     now=timezone.now() + timedelta(days=1))

    rows = client_for(escalation_manager).get("/api/v1/escalations/?status=pending").json()["results"]

    assert [row["id"] for row in rows] == [escalation.id, later.id]


def test_the_decision_endpoint_maps_domain_errors(escalation, escalation_manager, vp):
    url = f"/api/v1/escalations/{escalation.id}/decision/"
    body = {"decision": "not_accepted", "message": "Support has it in hand."}

    not_mine = client_for(vp).post(url, body, format="json")
    decided = client_for(escalation_manager).post(url, body, format="json")
    again = client_for(escalation_manager).post(url, body, format="json")

    assert (not_mine.status_code, not_mine.json()["code"]) == (403, "not_responder")
    assert (decided.status_code, decided.json()["status"]) == (200, "not_accepted")
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")


def test_a_decision_with_bad_input_answers_400(escalation, escalation_manager):
    response = client_for(escalation_manager).post(f"/api/v1/escalations/{escalation.id}/decision/",
                                                   {"decision": "perhaps", "message": ""}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"decision", "message"}
