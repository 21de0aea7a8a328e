"""Browser protections, from the server's side: CSRF on every state change, protective
headers and cookies on every response, no inline script or style in any template.

The CSRF tests use ``Client(enforce_csrf_checks=True)``, the way a browser on another
site would reach the portal: with the user's cookies and without the form's token.
Each refusal is paired with the same request carrying the token, which goes through,
so a 403 here means "no token", not "not allowed".
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cases.models import Case, CaseComment
from cases.tests.factories import UserFactory
from escalations.models import Escalation, RootCauseAnalysis
from escalations.services import escalate
from notifications.models import Notification

PASSWORD = "correct-horse-battery"  # cases.tests.factories.UserFactory
NEW_PASSWORD = "a-new-and-long-passphrase-2026"
TEMPLATES_DIR = Path(django_settings.BASE_DIR) / "templates"


@pytest.fixture
def world(customer, organization, make_case, escalation_manager):
    """An escalable case, a pending Level 1 escalation on another, and the customer's notification of it."""
    three_days_ago = timezone.now() - timedelta(days=3)
    case = make_case(subject="Reports time out", created_at=three_days_ago)
    escalated = make_case(subject="Invoice export is empty", created_at=three_days_ago)
    escalation = escalate(escalated, customer, "no_updates", "No update for a week.")
    notification = Notification.objects.filter(recipient=customer).first()
    assert notification is not None and notification.read_at is None
    return {
        "people": {"customer": customer, "escalation_manager": escalation_manager},
        "ids": {"case": case.pk, "escalation": escalation.pk, "notification": notification.pk},
    }


def state():
    """Everything a forged request could change: cases, comments, escalations, RCAs, read marks, passwords."""
    return {
        "cases": list(Case.objects.order_by("pk").values_list("pk", "severity", "customer_priority", "status")),
        "comments": CaseComment.objects.count(),
        "escalations": list(
            Escalation.objects.order_by("pk").values_list("pk", "status", "assignee_id", "reviewed_at", "resolved_at")
        ),
        "rcas": RootCauseAnalysis.objects.count(),
        "read": list(Notification.objects.order_by("pk").values_list("pk", "read_at")),
        "passwords": list(get_user_model().objects.order_by("pk").values_list("pk", "password")),
    }


# (name, who, URL, body, is a form page whose GET shows the form). Every state change a page can make.
ACTIONS = [
    ("comment", "customer", "/cases/{case}/comments/", {"body": "Forged comment."}, False),
    ("priority", "customer", "/cases/{case}/priority/", {"customer_priority": "high"}, False),
    ("outage", "customer", "/cases/{case}/outage/", {"confirm": "yes"}, True),  # GET: the confirmation step
    ("escalate", "customer", "/cases/{case}/escalate/", {"reason": "other", "summary": "Forged."}, True),
    (
        "new case",
        "customer",
        "/cases/new/",
        {"subject": "Forged case", "description": "x", "severity": "3", "customer_priority": "normal"},
        True,
    ),
    ("open notification", "customer", "/inbox/{notification}/open/", {}, False),
    ("read notification", "customer", "/inbox/{notification}/read/", {}, False),
    ("read all", "customer", "/inbox/read-all/", {}, False),
    ("claim", "escalation_manager", "/review/{escalation}/claim/", {}, False),
    ("release", "escalation_manager", "/review/{escalation}/release/", {}, False),
    (
        "decision",
        "escalation_manager",
        "/review/{escalation}/decision/",
        {"decision": "accepted", "message": "Forged acceptance."},
        False,
    ),
    (
        "rca",
        "escalation_manager",
        "/review/{escalation}/rca/",
        {"root_cause": "Forged.", "contributing_factors": "", "corrective_actions": "Forged."},
        False,
    ),
    ("resolve", "escalation_manager", "/review/{escalation}/resolve/", {}, False),
    (
        "change password",
        "customer",
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        True,
    ),
    ("sign out", "customer", "/logout/", {}, False),
]
ACTION_PARAMS = [pytest.param(*action, id=action[0]) for action in ACTIONS]


