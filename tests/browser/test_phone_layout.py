"""At 390 x 844 (a phone held upright) no page of the portal is wider than the screen.

Signed in as each of README's demo people, the walk (portal_walk.py) opens every page
they can reach and measures it in Chromium: the document must not scroll sideways
(``scrollWidth > innerWidth``), and no visible element may reach past the right edge,
unless it sits in a box of its own that scrolls or clips (the compliance chart does,
on purpose). The header's menu is then opened and measured too.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.portal_walk import load_demo, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# Each role among README's demo sign-ins (customer2 sees what customer sees; the admin's portal
# pages here: the Django admin is not laid out for phones).
DEMO_PEOPLE = "customer standard northwind manager supportlead senior vp oncall csm admin".split()

# What sticks out of the viewport on the right, and is not inside a box that scrolls or clips
# it: "tag.class (right edge px)" per element, the outermost offender only.
OVERFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const clipped = el => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (overflow !== "visible") return true;
    }
    return false;
  };
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right <= width + 0.5) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.position === "fixed") continue;
    if (clipped(el)) continue;
    if (found.some(outer => outer.contains(el))) continue;
    found.push(el);
  }
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const label = el => [el.parentElement.parentElement, el.parentElement, el].map(name).join(" > ") +
    " (right edge " + Math.round(el.getBoundingClientRect().right) + " px)";
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    offenders: found.slice(0, 5).map(label),
  };
}
"""


# Checkboxes and radio buttons smaller than a fingertip's 24 x 24 px (WCAG 2.5.8).
SMALL_TICKBOXES_JS = """
() => [...document.querySelectorAll("input[type=checkbox], input[type=radio]")]
  .filter(el => el.offsetParent !== null)
  .map(el => [el.name || el.id, el.getBoundingClientRect()])
  .filter(([, box]) => box.width < 24 || box.height < 24)
  .map(([name, box]) => `${name} (${Math.round(box.width)} x ${Math.round(box.height)} px)`)
"""


def too_wide(page) -> str | None:
    """Why the page is wider than the viewport, or None when it fits."""
    measured = page.evaluate(OVERFLOW_JS)
    if measured["scrollWidth"] <= measured["innerWidth"] and not measured["offenders"]:
        return None
    return f"{measured['scrollWidth']} px wide in {measured['innerWidth']}: {', '.join(measured['offenders'])}"


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


@pytest.fixture
def demo():
    load_demo()
    return {user.username: user for user in get_user_model().objects.filter(username__in=DEMO_PEOPLE)}


@pytest.mark.parametrize("username", DEMO_PEOPLE)
def test_no_page_is_wider_than_a_phone(phone, sign_in, screenshot, demo, username):
    sign_in(phone, demo[username])
    problems = []

    def check(page, visit):
        screenshot(page, f"phone-{username}-{visit.name}")
        if (why := too_wide(page)) is not None:
            problems.append(f"{visit.path}: {why}")
        if small := page.evaluate(SMALL_TICKBOXES_JS):
            problems.append(f"{visit.path}: tick boxes under 24 px: {', '.join(small)}")

    visits = walk(phone, check, extra=["/no-such-page/"])

    # The walk found the pages this person works with, not just the start page.
    assert len(visits) >= 5, [v.path for v in visits]
    assert not problems, "not made for a phone:\n" + "\n".join(problems)


def test_the_sign_in_page_fits_a_phone(phone, screenshot, demo):
    phone.goto("/login/")
    screenshot(phone, "phone-login")
    assert too_wide(phone) is None, too_wide(phone)


def test_the_check_notices_a_page_wider_than_the_phone(phone, sign_in, demo):
    """The detector itself: a line that cannot wrap past the right edge is caught."""
    sign_in(phone, demo["customer"])
    phone.goto("/")
    assert too_wide(phone) is None
    phone.evaluate(
        """() => {
            const line = document.createElement("span");
            line.className = "nowrap";
            line.textContent = "Waiting for the Escalation Managers' decision at Level 2, due tomorrow at 09:00";
            document.querySelector("main h1").appendChild(line);
        }"""
    )
    # Named by the outermost box that sticks out: the heading the line widened.
    assert " > h1 (right edge" in (too_wide(phone) or "")


