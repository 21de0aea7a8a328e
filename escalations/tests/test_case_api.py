"""The customer API: shapes, filters, 404 for other tenants, clear 400s that save nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case, CaseComment
from cases.tests.factories import CaseFactory, UserFactory
from escalations.models import Escalation
from escalations.serializers import EligibilitySerializer
from escalations.services import check_eligibility
from escalations.tests.factories import ELIGIBILITY_SITUATIONS, case_in_situation
from notifications.models import Notification


@pytest.fixture
def api(api_as, customer):
    return api_as(customer)


def get_json(client, url, *args, **kwargs):
    """The JSON at ``url``, after checking it answered 200 (an error has a JSON body too)."""
    response = client.get(url, *args, **kwargs)
    assert response.status_code == 200, (url, response.content)
    return response.json()


def post_json(api, url, body):
    return api.post(url, body, format="json")


def test_a_customer_lists_only_their_organizations_cases(api, case, outsider):
    CaseFactory(requester=outsider, organization=outsider.organizations.get())

    response = api.get("/api/v1/cases/")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [case.id]
    assert response.json()["count"] == 1


def test_staff_list_every_case(api_as, escalation_manager, case, outsider):
    CaseFactory(requester=outsider, organization=outsider.organizations.get())

    assert get_json(api_as(escalation_manager), "/api/v1/cases/")["count"] == 2


def test_the_list_filters_by_status_and_severity_and_sorts(api, make_case):
    make_case(severity=2, status="open", subject="open two")
    make_case(severity=4, status="solved", subject="solved four")
    make_case(severity=4, status="open", subject="open four", customer_priority="high")

    def subjects(query):
        return [row["subject"] for row in get_json(api, f"/api/v1/cases/?{query}")["results"]]

    assert subjects("status=open&severity=4") == ["open four"]
    assert set(subjects("status=open")) == {"open two", "open four"}
    assert subjects("sort=priority")[0] == "open four"
    assert subjects("sort=severity")[0] == "open two"


def test_the_list_is_paginated(api, make_case):
    for _ in range(30):
        make_case()

    first = get_json(api, "/api/v1/cases/")
    second = get_json(api, "/api/v1/cases/?page=2")

    assert (first["count"], len(first["results"]), len(second["results"])) == (30, 25, 5)
    assert first["next"].endswith("page=2")


@pytest.mark.parametrize("query", ["severity=9", "status=exploded", "sort=random", "page=999"])
def test_bad_list_parameters_get_a_clear_error(api, case, query):
    response = api.get(f"/api/v1/cases/?{query}")

    assert response.status_code in (400, 404)
    assert set(response.json()) >= {"code", "detail"}


def test_a_customer_opens_a_case(api, customer, organization):
    response = post_json(api, "/api/v1/cases/", {
        "subject": "Login page slow", "description": "Takes 20 s since Monday.", "severity": 3,
        "customer_priority": "high",
    })

    assert response.status_code == 201
    body = response.json()
    assert body["id"] == Case.objects.get().id
    assert (body["organization"]["id"], body["requester"]["username"]) == (organization.id, "customer")
    assert (body["status"], body["customer_priority"], body["current_escalation"]) == ("new", "high", None)


def test_opening_a_severity_1_case_pages_on_call(api, organization):
    on_call = UserFactory(username="pager", groups=["On-call"])

    response = post_json(api, "/api/v1/cases/", {"subject": "Down", "description": "All down.", "severity": 1})

    assert response.status_code == 201
    assert Notification.objects.get(kind="outage_alert").recipient == on_call


@pytest.mark.parametrize(("body", "field"), [
    ({"subject": "", "description": "x"}, "subject"),
    ({"subject": "x" * 201, "description": "x"}, "subject"),
    ({"subject": "Hi", "description": "x", "severity": "urgent"}, "severity"),
    ({"subject": "Hi", "description": "x", "severity": True}, "severity"),
    ({"subject": ["a"], "description": "x"}, "subject"),
    ({"subject": "Hi", "description": "x", "status": "closed"}, "status"),
    ({"subject": "Hi", "description": "x", "organization": 999999}, "organization"),
])
def test_bad_case_input_answers_400_and_saves_nothing(api, organization, body, field):
    response = post_json(api, "/api/v1/cases/", body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert not Case.objects.exists()


@pytest.mark.parametrize("raw", ['{"subject": ', "[]", "null", '"text"', "\x00\xff"])
def test_malformed_json_answers_400(api, organization, raw):
    response = api.post("/api/v1/cases/", raw, content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert not Case.objects.exists()


def test_another_organizations_case_is_not_found(api, outsider):
    foreign = CaseFactory(requester=outsider, organization=outsider.organizations.get())

    for url in (f"/api/v1/cases/{foreign.id}/", f"/api/v1/cases/{foreign.id}/comments/",
                f"/api/v1/cases/{foreign.id}/escalation-eligibility/"):
        response = api.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"code": "not_found", "detail": "Not found."}
    escalated = post_json(api, f"/api/v1/cases/{foreign.id}/escalations/", {"reason": "other", "summary": "x"})
    assert escalated.status_code == 404
    assert api.patch(f"/api/v1/cases/{foreign.id}/", {"customer_priority": "high"}, format="json").status_code == 404
    foreign.refresh_from_db()
    assert foreign.customer_priority == "normal"


def test_anonymous_requests_are_refused(case):
    response = APIClient().get(f"/api/v1/cases/{case.id}/")

    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_token_authentication_works(customer, case):
    token = Token.objects.create(user=customer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert get_json(client, f"/api/v1/cases/{case.id}/")["id"] == case.id


def test_a_customer_changes_priority(api, case):
    response = api.patch(f"/api/v1/cases/{case.id}/", {"customer_priority": "high"}, format="json")

    assert response.status_code == 200
    assert response.json()["customer_priority"] == "high"
    assert case.comments.filter(kind="system", body__contains="Normal to High").exists()


def test_a_customer_may_raise_severity_to_1_only(api, case):
    lowered = api.patch(f"/api/v1/cases/{case.id}/", {"severity": 4}, format="json")
    raised = api.patch(f"/api/v1/cases/{case.id}/", {"severity": 1}, format="json")

    assert lowered.status_code == 400
    assert "severity" in lowered.json()["errors"]
    assert raised.status_code == 200
    assert raised.json()["severity"] == 1


@pytest.mark.parametrize("body", [{"status": "closed"}, {"assignee": 1}, {"customer_priority": "urgent"}])
def test_a_customer_cannot_patch_other_fields(api, case, body):
    response = api.patch(f"/api/v1/cases/{case.id}/", body, format="json")

    assert response.status_code == 400
    case.refresh_from_db()
    assert (case.status, case.customer_priority) == ("open", "normal")


def test_customers_read_only_the_public_thread(api, case, escalation_manager):
    CaseComment.objects.create(case=case, author=escalation_manager, body="Public answer", public=True)
    CaseComment.objects.create(case=case, author=escalation_manager, body="Internal note", public=False)

    bodies = [c["body"] for c in get_json(api, f"/api/v1/cases/{case.id}/comments/")]

    assert bodies == ["Public answer"]


def test_a_customer_comments_and_cannot_write_internal_notes(api, case):
    refused = post_json(api, f"/api/v1/cases/{case.id}/comments/", {"body": "Any news?", "public": False})
    response = post_json(api, f"/api/v1/cases/{case.id}/comments/", {"body": "Any news?"})

    # Refused, never quietly made public (DESIGN.md, "Replies").
    assert (refused.status_code, list(refused.json()["errors"])) == (400, ["public"])
    assert response.status_code == 201
    assert response.json()["public"] is True
    assert case.comments.filter(body="Any news?").count() == 1
    assert post_json(api, f"/api/v1/cases/{case.id}/comments/", {"body": "   "}).status_code == 400


def test_eligibility_answers_in_the_contract_shape(api, make_case):
    young = make_case(severity=2, created_at=timezone.now() - timedelta(hours=1))

    body = get_json(api, f"/api/v1/cases/{young.id}/escalation-eligibility/")

    assert set(body) == {"eligible", "code", "message", "next_level", "available_at"}
    assert (body["eligible"], body["code"], body["next_level"]) == (False, "too_early", None)
    assert body["available_at"].startswith((young.created_at + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))


def test_a_customer_escalates_an_eligible_case(api, old_case, escalation_manager):
    response = post_json(api, f"/api/v1/cases/{old_case.id}/escalations/",
                         {"reason": "time_constraint", "summary": "Certificate expires Friday."})

    assert response.status_code == 201
    body = response.json()
    assert (body["level"], body["status"], body["case"]) == (1, "pending", old_case.id)
    assert body["id"] == Escalation.objects.get().id
    detail = get_json(api, f"/api/v1/cases/{old_case.id}/")
    assert detail["current_escalation"]["id"] == body["id"]


def test_too_early_answers_409_with_when(api, make_case):
    young = make_case(severity=4, created_at=timezone.now() - timedelta(hours=1))

    response = post_json(api, f"/api/v1/cases/{young.id}/escalations/", {"reason": "other", "summary": "Now please"})

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "too_early"
    assert "16 hours" in body["detail"]
    assert body["available_at"].startswith((young.created_at + timedelta(hours=16)).strftime("%Y-%m-%dT%H:%M"))
    assert not Escalation.objects.exists()


def test_severity_1_answers_409_severity_1(api, make_case):
    outage = make_case(severity=1, created_at=timezone.now() - timedelta(days=3))

    response = post_json(api, f"/api/v1/cases/{outage.id}/escalations/", {"reason": "other", "summary": "Down!"})

    assert (response.status_code, response.json()["code"], response.json()["available_at"]) == (409, "severity_1", None)


@pytest.mark.parametrize(("body", "field"), [
    ({"reason": "other", "summary": ""}, "summary"),
    ({"reason": "other", "summary": "x" * 5001}, "summary"),
    ({"reason": "other"}, "summary"),
    ({"reason": "because", "summary": "x"}, "reason"),
    ({"reason": "other", "summary": 42}, None),
    ({"reason": "other", "summary": "ok", "level": 4}, "level"),
])
def test_bad_escalation_input_answers_400_and_saves_nothing(api, old_case, body, field):
    response = post_json(api, f"/api/v1/cases/{old_case.id}/escalations/", body)

    if field is None:  # DRF accepts a number as text; it must at least never fail
        assert response.status_code in (201, 400)
        return
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Escalation.objects.exists()
    assert not Notification.objects.exists()


def test_a_5000_character_summary_is_accepted(api, old_case):
    response = post_json(api, f"/api/v1/cases/{old_case.id}/escalations/", {"reason": "other", "summary": "x" * 5000})

    assert response.status_code == 201


def test_the_openapi_schema_and_docs_are_served(api):
    schema = api.get("/api/v1/schema/")
    docs = api.get("/api/v1/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/cases/{case_id}/escalations/" in schema.content
    assert docs.status_code == 200


def test_raising_a_case_to_severity_1_pages_on_call_once(api, case):
    on_call = UserFactory(username="pager", groups=["On-call"])

    first = api.patch(f"/api/v1/cases/{case.id}/", {"severity": 1}, format="json")
    again = api.patch(f"/api/v1/cases/{case.id}/", {"severity": 1}, format="json")

    assert (first.status_code, again.status_code) == (200, 200)

    alert = Notification.objects.get(kind="outage_alert")
    assert alert.recipient == on_call
    assert alert.case == case
    assert "Severity 1" in alert.subject


def token_client(user):
    """A client that signs in as production scripts do: the token lookup is one of its queries."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.mark.parametrize("situation", ELIGIBILITY_SITUATIONS)
