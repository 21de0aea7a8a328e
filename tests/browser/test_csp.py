"""Every page under the Content-Security-Policy, in real Chromium: no violation anywhere.

The policy allows scripts and styles from the portal's own origin only (no inline
script, no inline style). Chromium reports each refused script, style attribute, image
or connection as a console message naming the "Content Security Policy"; the walk
collects them for every page a customer, a reviewer and an admin can open (the API docs
and the Django admin's widgets included) and expects none. Each page must also have
done what its scripts do (Swagger UI drawn, admin widgets built, local times shown),
so a page whose scripts were silently blocked cannot pass.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.tests.factories import UserFactory
from escalations.models import BusinessCalendar, EscalationLevel
from escalations.services import escalate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSP_MARK = "Content Security Policy"


@pytest.fixture
def csp_console(page):
    """The page's console messages about the Content-Security-Policy, as "path: text" lines."""
    violations = []

    def record(message):
        if CSP_MARK in message.text:
            violations.append(f"{message.location.get('url') or page.url}: {message.text}")

    page.on("console", record)
    return violations


@pytest.fixture
def world(customer, colleague, organization, make_case, escalation_manager):
    """A case the customer may escalate, one escalated (so a review, notifications and a report), an admin."""
    three_days_ago = timezone.now() - timedelta(days=3)
    eligible = make_case(subject="Reports time out", created_at=three_days_ago)
    escalated = make_case(subject="Invoice export is empty", created_at=three_days_ago)
    escalation = escalate(escalated, customer, "no_updates", "No update for a week.")
    too_early = make_case(subject="Dashboard is slow", severity=2, created_at=timezone.now() - timedelta(minutes=30))
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    return {
        "eligible": eligible,
        "escalated": escalated,
        "too_early": too_early,
        "escalation": escalation,
        "organization": organization,
        "admin": admin,
        "calendar": BusinessCalendar.objects.first(),
        "level": EscalationLevel.objects.get(number=2),
    }


def assert_protective_headers(response, path):
    """The document itself says what the browser may run and how it may be framed."""
    csp = response.header_value("content-security-policy")
    assert csp, f"{path}: no Content-Security-Policy header"
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip())
    assert directives.get("script-src") == "'self'", f"{path}: {csp}"
    assert directives.get("style-src") == "'self'", f"{path}: {csp}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{path}: {csp}"
    assert response.header_value("x-frame-options") == "DENY", path
    assert response.header_value("x-content-type-options") == "nosniff", path
    assert response.header_value("referrer-policy") == "same-origin", path


def visit(page, path, *, status=200):
    """Open ``path``, check its headers, and let its scripts (and any fetches) finish."""
    response = page.goto(path)
    assert response.status == status, f"{path}: {response.status}"
    assert_protective_headers(response, path)
    page.wait_for_load_state("networkidle")
    return response


def times_stay_as_the_server_wrote_them(page):
    """Times are written by the server in the reader's zone and the site's one format
    (portal.times); no script rewrites them into a second format."""
    first = page.locator("main time").first
    expect(first).to_have_text(re.compile(r"^\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC$"))


def test_customer_pages_run_without_a_csp_violation(page, sign_in, csp_console, world, customer):
    visit(page, "/login/")
    sign_in(page, customer)
    eligible, escalated = world["eligible"], world["escalated"]

    visit(page, "/")
    expect(page.get_by_role("heading", name="Your organization's cases")).to_be_visible()
    visit(page, "/cases/new/")
    visit(page, f"/cases/{eligible.pk}/")
    expect(page.get_by_role("link", name="Escalate Case")).to_be_visible()
    times_stay_as_the_server_wrote_them(page)
    visit(page, f"/cases/{eligible.pk}/escalate/")
    visit(page, f"/cases/{escalated.pk}/")
    visit(page, f"/cases/{world['too_early'].pk}/")
    # The wait's countdown is ticking: portal.js runs under the policy.
    expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^(\d+ d )?(\d+ h )?\d+ m \d+ s$"))
    visit(page, "/inbox/")
    expect(page.locator(".inbox-item").first).to_be_visible()
    visit(page, "/account/password/")
    visit(page, "/account/settings/")
    visit(page, "/no-such-page/", status=404)

    assert not csp_console, "Content-Security-Policy violations:\n" + "\n".join(csp_console)


