"""A customer of a premium organization, in real Chromium: from signing in to Level 2.

Each test reads the page the way the customer does: visible text, roles and labels,
where the button sits, whether the countdown moves, what the keyboard reaches.
"""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.tests.factories import CaseFactory
from escalations.models import Escalation
from escalations.services import decide, escalate

# transaction=True: the live server reads through its own connection, so the data must be
# committed (conftest.seeded_rules puts back the seeded rules that each flush removes).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # cases.tests.factories.UserFactory
COUNTDOWN = re.compile(r"^(?:(\d+) d )?(?:(\d+) h )?(\d+) m (\d+) s$")


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def seconds_left(countdown_text):
    """Seconds shown by a countdown such as '3 h 29 m 58 s' (or '1 d 2 h 0 m 0 s', '29 m 58 s')."""
    match = COUNTDOWN.match(countdown_text.strip())
    assert match, f"not a countdown: {countdown_text!r}"
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def time_attribute(locator):
    return datetime.fromisoformat(locator.get_attribute("datetime"))


@pytest.fixture
def premium_customer(customer, organization):
    """Cora, a member of Acme, a premium-tier organization."""
    assert organization.tier.slug == "premium"
    return customer


def test_a_customer_signs_in_through_the_form_and_sees_their_case(page, premium_customer, make_case):
    make_case(subject="Nightly invoice export is empty")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.get_by_label("Username").fill(premium_customer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Your organization's cases")).to_be_visible()
    expect(page.get_by_role("link", name="Nightly invoice export is empty")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_young_case_says_why_and_when_and_counts_down_with_a_disabled_button(
    page, sign_in, screenshot, premium_customer, make_case
):
    young = make_case(subject="Reports time out", severity=2, created_at=ago(minutes=30))
    sign_in(page, premium_customer)

    page.goto(young.get_absolute_url())

    panel = page.locator("#escalate")
    expect(panel).to_contain_text("Front-line support gets 4 hours")
    expect(panel).to_contain_text("You can escalate this case from")
    opens_at = time_attribute(panel.locator("time"))
    assert abs(opens_at - (young.created_at + timedelta(hours=4))) < timedelta(seconds=1)
    countdown = panel.locator("[data-countdown]")
    expect(countdown).to_have_text(COUNTDOWN)  # the script has replaced the server's "3 hours, 29 minutes"
    first = seconds_left(countdown.inner_text())
    page.wait_for_timeout(1_500)
    second = seconds_left(countdown.inner_text())
    assert 3 * 3600 + 25 * 60 < first <= 3 * 3600 + 30 * 60, first
    assert 1 <= first - second <= 3, (first, second)
    expect(panel.get_by_role("button", name="Escalate Case", exact=True)).to_be_disabled()
    expect(page.get_by_role("link", name="Escalate Case")).to_have_count(0)
    screenshot(page, "too-early")


def test_an_eligible_case_escalates_to_level_1_from_the_button_under_the_details(
    page, sign_in, screenshot, premium_customer, make_case, escalation_manager
):
    old = make_case(subject="Certificate renewal is stuck", severity=3, created_at=ago(days=3))
    sign_in(page, premium_customer)

    page.goto(old.get_absolute_url())
    details = page.locator("section", has=page.get_by_role("heading", name="Case details")).bounding_box()
    thread = page.locator("#thread").bounding_box()
    button = page.get_by_role("link", name="Escalate Case", exact=True)
    where = button.bounding_box()
    # The article: bottom left, under the case details, in the left column.
    assert where["y"] >= details["y"] + details["height"]
    assert details["x"] <= where["x"] < details["x"] + details["width"]
    assert where["x"] + where["width"] <= thread["x"]
    screenshot(page, "case-page")

    button.click()

    expect(page).to_have_url(re.compile(rf"/cases/{old.pk}/escalate/$"))
    expect(page.get_by_role("heading", name=f"Escalate case #{old.pk}")).to_be_visible()
    promise = page.locator(".notice")
    expect(promise).to_contain_text("The Escalation Managers review your request within 4 business hours, by")
    promised_by = time_attribute(promise.locator("time"))
    assert promised_by > timezone.now()
    page.get_by_label("Why does this case need an escalation?").select_option(
        label="Time constraint (certificate expiring, deadline, event)"
    )
    page.get_by_label("Summary for the reviewer").fill("Our certificate expires tomorrow at 09:00.")
    screenshot(page, "escalation-form")
    page.get_by_role("button", name="Submit escalation").click()

    expect(page).to_have_url(re.compile(rf"/cases/{old.pk}/#escalation-1$"))
    expect(page.get_by_role("status")).to_contain_text("Your case is escalated to Level 1")
    entry = page.locator("#escalation-1")
    expect(entry).to_contain_text("Level 1")
    expect(entry).to_contain_text("Pending review")
    expect(entry).to_contain_text("Decision due by")
    expect(entry).to_contain_text("Our certificate expires tomorrow at 09:00.")
    escalation = Escalation.objects.get(case=old)  # exactly one, or this raises
    assert (escalation.level, escalation.reason) == (1, "time_constraint")
    assert abs(escalation.review_due_at - promised_by) < timedelta(minutes=1)  # the promise on the form held
    assert time_attribute(entry.locator("strong time")) == escalation.review_due_at


def test_a_severity_1_case_explains_the_outage_process_and_offers_no_escalation(
    page, sign_in, premium_customer, make_case
):
    outage = make_case(subject="Production is down", severity=1, created_at=ago(days=3))
    sign_in(page, premium_customer)

    page.goto(outage.get_absolute_url())

    panel = page.locator("#escalate")
    expect(panel.get_by_role("heading")).to_have_text("Outage: on-call is working this case")
    expect(panel).to_contain_text("on-call team")
    expect(panel).to_contain_text("24/7")
    expect(page.get_by_role("link", name="Escalate Case")).to_have_count(0)
    expect(page.get_by_role("button", name="Escalate Case")).to_have_count(0)


def test_another_organizations_case_is_not_found(page, sign_in, premium_customer, outsider):
    foreign = CaseFactory(organization=outsider.organizations.get(), requester=outsider, subject="Initech payroll leak")
    sign_in(page, premium_customer)

    for url in (foreign.get_absolute_url(), f"/cases/{foreign.pk}/escalate/"):
        response = page.goto(url)

        assert response.status == 404
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        assert "Initech payroll leak" not in page.content()
    assert not Escalation.objects.exists()


def test_the_escalate_form_works_with_the_keyboard_alone(page, sign_in, premium_customer, make_case):
    old = make_case(severity=3, created_at=ago(days=3))
    sign_in(page, premium_customer)
    page.goto(f"/cases/{old.pk}/escalate/")

    def focused():
        return page.evaluate(
            "document.activeElement && (document.activeElement.id || document.activeElement.textContent)"
        )

    for _ in range(30):  # Tab from the top of the page, as a keyboard user does, to the first field
        page.keyboard.press("Tab")
        if focused() == "id_reason":
            break
    else:
        pytest.fail("Tab never reaches the reason field")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#id_reason")).to_have_value("major_impairment")
    page.keyboard.press("Tab")
    assert focused() == "id_summary"
    page.keyboard.type("Checkout fails for every customer paying by card.")
    page.keyboard.press("Tab")
    assert focused().strip() == "Submit escalation"
    page.keyboard.press("Enter")

    expect(page.locator("#escalation-1")).to_contain_text("Pending review")
    escalation = Escalation.objects.get(case=old)
    assert escalation.reason == "major_impairment"
    assert escalation.summary == "Checkout fails for every customer paying by card."


def test_after_a_decline_the_customer_reads_the_reply_and_escalates_again_to_level_2(
    page, sign_in, screenshot, premium_customer, make_case, escalation_manager
):
    old = make_case(subject="Data sync drops records", severity=3, created_at=ago(days=3))
    level_1 = escalate(old, premium_customer, "no_updates", "No update for two days.")
    decide(level_1, escalation_manager, "not_accepted", "Engineering has a fix scheduled for Thursday's release.")
    sign_in(page, premium_customer)

    page.goto(old.get_absolute_url())

    expect(page.locator("#thread")).to_contain_text("Engineering has a fix scheduled for Thursday's release.")
    expect(page.locator("#escalation-1")).to_contain_text("Not accepted")
    expect(page.locator("#escalate").get_by_role("heading")).to_have_text("Escalate again, to Level 2")
    page.get_by_role("link", name="Escalate Case", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Escalate case #{old.pk} again, to Level 2")
    expect(page.locator(".notice")).to_contain_text("Support Management")
    expect(page.get_by_role("region", name="Earlier escalations of this case")).to_contain_text("Level 1: Not accepted")
    page.get_by_label("Why does this case need an escalation?").select_option("time_constraint")
    page.get_by_label("Summary for the reviewer").fill("Thursday is too late: our quarter closes on Wednesday.")
    screenshot(page, "escalate-again")
    page.get_by_role("button", name="Escalate to Level 2").click()

    expect(page.locator("#escalation-2")).to_contain_text("Pending review")
    assert list(Escalation.objects.filter(case=old).values_list("level", "status").order_by("level")) == [
        (1, "not_accepted"),
        (2, "pending"),
    ]
