"""The staff side of the API that the customer flow relies on: queue, detail, decision."""

from datetime import timedelta

from django.utils import timezone

from escalations.models import Escalation
from escalations.serializers import QueueValues, queue_rows
from escalations.services import escalate
from escalations.tests.factories import escalated_to, many_escalations


def get_json(client, url, *args, **kwargs):
    """The JSON at ``url``, after checking it answered 200 (an error has a JSON body too)."""
    response = client.get(url, *args, **kwargs)
    assert response.status_code == 200, (url, response.content)
    return response.json()


def test_customers_cannot_read_the_review_queue(api_as, customer, escalation):
    assert api_as(customer).get("/api/v1/escalations/").status_code == 403
    assert api_as(customer).get(f"/api/v1/escalations/{escalation.id}/").status_code == 403


def test_the_queue_lists_pending_escalations_first_by_deadline(
    api_as, escalation_manager, escalation, make_old_case, customer
):
    later = escalate(make_old_case(), customer, "other", "Later.", now=timezone.now() + timedelta(days=1))

    rows = get_json(api_as(escalation_manager), "/api/v1/escalations/?status=pending")["results"]

    assert [row["id"] for row in rows] == [escalation.id, later.id]


def test_the_decision_endpoint_maps_domain_errors(api_as, escalation, escalation_manager, vp):
    url = f"/api/v1/escalations/{escalation.id}/decision/"
    body = {"decision": "not_accepted", "message": "Support has it in hand."}

    not_mine = api_as(vp).post(url, body, format="json")
    decided = api_as(escalation_manager).post(url, body, format="json")
    again = api_as(escalation_manager).post(url, body, format="json")

    assert (not_mine.status_code, not_mine.json()["code"]) == (403, "not_responder")
    assert (decided.status_code, decided.json()["status"]) == (200, "not_accepted")
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")


def test_a_decision_with_bad_input_answers_400(api_as, escalation, escalation_manager):
    response = api_as(escalation_manager).post(
        f"/api/v1/escalations/{escalation.id}/decision/", {"decision": "perhaps", "message": ""}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"decision", "message"}


def test_the_queue_row_tells_business_time_left_and_who_has_it(api_as, escalation, escalation_manager):
    client = api_as(escalation_manager)
    assigned = client.post(
        f"/api/v1/escalations/{escalation.id}/assign/", {"assignee": escalation_manager.id}, format="json"
    )
    assert assigned.status_code == 200

    row = get_json(client, "/api/v1/escalations/?assigned_to_me=true")["results"][0]

    assert row["id"] == escalation.id
    assert row["assignee"]["username"] == "em"
    assert 0 < row["business_seconds_left"] <= 4 * 3600
    assert row["case"]["tier"] == "premium"


def test_a_superseded_level_leaves_the_queue(api_as, escalation, escalation_manager, customer):
    Escalation.objects.filter(pk=escalation.pk).update(review_due_at=timezone.now() - timedelta(minutes=1))
    level_2 = escalate(escalation.case, customer, "other", "Nobody answered.")

    rows = get_json(api_as(escalation_manager), "/api/v1/escalations/?status=pending")["results"]

    assert [row["id"] for row in rows] == [level_2.id]


def test_level_4_rca_and_resolution_over_the_api(api_as, old_case, customer, vp):
    current = escalated_to(4, old_case, customer)
    client = api_as(vp)
    base = f"/api/v1/escalations/{current.id}"

    assert (
        client.post(f"{base}/decision/", {"decision": "accepted", "message": "Mine."}, format="json").status_code == 200
    )
    early = client.post(f"{base}/resolve/")
    rca = {"root_cause": "Cause", "corrective_actions": "Fix", "customer_summary": "What changes."}
    filed = client.post(f"{base}/rca/", rca, format="json")
    twice = client.post(f"{base}/rca/", rca, format="json")
    resolved = client.post(f"{base}/resolve/")

    assert (early.status_code, early.json()["code"]) == (409, "not_resolvable")
    assert filed.status_code == 201
    assert (twice.status_code, twice.json()["code"]) == (409, "rca_exists")
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["rca"]["root_cause"] == "Cause"


def test_the_queue_api_runs_a_fixed_number_of_queries(
    api_as, escalation_manager, organization, customer, django_assert_max_num_queries
):
    client = api_as(escalation_manager)
    many_escalations(5, organization, customer, escalation_manager, now=timezone.now())
    with django_assert_max_num_queries(8) as with_five:
        response = client.get("/api/v1/escalations/")
    assert response.status_code == 200
    queries_with_five = len(with_five.captured_queries)  # read now: the next request resets the log
    many_escalations(495, organization, customer, escalation_manager, now=timezone.now())

    with django_assert_max_num_queries(queries_with_five):
        response = client.get("/api/v1/escalations/?page=3")
    assert response.status_code == 200
    assert response.json()["count"] == 500
    print(f"queue API: {queries_with_five} queries at 5 and at 500 escalations")


def test_queue_rows_are_exactly_what_the_documented_serializer_writes(
    escalation_manager, organization, customer, make_case
):
    """The queue API builds its rows from plain values for speed; the serializer is its schema."""
    from django.utils.timezone import override

    from cases.tests.factories import OrganizationFactory, UserFactory
    from escalations import selectors
    from escalations.serializers import QueueEscalationSerializer

    now = timezone.now()
    many_escalations(3, organization, customer, escalation_manager, now=now)
    nameless = UserFactory(username="nameless", first_name="", last_name="")
    nowhere = OrganizationFactory(name="No region", region=None, members=[nameless])
    Escalation.objects.create(
        case=make_case(organization=nowhere, requester=nameless), level=1, requested_by=nameless, reason="other",
        summary="No region.", review_due_at=now - timedelta(hours=1), overdue_at=now - timedelta(minutes=59),
    )
    Escalation.objects.create(
        case=make_case(), level=2, requested_by=customer, reason="no_updates", summary="Decided.", status="accepted",
        review_due_at=now, reviewed_by=escalation_manager, reviewed_at=now, decision_message="On it.",
        assignee=escalation_manager, assigned_at=now, resolved_at=None,
    )
    Escalation.objects.filter(pk=Escalation.objects.order_by("pk").first().pk).update(resolved_at=now)
    queue = selectors.review_queue(user=escalation_manager)
    context = {"calendars": selectors.calendar_map(), "now": now}

    for zone in ("UTC", "Europe/Berlin"):
        with override(zone):
            documented = QueueEscalationSerializer(selectors.with_people(queue.all()), many=True, context=context).data
            built = queue_rows(QueueValues(queue.all())[0:100], **context)
        assert [dict(row) for row in documented] == built
        assert len(built) == 5
        assert {row["case"]["region"] for row in built} == {"EMEA", None}
        assert {row["requested_by"]["name"] for row in built} == {"Cora Customer", "nameless"}