def test_staff_pages_run_without_a_csp_violation(page, sign_in, csp_console, world, escalation_manager):
    sign_in(page, escalation_manager)

    visit(page, "/review/")
    # queue.js ran: it stamps the time of the last refresh.
    expect(page.locator("#queue-updated")).to_have_text(re.compile(r"^Updated "))
    visit(page, f"/review/{world['escalation'].pk}/")
    expect(page.get_by_role("button", name="Send decision")).to_be_visible()
    visit(page, "/support/")
    visit(page, "/review/report/")
    # The inline SVG chart is drawn, styled from portal.css (a bar's fill comes from a class).
    chart = page.locator("svg.report-chart")
    expect(chart).to_be_visible()
    track_fill = chart.locator(".chart-track").first.evaluate("el => getComputedStyle(el).fill")
    assert track_fill == "rgb(238, 240, 243)"
    visit(page, "/review/report/?days=90")

    assert not csp_console, "Content-Security-Policy violations:\n" + "\n".join(csp_console)


def test_the_api_docs_render_under_the_policy(page, sign_in, csp_console, world, customer):
    sign_in(page, customer)
    script_urls = []
    page.on("request", lambda request: script_urls.append(request.url) if request.resource_type == "script" else None)

    visit(page, "/api/v1/docs/")

    # Swagger UI drew the schema: its start-up script came from ?script, not inline.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Case Portal API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert any("/api/v1/docs/?" in url and "script" in url for url in script_urls), script_urls
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert not csp_console, "Content-Security-Policy violations:\n" + "\n".join(csp_console)


def test_the_admin_and_its_widgets_run_under_the_policy(page, sign_in, csp_console, world):
    sign_in(page, world["admin"])
    case, organization = world["escalated"], world["organization"]

    visit(page, "/admin/")
    visit(page, "/admin/cases/case/")
    visit(page, f"/admin/cases/case/{case.pk}/change/")
    # The assignee autocomplete (select2) was built and opens; inlines.js built the comment
    # inline's "Add another" row (hidden here: comments are added on the case page).
    page.locator(".field-assignee .select2-selection").click()
    expect(page.locator(".select2-search__field")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator(".add-row a").first).to_be_attached()
    visit(page, f"/admin/cases/organization/{organization.pk}/change/")
    expect(page.locator(".field-members .select2-container")).to_be_visible()
    # admin_a11y.js ran: the autocomplete's combobox is named after its field's label.
    expect(page.locator(".field-members .select2-selection")).to_have_attribute("aria-labelledby", "id_members_label")
    visit(page, f"/admin/escalations/escalationlevel/{world['level'].pk}/change/")
    # The alerted groups are a tick box each (no widget script needed).
    expect(page.locator('input[name="alerted_groups"]').first).to_be_visible()
    visit(page, f"/admin/escalations/businesscalendar/{world['calendar'].pk}/change/")
    visit(page, "/admin/escalations/holiday/add/")
    # The date widget's calendar opens.
    page.locator(".datetimeshortcuts a").last.click()
    expect(page.locator(".calendarbox").first).to_be_visible()
    visit(page, "/admin/escalations/escalationwindow/matrix/")
    visit(page, f"/admin/escalations/escalation/{world['escalation'].pk}/change/")

    assert not csp_console, "Content-Security-Policy violations:\n" + "\n".join(csp_console)


def test_the_walk_notices_an_inline_script_and_an_inline_style(page, sign_in, csp_console, customer):
    """The detector itself: what an inline script or style attribute would cause is caught."""
    sign_in(page, customer)
    visit(page, "/")

    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true;";
            document.head.appendChild(script);
            document.body.insertAdjacentHTML("beforeend", '<p style="color: red">inline</p>');
        }"""
    )
    page.wait_for_timeout(200)

    assert page.evaluate("() => window.inlineRan === undefined")
    assert any("script" in line for line in csp_console), csp_console
    assert any("style" in line for line in csp_console), csp_console
