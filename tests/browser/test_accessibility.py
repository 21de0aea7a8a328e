"""axe-core over every page of the portal and its customised admin pages: no serious or critical violation.

axe-core is the npm package pinned in package.json (``make test`` installs it with
``npm ci``). Playwright's ``add_script_tag`` would inject it as an inline script, which
the portal's Content-Security-Policy refuses (script-src 'self', as it should): the
script's source is evaluated through the DevTools protocol instead, which the page's
policy does not govern, and the page keeps its real policy while axe looks at it.

Signed in as each of README's demo people, the walk (portal_walk.py) opens every portal
page they reach, on a wide screen and, for a customer and a manager, on a phone with its
menu open. The admin walk opens, as the demo admin, the admin index and the list, add and
change pages of every model the portal registers, the severity x tier view and the
holiday import.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from cases.models import Organization
from escalations.models import BusinessCalendar
from tests.browser.conftest import require
from tests.browser.portal_walk import load_demo, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_SOURCE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
DEMO_PEOPLE = "customer standard northwind manager supportlead senior vp oncall csm admin".split()
PHONE = {"width": 390, "height": 844}
# The admin apps whose pages the portal registers or customises (the rest are Django's own or a package's).
PORTAL_ADMIN_APPS = ("admin", "cases", "escalations", "notifications")
ADMIN_CHANGE_LINK = re.compile(r"^/admin/(?P<app>\w+)/(?P<model>\w+)/(?P<id>\d+)/change/$")
ADMIN_MODEL_LINK = re.compile(r"^/admin/(?P<app>\w+)/(?P<model>\w+)/(add/)?$")

# Runs axe over the document; answers the violations that block, each as one line.
RUN_AXE_JS = """
async (impacts) => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter(v => impacts.includes(v.impact))
    .map(v => `${v.id} (${v.impact}, ${v.nodes.length}x): ${v.help}; e.g. ` +
      v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}
"""


@pytest.fixture(scope="session")
def axe_source():
    """axe.min.js from node_modules; skipped without it, except on CI, where that is a failure."""
    require(AXE_SOURCE, "run `npm ci` (make test does)", tests="accessibility tests")
    # A statement list for Runtime.evaluate, with a value Playwright can return.
    return AXE_SOURCE.read_text(encoding="utf-8") + "\n;true"


@pytest.fixture
def axe(axe_source):
    """``axe(page)``: the serious and critical violations on the page as it is now, as lines."""

    def check(page):
        # Two frames: what the page's scripts do on load (the admin names its widgets then) is done.
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(axe_source)
        return page.evaluate(RUN_AXE_JS, sorted(BLOCKING_IMPACTS))

    return check


@pytest.fixture
def demo():
    load_demo()
    return {user.username: user for user in get_user_model().objects.filter(username__in=DEMO_PEOPLE)}


def walk_with_axe(page, axe, start="/", extra=()):
    """Every page ``walk`` reaches from ``start``, each checked by axe; the problems as lines."""
    problems = []

    def check(page, visit):
        problems.extend(f"{visit.path}: {line}" for line in axe(page))

    visits = walk(page, check, start=start, extra=extra)
    return visits, problems


@pytest.mark.parametrize("username", DEMO_PEOPLE)
def test_no_portal_page_has_a_serious_accessibility_violation(page, sign_in, axe, demo, username):
    sign_in(page, demo[username])

    visits, problems = walk_with_axe(page, axe, extra=["/no-such-page/"])

    assert len(visits) >= 5, [v.path for v in visits]
    assert not problems, "axe:\n" + "\n".join(problems)


@pytest.mark.parametrize("username", ["customer", "manager"])
def test_on_a_phone_with_the_menu_open_neither(page, sign_in, axe, demo, username):
    page.set_viewport_size(PHONE)
    sign_in(page, demo[username])
    problems = []
    for path in ("/", "/review/" if username == "manager" else "/cases/new/"):
        page.goto(path)
        page.locator("header.top details.menu > summary").click()
        problems.extend(f"{path}: {line}" for line in axe(page))
    assert not problems, "axe:\n" + "\n".join(problems)


def test_the_sign_in_page_has_no_serious_accessibility_violation(page, axe, demo):
    page.goto("/login/")
    assert not axe(page)


def admin_pages(page) -> list[str]:
    """The index's links to the portal's admin models (list and add), as paths."""
    page.goto("/admin/")
    hrefs = page.eval_on_selector_all("#content-main a[href]", "links => links.map(a => a.href)")
    paths = []
    for href in hrefs:
        path = urlsplit(href).path
        match = ADMIN_MODEL_LINK.match(path)
        if match and match["app"] in PORTAL_ADMIN_APPS and path not in paths:
            paths.append(path)
    return paths


def test_the_portal_admin_pages_have_no_serious_accessibility_violation(page, sign_in, axe, demo):
    sign_in(page, demo["admin"])
    calendar = BusinessCalendar.objects.filter(holidays__isnull=False).order_by("pk").first()
    pages = ["/admin/", *admin_pages(page)]
    problems, visited = [], []

    def check(path):
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        visited.append(path)
        problems.extend(f"{path}: {line}" for line in axe(page))

    for path in pages:
        check(path)
        if path.endswith("/add/"):
            continue
        # The first object's change page (a view page where the admin only shows).
        first = page.locator("#result_list tbody tr a[href]").first
        if first.count():
            href = urlsplit(first.get_attribute("href")).path
            if ADMIN_CHANGE_LINK.match(href):
                check(href)
    # An autocomplete box opened, its search field and results showing.
    organization = Organization.objects.filter(csm__isnull=False).order_by("pk").first()
    check(f"/admin/cases/organization/{organization.pk}/change/")
    page.locator(".field-csm .select2-selection").click()
    expect(page.locator(".select2-dropdown .select2-search__field")).to_be_focused()
    problems.extend(f"{page.url} (autocomplete open): {line}" for line in axe(page))
    check("/admin/escalations/escalationwindow/matrix/")
    check(f"/admin/escalations/businesscalendar/{calendar.pk}/change/")
    check(f"/admin/escalations/businesscalendar/{calendar.pk}/import-holidays/")

    # The pages the issue named were among them.
    assert "/admin/escalations/escalationwindow/" in visited and "/admin/escalations/businesscalendar/add/" in visited
    assert not problems, "axe:\n" + "\n".join(problems)


def test_the_check_notices_an_unlabelled_input(page, sign_in, axe, demo):
    """The detector itself: an input without a label is a critical violation axe reports."""
    sign_in(page, demo["customer"])
    page.goto("/")
    assert not axe(page)
    page.evaluate(
        """() => {
            const input = document.createElement("input");
            input.type = "text";
            input.name = "unlabelled";
            document.querySelector("main").appendChild(input);
        }"""
    )
    assert any(line.startswith("label (critical") for line in axe(page)), axe(page)
