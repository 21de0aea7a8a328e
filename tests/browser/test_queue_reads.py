"""The review queue reads itself at a laptop's width, and Severity 1 asks first, in real Chromium.

Issue 12: at 1280 px the Assignee column (with Claim) was clipped off the right of the queue;
raising a case to Severity 1 was one click that paged on-call. Both are checked as a person
sees them: the queue's table fits its card, the Claim button is on screen; the outage button
leads to a confirmation that says who is paged, with and without JavaScript.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Severity
from cases.tests.factories import OrganizationFactory, UserFactory
from escalations.models import Escalation
from escalations.services import escalate
from notifications.models import Notification
from tests.browser.conftest import TIMEOUT_MS, VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def test_at_1280_px_the_queue_fits_its_card_and_claim_is_on_screen(
    page, sign_in, screenshot, customer, make_case, escalation_manager
):
    wordy = OrganizationFactory(
        name="Northwind Traders International Holdings", members=[customer], tier=customer.organizations.get().tier
    )
    requester = UserFactory(username="requester", first_name="Maximiliane", last_name="Oberhausen-Wittgenstein")
    colleague = UserFactory(
        username="colleague-em",
        first_name="Bartholomew",
        last_name="Fitzgerald-Kensington",
        groups=["Escalation Managers"],
    )
    wordy.members.add(requester)
    # Overdue, due soon, claimed by a colleague (Take over) and fresh: every kind of row at once.
    for n, escalated in enumerate((ago(days=3, hours=2), ago(hours=3, minutes=30), ago(hours=2), ago(minutes=5))):
        case = make_case(
            organization=wordy,
            requester=requester,
            subject=f"Nightly invoice export to the finance data warehouse fails with a timeout ({n})",
            created_at=ago(days=5),
        )
        escalation = escalate(case, requester, "time_constraint", "Month-end close depends on it.", now=escalated)
        if n == 2:
            Escalation.objects.filter(pk=escalation.pk).update(assignee=colleague, assigned_at=ago(hours=1))
    sign_in(page, escalation_manager)

    page.goto("/review/")

    card = page.locator("#queue-results .table-card")
    widths = card.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] <= widths[1], f"the queue's table is wider than its card: {widths}"
    for name in ("Claim", "Take over"):
        button = page.get_by_role("button", name=name).first
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box["x"] + box["width"] <= VIEWPORT["width"], (name, box)
    screenshot(page, "review-queue-1280")


def test_severity_1_asks_first_says_who_is_paged_and_raises_only_when_confirmed(
    page, sign_in, screenshot, customer, make_case
):
    UserFactory(username="pager1", groups=["On-call"])
    UserFactory(username="pager2", groups=["On-call"])
    case = make_case(subject="Checkout answers 502", created_at=ago(hours=1))
    sign_in(page, customer)
    page.goto(case.get_absolute_url())

    page.get_by_role("link", name="This is an outage: raise to Severity 1").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Raise case #{case.pk} to Severity 1?")
    effects = page.locator("#outage-effects")
    expect(effects).to_contain_text("2 people in the On-call group")
    expect(effects).to_contain_text("24/7")
    expect(effects).to_contain_text("cannot be escalated")
    screenshot(page, "outage-confirm")
    assert not Notification.objects.filter(kind="outage_alert").exists()
    page.get_by_role("link", name="Cancel: keep").click()
    case.refresh_from_db()
    assert case.severity != Severity.OUTAGE

    page.get_by_role("link", name="This is an outage: raise to Severity 1").click()
    page.get_by_role("button", name="Raise to Severity 1 and page on-call").click()

    expect(page.locator(".messages")).to_contain_text(f"Case #{case.pk} is now Severity 1")
    expect(page.locator("#escalate").get_by_role("heading")).to_have_text("Outage: on-call is working this case")
    expect(page.get_by_role("link", name="This is an outage: raise to Severity 1")).to_have_count(0)
    assert Notification.objects.filter(kind="outage_alert").count() == 2
    screenshot(page, "outage-raised")


def test_the_confirmation_works_without_javascript(chromium, live_server, sign_in, customer, make_case):
    UserFactory(username="pager", groups=["On-call"])
    case = make_case(subject="Login page is down", created_at=ago(hours=1))
    context = chromium.new_context(
        base_url=live_server.url, viewport=VIEWPORT, locale="en-US", timezone_id="UTC", java_script_enabled=False
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, customer)
        page.goto(case.get_absolute_url())
        page.get_by_role("link", name="This is an outage: raise to Severity 1").click()
        expect(page.locator("#outage-effects")).to_contain_text("1 person in the On-call group")
        page.get_by_role("button", name="Raise to Severity 1 and page on-call").click()
        expect(page.locator(".messages")).to_contain_text("the on-call team has been paged")
    finally:
        context.close()
    case.refresh_from_db()
    assert case.severity == Severity.OUTAGE
