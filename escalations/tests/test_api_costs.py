"""What the escalate and decision POSTs cost in round trips to the database and the broker.

Pinned so that a regression fails here: both are on the customer's and the reviewer's
critical path, and every query is a round trip under a row lock (issue 6).
"""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from escalations.models import Escalation
from escalations.services import escalate
from notifications.models import Notification
from notifications.tasks import deliver_notifications

# The escalate POST: whether the customer may see the case (1); then its transaction (a
# savepoint in the test's, counted like BEGIN and COMMIT): the case locked with its window and
# the customer's membership (1), the current escalation (1), the level (1), the calendar and
# its holidays (2; the region's calendar comes with the case when it has one), the escalation,
# its audit entry, the system comment (3), who is alerted (1), every recipient's time zone and
# email mode (1), which of them are staff, for their links (1), every notification in one
# INSERT (1). Nothing after the commit but one publish.
ESCALATE_QUERIES = 15
# The decision POST: the reviewer's groups (1), the escalation with what decide() reads (1),
# the level and its responders' group (2); its transaction: the conditional update, its audit
# entry, both comments in one INSERT, the requester's time zone and email mode, the notification
# (5, and 2 for the transaction); the answer, read after the commit: the case, and its
# escalations with their people (2).
DECISION_QUERIES = 13


@pytest.fixture
def published(monkeypatch):
    """The batches handed to the broker (instead of publishing them)."""
    batches = []
    monkeypatch.setattr(deliver_notifications, "delay", batches.append)
    return batches


def test_the_escalate_post_makes_a_fixed_number_of_queries_and_one_publish(
    api_as, old_case, customer, escalation_manager, support_manager, csm, published,
    django_assert_max_num_queries, django_capture_on_commit_callbacks,
):  # fmt: skip
    ContentType.objects.get_for_model(Escalation)  # for the audit entry: each process looks it up once
    with django_capture_on_commit_callbacks(execute=True), django_assert_max_num_queries(ESCALATE_QUERIES):
        response = api_as(customer).post(
            f"/api/v1/cases/{old_case.id}/escalations/", {"reason": "other", "summary": "Please."}, format="json"
        )

    assert response.status_code == 201, response.content
    outbox = Notification.objects.filter(escalation_id=response.json()["id"])
    # Every message written, in that transaction: the managers' alert, the CSM, the customer.
    assert set(outbox.values_list("kind", "recipient__username")) == {
        ("escalation_alert", "em"),
        ("csm_informed", "csm"),
        ("escalation_received", "customer"),
    }
    assert [sorted(batch) for batch in published] == [sorted(outbox.values_list("id", flat=True))]


def test_the_decision_post_makes_a_fixed_number_of_queries_and_one_publish(
    api_as, old_case, customer, escalation_manager, published,
    django_assert_max_num_queries, django_capture_on_commit_callbacks,
):  # fmt: skip
    escalation = escalate(old_case, customer, "other", "Please.")
    published.clear()

    with django_capture_on_commit_callbacks(execute=True), django_assert_max_num_queries(DECISION_QUERIES):
        response = api_as(escalation_manager).post(
            f"/api/v1/escalations/{escalation.id}/decision/",
            {"decision": "not_accepted", "message": "Support has it in hand."},
            format="json",
        )

    assert response.status_code == 200, response.content
    reply = Notification.objects.get(escalation=escalation, kind="escalation_not_accepted")
    assert published == [[reply.id]]
    assert list(old_case.comments.values_list("kind", flat=True)) == ["system", "reply", "system"]


@pytest.mark.parametrize("decision", ["accepted", "not_accepted"])
def test_the_decision_answer_is_the_escalation_as_its_detail_shows_it(
    api_as, old_case, customer, escalation_manager, decision, published
):
    escalation = escalate(old_case, customer, "other", "Please.")
    Escalation.objects.filter(pk=escalation.pk).update(assignee=escalation_manager, assigned_at=timezone.now())
    client = api_as(escalation_manager)

    decided = client.post(
        f"/api/v1/escalations/{escalation.id}/decision/", {"decision": decision, "message": "Noted."}, format="json"
    )

    assert decided.status_code == 200
    body = decided.json()
    assert (body["status"], body["reviewed_by"]["username"], body["decision_message"]) == (decision, "em", "Noted.")
    assert body["case"]["current_escalation"]["status"] == decision
    detail = client.get(f"/api/v1/escalations/{escalation.id}/")
    assert detail.status_code == 200
    assert body == detail.json()


def test_a_lower_level_shows_the_higher_one_as_the_cases_current_escalation(
    api_as, old_case, customer, escalation_manager, published
):
    first = escalate(old_case, customer, "other", "Please.")
    # Unanswered past its deadline: the customer went one level higher.
    Escalation.objects.filter(pk=first.pk).update(review_due_at=timezone.now() - timedelta(minutes=1))
    second = escalate(old_case, customer, "other", "Higher, please.")
    client = api_as(escalation_manager)

    decided = client.post(
        f"/api/v1/escalations/{first.id}/decision/", {"decision": "accepted", "message": "On it."}, format="json"
    )
    shown = client.get(f"/api/v1/escalations/{first.id}/")

    # The superseded level is not decided (DESIGN.md, "Superseded levels"); its page points on.
    assert (decided.status_code, decided.json()["code"]) == (409, "superseded")
    assert shown.status_code == 200
    assert (shown.json()["id"], shown.json()["status"]) == (first.id, "pending")
    assert shown.json()["case"]["current_escalation"]["id"] == second.id


@pytest.mark.parametrize("escalation_id", [999999, 2**70])
def test_an_unknown_escalation_answers_404(api_as, escalation_manager, escalation_id):
    client = api_as(escalation_manager)
    body = {"decision": "accepted", "message": "x"}

    assert client.post(f"/api/v1/escalations/{escalation_id}/decision/", body, format="json").status_code == 404
    assert client.get(f"/api/v1/escalations/{escalation_id}/").status_code == 404
