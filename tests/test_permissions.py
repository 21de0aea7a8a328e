"""Who may do what: every page and endpoint, against every kind of person, from one table.

Each row is (method, url template, expected status per role). A role missing from a row
gets the row's ``"*"`` entry. ``login`` means a redirect to the sign-in page. Writes are
sent with bodies a legitimate caller would send, so a 2xx/3xx really is an allowed write.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.tests.factories import CaseFactory, UserFactory
from escalations.models import Escalation
from escalations.services import escalate

ROLES = ["anonymous", "customer", "colleague", "outsider", "escalation_manager", "support_manager",
         "senior_manager", "vp", "admin"]
# Django staff (the admin) count as escalation staff: they see the staff pages, but decide nothing.
STAFF = ["escalation_manager", "support_manager", "senior_manager", "vp", "admin"]
ADMIN_ONLY = {"*": "admin-login", "admin": 200}
CUSTOMERS_404_STAFF_200 = {"anonymous": "login", "customer": 404, "colleague": 404, "outsider": 404,
                           **dict.fromkeys(STAFF, 200)}

PAGES = [
    ("get", "/", {"anonymous": "login", "*": 200}),
    ("get", "/cases/new/", {"anonymous": "login", "customer": 200, "colleague": 200, "outsider": 200, "*": 302}),
    ("get", "/cases/{case}/", {"anonymous": "login", "outsider": 404, "*": 200}),
    ("get", "/cases/{case}/escalate/", {"anonymous": "login", "outsider": 404, "customer": 200, "colleague": 200,
                                       "*": 302}),
    ("post", "/cases/{case}/comments/", {"anonymous": "login", "outsider": 404, "*": 302}),
    ("post", "/cases/{case}/priority/", {"anonymous": "login", "outsider": 404, "*": 302}),
    ("get", "/inbox/", {"anonymous": "login", "*": 200}),
    ("get", "/review/", CUSTOMERS_404_STAFF_200),
    ("get", "/review/{escalation}/", CUSTOMERS_404_STAFF_200),
    ("get", "/support/", CUSTOMERS_404_STAFF_200),
    ("get", "/review/report/", CUSTOMERS_404_STAFF_200),
    ("get", "/review/report/export.csv", CUSTOMERS_404_STAFF_200),
    ("post", "/review/{escalation}/claim/", {**CUSTOMERS_404_STAFF_200, **dict.fromkeys(STAFF, 302)}),
    ("post", "/inbox/read-all/", {"anonymous": "login", "*": 302}),
    ("get", "/admin/", ADMIN_ONLY),
    ("get", "/admin/escalations/escalationwindow/", ADMIN_ONLY),
    ("get", "/admin/escalations/escalationwindow/matrix/", ADMIN_ONLY),
    ("get", "/admin/cases/case/{case}/change/", ADMIN_ONLY),
    ("get", "/admin/escalations/escalation/{escalation}/change/", ADMIN_ONLY),
    ("get", "/admin/cases/organization/?q=Acme", ADMIN_ONLY),
    ("get", "/admin/autocomplete/?app_label=cases&model_name=organization&field_name=csm&term=c", ADMIN_ONLY),
    ("get", "/admin/admin/logentry/", ADMIN_ONLY),
]

API = [
    ("get", "/api/v1/cases/", {"anonymous": 403, "*": 200}),
    ("get", "/api/v1/cases/{case}/", {"anonymous": 403, "outsider": 404, "*": 200}),
    ("get", "/api/v1/cases/{case}/comments/", {"anonymous": 403, "outsider": 404, "*": 200}),
    ("get", "/api/v1/cases/{case}/escalation-eligibility/", {"anonymous": 403, "outsider": 404, "*": 200}),
    ("post", "/api/v1/cases/{case}/comments/", {"anonymous": 403, "outsider": 404, "*": 201}),
    # Staff are not members of the customer's organization: escalating is the customer's act.
    ("post", "/api/v1/cases/{case}/escalations/", {"anonymous": 403, "outsider": 404, "customer": 201,
                                                   "colleague": 201, "*": 403}),
    ("get", "/api/v1/escalations/", {"anonymous": 403, "customer": 403, "colleague": 403, "outsider": 403,
                                     "*": 200}),
    ("get", "/api/v1/escalations/{escalation}/", {"anonymous": 403, "customer": 403, "colleague": 403,
                                                  "outsider": 403, "*": 200}),
    # Level 1 is decided by escalation managers only.
    ("post", "/api/v1/escalations/{escalation}/decision/", {"anonymous": 403, "customer": 403, "colleague": 403,
                                                           "outsider": 403, "escalation_manager": 200, "*": 403}),
    ("post", "/api/v1/escalations/{escalation}/assign/", {"anonymous": 403, "customer": 403, "colleague": 403,
                                                         "outsider": 403, "*": 200}),
    # Methods no endpoint offers: refused before anything is looked up.
    ("put", "/api/v1/cases/{case}/", {"anonymous": 403, "*": 405}),
    ("delete", "/api/v1/cases/{case}/", {"anonymous": 403, "*": 405}),
    ("delete", "/api/v1/escalations/{escalation}/", {"anonymous": 403, "customer": 403, "colleague": 403,
                                                     "outsider": 403, "*": 405}),
    ("get", "/api/v1/schema/", {"anonymous": 403, "*": 200}),
    ("get", "/api/v1/docs/", {"anonymous": 403, "*": 200}),
]

BODIES = {
    "/cases/{case}/comments/": {"body": "A comment."},
    "/cases/{case}/priority/": {"customer_priority": "high"},
    "/api/v1/cases/{case}/comments/": {"body": "A comment."},
    "/api/v1/cases/{case}/escalations/": {"reason": "other", "summary": "Please look."},
    "/api/v1/escalations/{escalation}/decision/": {"decision": "accepted", "message": "On it."},
    "/api/v1/escalations/{escalation}/assign/": {"assignee": None},
}


@pytest.fixture
def people(customer, colleague, outsider, escalation_manager, support_manager, senior_manager, vp):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    return {"customer": customer, "colleague": colleague, "outsider": outsider,
            "escalation_manager": escalation_manager, "support_manager": support_manager,
            "senior_manager": senior_manager, "vp": vp, "admin": admin}


@pytest.fixture
def objects(make_case, customer):
    """An eligible case of the customer's organization, and a pending Level 1 on another."""
    eligible = make_case(created_at=timezone.now() - timedelta(days=3))
    escalated = make_case(created_at=timezone.now() - timedelta(days=3))
    return {"case": eligible.pk, "escalation": escalate(escalated, customer, "other", "Help.").pk}