def strict_client_for(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_token(client):
    """The token a page of the portal would have put in its form (the cookie's secret is accepted too)."""
    # Any page with a form sets the CSRF cookie: the sign-in form, or the sign-out button
    # on every page of a signed-in user (who is redirected away from the sign-in form).
    for url in ("/login/", "/"):
        response = client.get(url)
        if django_settings.CSRF_COOKIE_NAME in client.cookies:
            assert response.status_code == 200, f"{url}: {response.status_code}"
            return client.cookies[django_settings.CSRF_COOKIE_NAME].value
        assert response.status_code == 302, f"{url}: {response.status_code}"  # signed in: sent away from the form
    raise AssertionError("no page set the CSRF cookie")


def is_signed_in(client):
    return client.get("/").status_code == 200


@pytest.mark.parametrize(("name", "who", "url", "body", "is_form_page"), ACTION_PARAMS)
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(world, name, who, url, body, is_form_page):
    client = strict_client_for(world["people"][who])
    before = state()

    response = client.post(url.format(**world["ids"]), body)

    assert response.status_code == 403, f"{name}: {response.status_code}"
    assert state() == before, name
    assert is_signed_in(client), f"{name}: the refused request still signed the user out"


@pytest.mark.parametrize(("name", "who", "url", "body", "is_form_page"), ACTION_PARAMS)
def test_the_same_post_with_the_csrf_token_goes_through(world, name, who, url, body, is_form_page):
    client = strict_client_for(world["people"][who])
    before = state()

    response = client.post(url.format(**world["ids"]), {**body, "csrfmiddlewaretoken": csrf_token(client)})

    assert response.status_code in (200, 302), f"{name}: {response.status_code}"
    if name not in ("release", "rca", "resolve"):  # these need an assigned or accepted escalation to act
        assert state() != before or not is_signed_in(client), f"{name}: the legitimate request changed nothing"


@pytest.mark.parametrize(("name", "who", "url", "body", "is_form_page"), [p for p in ACTION_PARAMS if not p.values[4]])
def test_an_action_answers_get_with_405_and_changes_nothing(world, name, who, url, body, is_form_page):
    client = strict_client_for(world["people"][who])
    before = state()

    response = client.get(url.format(**world["ids"]), body)

    assert response.status_code == 405, f"{name}: {response.status_code}"
    assert "POST" in response["Allow"]
    assert state() == before
    assert is_signed_in(client)


@pytest.mark.parametrize(("name", "who", "url", "body", "is_form_page"), [p for p in ACTION_PARAMS if p.values[4]])
def test_a_form_page_shows_its_form_with_a_csrf_token_on_get(world, name, who, url, body, is_form_page):
    client = strict_client_for(world["people"][who])
    before = state()

    response = client.get(url.format(**world["ids"]))

    assert response.status_code == 200
    assert re.search(r'<form method="post"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"', response.text)
    assert state() == before


def test_every_post_form_in_the_pages_carries_a_csrf_token(world, customer, escalation_manager):
    """Each <form method="post"> a customer or reviewer is shown has the token as its first field."""
    pages = {
        customer: ["/", "/cases/{case}/", "/cases/{case}/escalate/", "/cases/new/", "/inbox/", "/account/password/"],
        escalation_manager: ["/review/", "/review/{escalation}/", "/support/", "/cases/{case}/"],
    }
    forms = 0
    for user, urls in pages.items():
        client = strict_client_for(user)
        for url in urls:
            response = client.get(url.format(**world["ids"]))
            assert response.status_code == 200, f"{url}: {response.status_code}"
            html = response.text
            for form in re.finditer(r"<form\b[^>]*>(.*?)</form>", html, re.S | re.I):
                if 'method="post"' in form.group(0)[:200]:
                    forms += 1
                    assert 'name="csrfmiddlewaretoken"' in form.group(1), f"{url}: {form.group(0)[:200]}"
    assert forms >= 12  # sign out on every page, and the pages' own actions


# The API: a signed-in browser's session is CSRF-checked (DRF SessionAuthentication); a token is not a cookie.


def test_the_api_refuses_a_session_post_without_the_csrf_token(world, customer):
    client = strict_client_for(customer)
    url = f"/api/v1/cases/{world['ids']['case']}/comments/"

    refused = client.post(url, {"body": "Forged."}, content_type="application/json")

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert CaseComment.objects.filter(body="Forged.").count() == 0
    accepted = client.post(
        url, {"body": "Mine."}, content_type="application/json", headers={"X-CSRFToken": csrf_token(client)}
    )
    assert accepted.status_code == 201
    assert client.get(url).status_code == 200  # reading needs no token


def test_the_api_with_a_token_needs_no_csrf_token(world, customer):
    token = Token.objects.create(user=customer)
    client = Client(enforce_csrf_checks=True)
    url = f"/api/v1/cases/{world['ids']['case']}/comments/"

    response = client.post(
        url,
        {"body": "From a script."},
        content_type="application/json",
        headers={"Authorization": f"Token {token.key}"},
    )

    assert response.status_code == 201
    assert CaseComment.objects.filter(body="From a script.").count() == 1


# Headers and cookies.


def assert_protective_headers(response, where):
    csp = response.get("Content-Security-Policy", "")
    directives = {part.strip().split(" ", 1)[0]: part.strip() for part in csp.split(";") if part.strip()}
    assert directives.get("script-src") == "script-src 'self'", f"{where}: {csp!r}"
    assert directives.get("style-src") == "style-src 'self'", f"{where}: {csp!r}"
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", f"{where}: {csp!r}"
    assert directives.get("object-src") == "object-src 'none'", f"{where}: {csp!r}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{where}: {csp!r}"
    assert response.get("X-Frame-Options") == "DENY", where
    assert response.get("X-Content-Type-Options") == "nosniff", where
    assert response.get("Referrer-Policy") == "same-origin", where


def test_every_kind_of_response_carries_the_protective_headers(world, customer, escalation_manager):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    ids = world["ids"]
    visits = [
        (None, "/login/", 200),
        (None, "/", 302),
        (customer, "/", 200),
        (customer, f"/cases/{ids['case']}/", 200),
        (customer, "/inbox/", 200),
        (customer, "/account/password/", 200),
        (customer, "/no-such-page/", 404),
        (customer, "/api/v1/cases/", 200),
        (customer, "/api/v1/docs/", 200),
        (customer, "/api/v1/docs/?script=", 200),
        (None, "/api/v1/cases/", 403),
        (escalation_manager, "/review/", 200),
        (escalation_manager, "/review/report/", 200),
        (escalation_manager, f"/review/{ids['escalation']}/claim/", 405),
        (admin, "/admin/", 200),
        (admin, f"/admin/cases/case/{ids['case']}/change/", 200),
    ]
    for user, url, status in visits:
        client = Client()
        if user:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, f"{url}: {response.status_code}"
        assert_protective_headers(response, url)


def test_the_api_docs_script_is_served_as_javascript_not_inline(customer):
    client = Client()
    client.force_login(customer)

    docs = client.get("/api/v1/docs/")
    page = docs.text
    script = client.get("/api/v1/docs/?script=")

    assert docs.status_code == 200
    assert script.status_code == 200
    assert re.search(r'<script src="/api/v1/docs/\?script="></script>', page)
    assert not re.search(r"<script>", page)
    assert "<style" not in page
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.text


def test_the_sign_in_cookies_are_http_only_and_same_site_lax(customer):
    client = Client(enforce_csrf_checks=True)
    token = csrf_token(client)

    response = client.post(
        "/login/", {"username": customer.username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    session = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    csrf = client.cookies[django_settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"


def test_with_secure_cookies_on_they_are_marked_secure(settings, customer):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client = Client()
    assert client.get("/login/", secure=True).status_code == 200

    response = client.post("/login/", {"username": customer.username, "password": PASSWORD}, secure=True)

    assert response.status_code == 302
    assert response.cookies[django_settings.SESSION_COOKIE_NAME]["secure"] is True
    assert client.cookies[django_settings.CSRF_COOKIE_NAME]["secure"] is True


def test_in_production_http_is_redirected_to_https_and_https_answers_with_hsts(settings, customer):
    """What the production settings (tests/security/test_deploy_check.py) turn on, doing its job."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    client = Client()  # a new client builds its middleware from the settings above

    plain = client.get("/login/?next=/inbox/")
    forwarded = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    secure = client.get("/login/", secure=True)

    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/login/?next=/inbox/"
    assert forwarded.status_code == 200  # the TLS-terminating proxy says it was HTTPS
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in plain  # HSTS means something only over HTTPS


# Templates: what the policy refuses is not written in the first place.

INLINE = {
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
}
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S)


def page_templates():
    """Every template the browser renders (.html and the inline SVG); emails are mail, not pages."""
    paths = [*TEMPLATES_DIR.rglob("*.html"), *TEMPLATES_DIR.rglob("*.svg")]
    return sorted(path for path in paths if "emails" not in path.relative_to(TEMPLATES_DIR).parts)


def test_the_page_templates_are_found():
    names = {str(path.relative_to(TEMPLATES_DIR)) for path in page_templates()}
    assert {"base.html", "500.html", "escalations/_report_chart.svg", "api/swagger_ui.html"} <= names
    assert not any(name.startswith("emails/") for name in names)


@pytest.mark.parametrize("path", page_templates(), ids=lambda path: str(path.relative_to(TEMPLATES_DIR)))
def test_no_template_writes_inline_script_or_style(path):
    source = TEMPLATE_COMMENT.sub("", path.read_text())

    found = {what: pattern.search(source).group(0) for what, pattern in INLINE.items() if pattern.search(source)}

    assert not found, f"{path.relative_to(TEMPLATES_DIR)}: {found}"


def test_the_inline_markup_detector_finds_what_it_looks_for():
    samples = {
        "style attribute": '<div class="x" style="color: red">',
        "<style> element": "<style>body{}</style>",
        "inline <script>": "<script>alert(1)</script>",
        "event handler attribute": '<img src="x" onerror="alert(1)">',
        "javascript: URL": '<a href="javascript:alert(1)">',
    }
    for what, sample in samples.items():
        assert INLINE[what].search(sample), what
    assert not INLINE["inline <script>"].search('<script src="/static/js/portal.js" defer></script>')