def test_the_header_folds_into_a_menu_that_opens_from_the_keyboard(phone, sign_in, screenshot, demo):
    sign_in(phone, demo["manager"])
    phone.goto("/review/")
    header = phone.locator("header.top")
    review_queue = header.get_by_role("link", name="Review queue")
    menu = header.get_by_role("group").locator("summary")  # <details> is a group; its summary the button

    # Folded: one row (brand, Menu, bell), the links out of sight.
    expect(menu).to_have_text("Menu")
    expect(review_queue).to_be_hidden()
    expect(header.get_by_role("link", name="Notifications", exact=False)).to_be_visible()
    assert header.bounding_box()["height"] <= 64

    # Tab to it and open it with Enter: the links drop down over the page, each a large target.
    menu.focus()
    phone.keyboard.press("Enter")
    expect(review_queue).to_be_visible()
    screenshot(phone, "phone-manager-menu-open")
    assert too_wide(phone) is None, too_wide(phone)
    for link in header.locator("nav a").all():
        assert link.bounding_box()["height"] >= 24, link.inner_text()
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    phone.keyboard.press("Tab")
    expect(header.locator("nav a").first).to_be_focused()

    # Enter on the summary again folds it.
    menu.focus()
    phone.keyboard.press("Enter")
    expect(review_queue).to_be_hidden()

    # A tap follows a link from the menu.
    menu.click()
    header.get_by_role("link", name="Support queue").click()
    expect(phone.get_by_role("heading", name="Support queue", exact=True)).to_be_visible()


def test_on_a_wide_screen_the_links_show_without_a_menu(page, sign_in, demo):
    sign_in(page, demo["customer"])
    page.goto("/")
    header = page.locator("header.top")

    expect(header.locator("details.menu > summary")).to_be_hidden()
    expect(header.get_by_role("link", name="My cases")).to_be_visible()
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    # Brand, links and sign-out on one row.
    assert header.bounding_box()["height"] <= 64


def test_the_review_queue_is_a_card_per_escalation_with_its_case_and_claim_on_screen(phone, sign_in, screenshot, demo):
    sign_in(phone, demo["manager"])
    phone.goto("/review/")
    screenshot(phone, "phone-manager-review-cards")
    rows = phone.locator("#queue-results tbody tr")
    assert rows.count() >= 2

    for row in rows.all():
        case_link = row.locator("td.card-title a")
        claim = row.get_by_role("button", name=re.compile(r"^(Claim|Take over|Release)"))
        for control in (case_link, claim):
            expect(control).to_be_visible()
            box = control.bounding_box()
            assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], control
        # The case heads its card; each other cell says what it is.
        assert case_link.bounding_box()["y"] < row.locator("td.deadline").bounding_box()["y"]
        expect(row.locator("td.deadline")).to_have_attribute("data-label", "Deadline")
    # The column headings are for screen readers only: each cell carries its own.
    assert phone.locator("#queue-results thead").bounding_box()["height"] <= 1
    assert too_wide(phone) is None, too_wide(phone)


def test_the_support_queue_and_the_case_list_are_cards_on_a_phone(phone, sign_in, demo):
    sign_in(phone, demo["manager"])
    for path in ("/support/", "/"):
        phone.goto(path)
        first = phone.locator("table.list tbody tr").first
        title = first.locator("td.card-title a")
        expect(title).to_be_visible()
        box = title.bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"], path
        # A card, not a table row: the cells stack, each as wide as the card.
        cells = first.locator("td").all()
        assert len({round(cell.bounding_box()["x"]) for cell in cells}) == 1, path
