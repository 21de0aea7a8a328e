"""Tenancy: what one organization's people can read and change of another's, and of their own.

tests/test_permissions.py answers "which status code does each role get on each URL".
This module checks what is behind those codes:

* lists, counts, pages, filters, the inbox and the escalation history never show what the
  detail view would refuse (another organization's cases, escalations, notifications);
* create and update refuse references to other organizations' objects, and fields that are
  not the caller's to set, and save nothing when they refuse;
* a colleague in the same organization reads and escalates the case;
* another organization's customer gets the same 404 (or the same 403 on staff-only API) for
  a real object as for a missing one, on every URL, and changes nothing.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case, CaseComment, CaseStatus, CommentKind, CustomerPriority, Organization
from cases.tests.factories import CaseFactory, OrganizationFactory, UserFactory
from escalations.models import Escalation, EscalationStatus
from escalations.services import decide, escalate
from notifications.models import Notification

FOREIGN = "INITECH-SECRET"
MISSING_ID = 987654


def page_html(client, url, *args, **kwargs) -> str:
    """The page at ``url`` as HTML, after checking it answered 200 (an error page has words too)."""
    response = client.get(url, *args, **kwargs)
    assert response.status_code == 200, url
    return response.content.decode()


def get_json(client, url, *args, **kwargs):
    """The JSON at ``url``, after checking it answered 200 (an error has a JSON body too)."""
    response = client.get(url, *args, **kwargs)
    assert response.status_code == 200, (url, response.content)
    return response.json()


@pytest.fixture
def tenants(organization, customer, colleague, outsider, escalation_manager, csm):
    """Acme (customer, colleague) with 3 cases of its own; Initech (outsider) with 30, so that a
    leak would show in counts and in a second page; each with escalations and notifications."""
    now = timezone.now()
    old = now - timedelta(days=3)
    initech = outsider.organizations.get()
    own = [
        CaseFactory(organization=organization, requester=customer, subject="Acme printer", severity=2,
                    status=CaseStatus.OPEN, customer_priority=CustomerPriority.HIGH, created_at=old),
        CaseFactory(organization=organization, requester=colleague, subject="Acme login", severity=3,
                    status=CaseStatus.NEW, created_at=old),
        CaseFactory(organization=organization, requester=customer, subject="Acme invoice", severity=4,
                    status=CaseStatus.SOLVED, customer_priority=CustomerPriority.LOW),
    ]
    Case.objects.bulk_create(
        Case(
            organization=initech,
            requester=outsider,
            subject=f"{FOREIGN} case {n}",
            description=f"{FOREIGN} description",
            severity=2 + n % 3,
            status=[CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER, CaseStatus.SOLVED][n % 4],
            customer_priority=[CustomerPriority.LOW, CustomerPriority.NORMAL, CustomerPriority.HIGH][n % 3],
            created_at=old - timedelta(minutes=n),
        )
        for n in range(30)
    )
    foreign_cases = list(Case.objects.filter(organization=initech).order_by("pk"))
    foreign_escalation = escalate(foreign_cases[0], outsider, "other", f"{FOREIGN} summary")
    decide(foreign_escalation, escalation_manager, "not_accepted", f"{FOREIGN} decision")
    CaseComment.objects.create(case=foreign_cases[0], author=outsider, body=f"{FOREIGN} comment")
    own_escalation = escalate(own[0], customer, "other", "Acme summary")
    CaseComment.objects.create(case=own[0], author=escalation_manager, body="Acme internal note", public=False)
    return {
        "own": own,
        "initech": initech,
        "foreign_cases": foreign_cases,
        "foreign_escalation": foreign_escalation,
        "own_escalation": own_escalation,
    }


# --- Lists, counts, pages and filters ---------------------------------------------------------

LIST_QUERIES = {
    "": {},
    "status=open": {"status__in": ["open"]},
    "status=new&status=open&status=pending_customer&status=solved&status=closed": {},
    "severity=2": {"severity__in": [2]},
    "severity=3&severity=4": {"severity__in": [3, 4]},
    "customer_priority=high": {"customer_priority": "high"},
    "sort=oldest": {},
    "sort=severity": {},
    "sort=priority": {},
    "sort=updated": {},
    "status=solved&sort=oldest": {"status__in": ["solved"]},
}


@pytest.mark.parametrize("query", list(LIST_QUERIES))
@pytest.mark.parametrize("who", ["customer", "colleague"])
def test_the_case_list_api_counts_and_lists_only_the_callers_organization(
    api_as, tenants, organization, request, who, query
):
    user = request.getfixturevalue(who)
    expected = set(Case.objects.filter(organization=organization, **LIST_QUERIES[query]).values_list("pk", flat=True))

    response = api_as(user).get(f"/api/v1/cases/?{query}")

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == len(expected)
    assert {case["id"] for case in body["results"]} == expected
    assert FOREIGN not in response.content.decode()


def test_a_second_page_of_cases_does_not_exist_for_a_customer_with_one_page(api_as, tenants, customer):
    # Initech's 30 cases would fill a second page if they were counted.
    response = api_as(customer).get("/api/v1/cases/?page=2")

    assert response.status_code == 404
    assert FOREIGN not in response.content.decode()


# The page filters by status and severity and sorts; it has no priority filter.
PAGE_QUERIES = [q for q in LIST_QUERIES if "customer_priority" not in q]


@pytest.mark.parametrize("query", [*PAGE_QUERIES, "page=2", "sort=oldest&page=2", "page=last"])
def test_the_case_list_page_counts_and_shows_only_the_customers_organization(client, tenants, customer,
                                                                           organization, query):
    expected = Case.objects.filter(organization=organization, **LIST_QUERIES.get(query, {})).count()
    client.force_login(customer)

    response = client.get(f"/?{query}")

    html = response.content.decode()
    assert response.status_code == 200
    assert FOREIGN not in html
    if expected:
        assert f"{expected} case{'s' if expected != 1 else ''}</span>" in html
        assert f"Cases, {expected} in all" in html
    else:
        assert "No cases match." in html


def test_the_inbox_and_its_unread_count_hold_only_the_users_own_notifications(client, tenants, customer, outsider):
    own = Notification.objects.filter(recipient=customer)
    assert own.exists() and Notification.objects.filter(recipient=outsider).exists()
    client.force_login(customer)

    html = page_html(client, "/inbox/")
    unread_html = page_html(client, "/inbox/?show=unread")

    assert FOREIGN not in html and FOREIGN not in unread_html
    count = own.count()
    assert f"{count} notification{'s' if count != 1 else ''}</span>" in html
    assert f"Notifications, {own.filter(read_at=None).count()} unread" in html


def test_the_case_page_shows_its_own_escalation_history_and_no_staff_only_detail(client, tenants, customer):
    client.force_login(customer)

    html = page_html(client, f"/cases/{tenants['own'][0].pk}/")

    assert "Escalation history" in html and "Acme summary" in html
    assert FOREIGN not in html
    # Staff-only: internal notes, and the log naming every recipient of the alerts.
    assert "Acme internal note" not in html
    assert "Notifications for Level" not in html


def test_the_escalate_form_lists_only_this_cases_earlier_decisions(client, tenants, customer, escalation_manager):
    case = tenants["own"][0]
    decide(tenants["own_escalation"], escalation_manager, "not_accepted", "Acme decline")
    client.force_login(customer)

    html = page_html(client, f"/cases/{case.pk}/escalate/")

    assert "Acme decline" in html
    assert FOREIGN not in html


def test_the_thread_api_refuses_internal_notes_to_customers(api_as, tenants, customer, escalation_manager):
    case = tenants["own"][0]

    customer_view = get_json(api_as(customer), f"/api/v1/cases/{case.pk}/comments/")
    staff_view = get_json(api_as(escalation_manager), f"/api/v1/cases/{case.pk}/comments/")

    assert "Acme internal note" not in str(customer_view)
    assert "Acme internal note" in str(staff_view)


@pytest.mark.parametrize("who", ["customer", "escalation_manager"])
def test_the_admin_autocomplete_does_not_list_users_to_non_admins(client, tenants, request, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(
        "/admin/autocomplete/?app_label=cases&model_name=organization&field_name=members&term=outsider"
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", ["/review/report/?days=7", "/review/report/?days=90",
                                 "/review/report/export.csv?days=7", "/review/report/export.csv?days=90"])
@pytest.mark.parametrize("who", ["customer", "colleague", "outsider"])
def test_reports_and_exports_are_not_found_for_customers_whatever_the_period(client, tenants, request, who, url):
    client.force_login(request.getfixturevalue(who))

    response = client.get(url)

    assert response.status_code == 404
    assert FOREIGN not in response.content.decode()


# --- Create and update refuse foreign references and fields that are not the caller's -------


@pytest.mark.parametrize("organization_id", ["foreign", MISSING_ID])
def test_opening_a_case_for_another_organization_is_refused_and_saves_nothing(
    api_as, tenants, customer, organization_id
):
    organization_id = tenants["initech"].pk if organization_id == "foreign" else organization_id
    before = Case.objects.count()

    response = api_as(customer).post(
        "/api/v1/cases/",
        {"subject": "Hijack", "description": "Open this for Initech.", "organization": organization_id},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["organization"] == ["Choose one of your own organizations."]
    assert Case.objects.count() == before


def test_the_new_case_form_refuses_another_organization_for_a_member_of_several(client, tenants, customer):
    OrganizationFactory(name="Acme Labs", members=[customer])
    before = Case.objects.count()
    client.force_login(customer)

    response = client.post("/cases/new/", {"organization": tenants["initech"].pk, "subject": "Hijack",
                                           "description": "For Initech.", "severity": 3,
                                           "customer_priority": "normal"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Case.objects.count() == before


def test_the_new_case_form_opens_the_case_in_the_customers_own_organization_whatever_is_posted(client, tenants,
                                                                                            customer, organization):
    client.force_login(customer)

    response = client.post("/cases/new/", {"organization": tenants["initech"].pk, "subject": "Mine",
                                           "description": "For Acme.", "severity": 3,
                                           "customer_priority": "normal"})

    assert response.status_code == 302
    assert Case.objects.get(subject="Mine").organization == organization
    assert not Case.objects.filter(organization=tenants["initech"], subject="Mine").exists()


CASE_FIELDS_NOT_THE_CUSTOMERS = {
    "status": CaseStatus.CLOSED,
    "assignee": "escalation_manager",
    "organization": "initech",
    "requester": "outsider",
    "created_at": "2020-01-01T00:00:00Z",
    "first_response_at": "2020-01-01T00:00:00Z",
    "updated_at": "2020-01-01T00:00:00Z",
    "id": MISSING_ID,
}


def _value(value, tenants, request):
    if value == "initech":
        return tenants["initech"].pk
    if value in ("escalation_manager", "outsider"):
        return request.getfixturevalue(value).pk
    return value


def _case_state(case):
    case = Case.objects.get(pk=case.pk)
    return (case.organization_id, case.requester_id, case.status, case.assignee_id, case.created_at,
            case.first_response_at, case.customer_priority, case.severity)


@pytest.mark.parametrize("field", list(CASE_FIELDS_NOT_THE_CUSTOMERS))
@pytest.mark.parametrize("with_a_legitimate_change", [False, True])
def test_a_customer_cannot_set_a_case_field_that_is_not_theirs(api_as, tenants, customer, request, field,
                                                               with_a_legitimate_change):
    case = tenants["own"][1]
    before = _case_state(case)
    body = {field: _value(CASE_FIELDS_NOT_THE_CUSTOMERS[field], tenants, request)}
    if with_a_legitimate_change:
        body["customer_priority"] = "high"

    response = api_as(customer).patch(f"/api/v1/cases/{case.pk}/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][field] == ["This field cannot be set here."]
    assert _case_state(case) == before


ESCALATION_FIELDS_NOT_THE_CUSTOMERS = {
    "level": 4,
    "status": EscalationStatus.ACCEPTED,
    "overdue_at": "2020-01-01T00:00:00Z",
    "requested_by": "outsider",
    "review_due_at": "2099-01-01T00:00:00Z",
    "reviewed_by": "escalation_manager",
    "decision_message": "Accepted by myself.",
    "case": "initech",
}


@pytest.mark.parametrize("field", list(ESCALATION_FIELDS_NOT_THE_CUSTOMERS))
def test_an_escalation_request_cannot_set_what_the_rules_decide(api_as, tenants, customer, request, field):
    case = tenants["own"][1]
    body = {"reason": "other", "summary": "Please look.",
            field: _value(ESCALATION_FIELDS_NOT_THE_CUSTOMERS[field], tenants, request)}

    response = api_as(customer).post(f"/api/v1/cases/{case.pk}/escalations/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][field] == ["This field cannot be set here."]
    assert not Escalation.objects.filter(case=case).exists()


def test_the_escalate_form_ignores_a_posted_level_and_escalates_one_level(client, tenants, customer):
    case = tenants["own"][1]
    client.force_login(customer)

    response = client.post(f"/cases/{case.pk}/escalate/", {"reason": "other", "summary": "Please.", "level": 4,
                                                           "status": "accepted"})

    assert response.status_code == 302
    escalation = Escalation.objects.get(case=case)
    assert (escalation.level, escalation.status, escalation.requested_by) == (1, EscalationStatus.PENDING, customer)


@pytest.mark.parametrize("field, value", [("author", "outsider"), ("kind", CommentKind.SYSTEM),
                                          ("created_at", "2020-01-01T00:00:00Z"), ("case", "initech")])
def test_a_comment_cannot_claim_another_author_kind_time_or_case(api_as, tenants, customer, request, field, value):
    case = tenants["own"][1]
    before = CaseComment.objects.count()

    response = api_as(customer).post(f"/api/v1/cases/{case.pk}/comments/",
                                     {"body": "Hello.", field: _value(value, tenants, request)}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][field] == ["This field cannot be set here."]
    assert CaseComment.objects.count() == before


def test_a_customer_cannot_post_an_internal_note(api_as, tenants, customer):
    case = tenants["own"][1]

    response = api_as(customer).post(f"/api/v1/cases/{case.pk}/comments/", {"body": "Hidden?", "public": False},
                                     format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "public" in response.json()["errors"]
    assert not CaseComment.objects.filter(body="Hidden?").exists()


@pytest.mark.parametrize("assignee", ["customer", "colleague", "outsider", "inactive_staff", MISSING_ID])
def test_staff_cannot_assign_an_escalation_to_anyone_but_active_escalation_staff(api_as, tenants, escalation_manager,
                                                                                 request, assignee):
    if assignee == "inactive_staff":
        assignee_id = UserFactory(username="gone", groups=["Escalation Managers"], is_active=False).pk
    elif isinstance(assignee, str):
        assignee_id = request.getfixturevalue(assignee).pk
    else:
        assignee_id = assignee
    escalation = tenants["own_escalation"]

    response = api_as(escalation_manager).post(f"/api/v1/escalations/{escalation.pk}/assign/",
                                               {"assignee": assignee_id}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["assignee"] == ["Choose a member of the escalation staff."]
    escalation.refresh_from_db()
    assert escalation.assignee_id is None


@pytest.mark.parametrize("url, body", [
    ("decision/", {"decision": "accepted", "message": "Yes.", "status": "resolved"}),
    ("decision/", {"decision": "accepted", "message": "Yes.", "reviewed_by": 1}),
    ("assign/", {"assignee": None, "status": "resolved"}),
])
def test_staff_actions_refuse_fields_beyond_their_own(api_as, tenants, escalation_manager, url, body):
    escalation = tenants["own_escalation"]

    response = api_as(escalation_manager).post(f"/api/v1/escalations/{escalation.pk}/{url}", body, format="json")

    assert response.status_code == 400
    escalation.refresh_from_db()
    assert (escalation.status, escalation.reviewed_by_id) == (EscalationStatus.PENDING, None)


# --- A colleague in the same organization ----------------------------------------------------


def test_a_colleague_reads_and_escalates_a_case_someone_else_opened(client, tenants, customer, colleague):
    case = CaseFactory(organization=tenants["own"][0].organization, requester=customer, subject="Opened by Cora",
                       created_at=timezone.now() - timedelta(days=3))
    client.force_login(colleague)

    page = client.get(f"/cases/{case.pk}/")
    escalated = client.post(f"/cases/{case.pk}/escalate/", {"reason": "no_updates", "summary": "Colleague here."})

    assert page.status_code == 200 and "Opened by Cora" in page.content.decode()
    assert escalated.status_code == 302
    escalation = Escalation.objects.get(case=case)
    assert escalation.requested_by == colleague
    # The confirmation goes to whoever escalated; the requester sees it in the case's history.
    assert Notification.objects.filter(kind="escalation_received", recipient=colleague, escalation=escalation).exists()
    client.force_login(customer)
    assert "Colleague here." in page_html(client, f"/cases/{case.pk}/")


# --- Another organization's customer: 404 everywhere, nothing changed -----------------------

OUTSIDER_PAGES = [
    ("get", "/cases/{case}/", None),
    ("get", "/cases/{case}/escalate/", None),
    ("post", "/cases/{case}/escalate/", {"reason": "other", "summary": "Mine now."}),
    ("post", "/cases/{case}/comments/", {"body": "Hi from Initech."}),
    ("post", "/cases/{case}/priority/", {"customer_priority": "low"}),
    ("post", "/cases/{case}/outage/", {}),
    ("get", "/review/", None),
    ("get", "/review/{escalation}/", None),
    ("post", "/review/{escalation}/claim/", {}),
    ("post", "/review/{escalation}/release/", {}),
    ("post", "/review/{escalation}/decision/", {"decision": "accepted", "message": "Yes."}),
    ("post", "/review/{escalation}/rca/", {"root_cause": "x", "corrective_actions": "y"}),
    ("post", "/review/{escalation}/resolve/", {}),
    ("get", "/review/report/", None),
    ("get", "/review/report/export.csv", None),
    ("get", "/review/cases/{case}/history.csv", None),
    ("get", "/support/", None),
    ("post", "/inbox/{notification}/read/", {}),
    ("post", "/inbox/{notification}/open/", {}),
]

OUTSIDER_API = [
    ("get", "/api/v1/cases/{case}/", None, 404),
    ("patch", "/api/v1/cases/{case}/", {"customer_priority": "low"}, 404),
    ("patch", "/api/v1/cases/{case}/", {"severity": 1}, 404),
    ("get", "/api/v1/cases/{case}/comments/", None, 404),
    ("post", "/api/v1/cases/{case}/comments/", {"body": "Hi from Initech."}, 404),
    ("get", "/api/v1/cases/{case}/escalation-eligibility/", None, 404),
    ("post", "/api/v1/cases/{case}/escalations/", {"reason": "other", "summary": "Mine now."}, 404),
    # Staff-only endpoints: 403 for every customer and every id, so nothing is learned either.
    ("get", "/api/v1/escalations/{escalation}/", None, 403),
    ("post", "/api/v1/escalations/{escalation}/decision/", {"decision": "accepted", "message": "Yes."}, 403),
    ("post", "/api/v1/escalations/{escalation}/assign/", {"assignee": None}, 403),
    ("post", "/api/v1/escalations/{escalation}/resolve/", None, 403),
    ("post", "/api/v1/escalations/{escalation}/rca/", {"root_cause": "x", "corrective_actions": "y"}, 403),
]


@pytest.fixture
def acme_targets(tenants, customer):
    """Acme's objects, which Initech's customer aims at, and ids that exist nowhere."""
    case = tenants["own"][1]
    # Eligible to escalate, so that a write would go through if the guard failed.
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(days=3))
    return {
        "real": {"case": case.pk, "escalation": tenants["own_escalation"].pk,
                 "notification": Notification.objects.filter(recipient=customer).first().pk},
        "missing": {"case": MISSING_ID, "escalation": MISSING_ID, "notification": MISSING_ID},
    }


def _world_state():
    return (
        sorted(Case.objects.values_list("pk", "customer_priority", "severity", "status", "assignee_id")),
        CaseComment.objects.count(),
        sorted(Escalation.objects.values_list("pk", "status", "assignee_id", "reviewed_by_id")),
        sorted(Notification.objects.values_list("pk", "read_at")),
        Notification.objects.count(),
    )


@pytest.mark.parametrize("method, url, body", OUTSIDER_PAGES, ids=[f"{m} {u}" for m, u, _ in OUTSIDER_PAGES])
def test_another_organizations_customer_gets_404_on_every_page_and_changes_nothing(client, outsider, acme_targets,
                                                                                  method, url, body):
    client.force_login(outsider)
    before = _world_state()

    real = getattr(client, method)(url.format(**acme_targets["real"]), body or {})
    missing = getattr(client, method)(url.format(**acme_targets["missing"]), body or {})

    assert real.status_code == 404
    assert missing.status_code == 404
    assert "Acme" not in real.content.decode()
    assert _world_state() == before


@pytest.mark.parametrize("method, url, body, status", OUTSIDER_API, ids=[f"{m} {u}" for m, u, *_ in OUTSIDER_API])
def test_another_organizations_customer_learns_nothing_from_the_api_and_changes_nothing(api_as, outsider, acme_targets,
                                                                                       method, url, body, status):
    client = api_as(outsider)
    before = _world_state()

    real = getattr(client, method)(url.format(**acme_targets["real"]), body, format="json")
    missing = getattr(client, method)(url.format(**acme_targets["missing"]), body, format="json")

    assert (real.status_code, missing.status_code) == (status, status)
    assert real.json()["code"] == missing.json()["code"]
    assert "Acme" not in real.content.decode()
    assert _world_state() == before


def test_a_customer_in_no_organization_sees_no_cases_and_opens_none(api_as, db, tenants):
    drifter = UserFactory(username="drifter")
    client = api_as(drifter)

    listed = get_json(client, "/api/v1/cases/")
    opened = client.post("/api/v1/cases/", {"subject": "x", "description": "y"}, format="json")

    assert listed["count"] == 0
    assert opened.status_code == 403
    assert not Case.objects.filter(requester=drifter).exists()
    assert Organization.objects.filter(members=drifter).count() == 0