def expected_for(expectations, role):
    return expectations.get(role, expectations.get("*"))


def check(response, expected, role, method, url):
    where = f"{role} {method.upper()} {url}"
    if expected == "login":
        assert response.status_code == 302, where
        assert response["Location"].startswith("/login/"), where
    elif expected == "admin-login":
        assert response.status_code == 302, where
        assert response["Location"].startswith("/admin/login/"), where
    else:
        assert response.status_code == expected, f"{where}: {response.status_code}"


def rows(table):
    return [pytest.param(method, url, expectations, role, id=f"{role}-{method}-{url}")
            for method, url, expectations in table for role in ROLES]


@pytest.mark.parametrize(("method", "url", "expectations", "role"), rows(PAGES))
def test_every_page_answers_each_role_as_the_table_says(client, people, objects, method, url, expectations, role):
    if role != "anonymous":
        client.force_login(people[role])
    path = url.format(**objects)

    response = getattr(client, method)(path, BODIES.get(url, {}))

    check(response, expected_for(expectations, role), role, method, path)


@pytest.mark.parametrize(("method", "url", "expectations", "role"), rows(API))
def test_every_api_endpoint_answers_each_role_as_the_table_says(people, objects, method, url, expectations, role):
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(people[role])
    path = url.format(**objects)

    response = getattr(client, method)(path, BODIES.get(url), format="json")

    check(response, expected_for(expectations, role), role, method, path)
    if response["Content-Type"].startswith("application/json") and response.status_code >= 400:
        assert {"code", "detail"} <= set(response.json()), path


def test_lists_never_show_what_the_detail_would_refuse(outsider, customer, organization):
    foreign = CaseFactory(requester=outsider, organization=outsider.organizations.get(), subject="Initech secret")
    escalate(CaseFactory(requester=outsider, organization=foreign.organization,
                         created_at=timezone.now() - timedelta(days=3)), outsider, "other", "Initech escalation")
    client = APIClient()
    client.force_authenticate(customer)

    response = client.get("/api/v1/cases/?status=open&status=new")

    assert response.status_code == 200
    listed = response.json()
    assert listed["count"] == 0
    assert "Initech" not in str(listed)
    assert Escalation.objects.count() == 1