def test_eligibility_answers_as_the_service_reads_it_in_every_situation(
    situation, organization, customer, escalation_manager
):
    now = timezone.now()
    case, user = case_in_situation(situation, organization=organization, member=customer,
                                   staff=escalation_manager, now=now)

    with time_machine.travel(now, tick=False):
        body = get_json(token_client(user), f"/api/v1/cases/{case.id}/escalation-eligibility/")
        # The service's own reading: a plain case, every fact queried by the service.
        expected = check_eligibility(Case.objects.get(pk=case.pk), user)

    assert expected.code == ELIGIBILITY_SITUATIONS[situation][0]
    assert body == EligibilitySerializer(expected).data


def test_the_eligibility_endpoint_runs_three_queries(organization, customer, escalation_manager,
                                                     django_assert_max_num_queries):
    case, _ = case_in_situation("max_level", organization=organization, member=customer,
                                staff=escalation_manager, now=timezone.now())
    client = token_client(customer)

    # The token, the case with the membership and its window, the current escalation.
    with django_assert_max_num_queries(3):
        response = client.get(f"/api/v1/cases/{case.id}/escalation-eligibility/")

    assert response.status_code == 200
    assert response.json()["code"] == "max_level"


def test_the_eligibility_endpoint_asks_for_staff_groups_of_non_members_only(
    organization, customer, escalation_manager, django_assert_max_num_queries
):
    case, _ = case_in_situation("max_level", organization=organization, member=customer,
                                staff=escalation_manager, now=timezone.now())
    client = token_client(escalation_manager)

    with django_assert_max_num_queries(4):
        response = client.get(f"/api/v1/cases/{case.id}/escalation-eligibility/")

    assert response.status_code == 200
    assert response.json()["code"] == "not_permitted"


def test_the_case_list_api_runs_five_queries_for_a_full_page(
    make_case, customer, colleague, escalation_manager, support_manager, django_assert_max_num_queries
):
    now = timezone.now()
    for n in range(30):  # more than a page of 25, each with escalations by different people
        case = make_case(subject=f"Case {n}", created_at=now - timedelta(days=3))
        people = ((customer, escalation_manager), (colleague, support_manager))
        for level, (requester, reviewer) in enumerate(people, start=1):
            Escalation.objects.create(
                case=case, level=level, requested_by=requester, reason="other", summary="Help.",
                status="not_accepted", created_at=now - timedelta(hours=10 - level), review_due_at=now,
                reviewed_by=reviewer, reviewed_at=now,
            )
    client = token_client(customer)

    # The token, the groups, the count, the cases, their escalations.
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/cases/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 25
    assert {row["current_escalation"]["reviewed_by"]["username"] for row in rows} == {support_manager.username}
