"""The review team in real Chromium: the queue, the decision, the levels' responders, the RCA.

The staff side of the customer's journey in test_customer_escalation.py: an escalation
manager works the queue most urgent first and declines; the customer reads the reply and
goes to Level 2; Level 3 belongs to the region's senior management, Level 4 to the VP,
who cannot resolve it without its root cause analysis; the queue refreshes itself.
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import CaseComment
from escalations.models import Escalation, EscalationLevel, RootCauseAnalysis
from escalations.services import decide, escalate, review_deadline
from tests.browser.conftest import TIMEOUT_MS, VIEWPORT

# transaction=True: the live server reads through its own connection (see test_customer_escalation.py).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECLINE_REASON = "A fix for the export ships in Thursday's release; escalating would not make it sooner."


def ago(**delta):
    return timezone.now() - timedelta(**delta)


@pytest.fixture
def new_page(chromium, live_server):
    """``new_page()``: another person's browser, a fresh context with the same checks as ``page``."""
    contexts, broken = [], []
    static_prefix = urlsplit(django_settings.STATIC_URL).path

    def check_asset(response):
        if response.status >= 400 and urlsplit(response.url).path.startswith(static_prefix):
            broken.append(f"{response.status} {response.url}")

    def open_page():
        context = chromium.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-US", timezone_id="UTC")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        opened = context.new_page()
        opened.on("response", check_asset)
        opened.on("pageerror", lambda error: broken.append(f"script error: {error}"))
        return opened

    yield open_page
    for context in contexts:
        context.close()
    assert not broken, f"the page's own assets or scripts failed: {broken}"


def escalate_to(level, case, customer, deciders):
    """Escalate ``case`` to ``level``, each lower level declined by its decider; the top one pending."""
    for number in range(1, level):
        lower = escalate(case, customer, "no_updates", f"Still no update (Level {number}).")
        decide(lower, deciders[number], "not_accepted", f"Level {number}: the fix is scheduled.")
    return escalate(case, customer, "major_impairment", f"Quarter close is blocked (Level {level}).")


def queue_rows(page):
    return page.locator("#queue-results tbody tr")


def csrf_token(page):
    return page.locator("input[name=csrfmiddlewaretoken]").first.input_value()


def test_the_manager_declines_the_most_urgent_escalation_and_the_customer_takes_it_to_level_2(
    page, new_page, sign_in, screenshot, customer, make_case, escalation_manager
):
    overdue_case = make_case(subject="Invoice export is empty", created_at=ago(days=12))
    soon_case = make_case(subject="Dashboard charts are blank", created_at=ago(days=12))
    later_case = make_case(subject="Password reset mail is slow", created_at=ago(days=12))
    overdue = escalate(overdue_case, customer, "no_updates", "No update for a week.", now=ago(days=10))
    later = escalate(later_case, customer, "time_constraint", "Our audit starts on Monday.")
    # Escalated earlier, so due earlier: walk back until its deadline falls between now and the later one's.
    level_1 = EscalationLevel.objects.get(number=1)
    start = timezone.now()
    ten_minutes_on = timezone.now() + timedelta(minutes=10)
    while not (ten_minutes_on < review_deadline(soon_case, level_1, start) < later.review_due_at):
        start -= timedelta(minutes=30)
        assert start > ago(days=7), "no start time gives a deadline between now and the later one's"
    soon = escalate(soon_case, customer, "major_impairment", "Nobody can see the charts.", now=start)
    assert overdue.review_due_at < timezone.now() < soon.review_due_at < later.review_due_at
    sign_in(page, escalation_manager)

    page.goto("/review/")

    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    rows = queue_rows(page)
    expect(rows).to_have_count(3)
    for row, subject in zip(rows.all(), [overdue_case.subject, soon_case.subject, later_case.subject], strict=True):
        expect(row.get_by_role("link")).to_have_text(subject)
    expect(rows.nth(0)).to_have_class(re.compile(r"\boverdue\b"))
    expect(rows.nth(0).locator(".overdue-badge")).to_have_text("Overdue")
    # The headline is the clock time the queue is ordered by; business time is beside it.
    expect(rows.nth(0).locator(".time-left")).to_have_text(re.compile(r"^Overdue by \d+ h \d+ m$"))
    expect(rows.nth(0).locator(".business-left")).to_have_text(re.compile(r"^overdue by .+ of business time$"))
    for row in (rows.nth(1), rows.nth(2)):
        expect(row).not_to_have_class(re.compile(r"\boverdue\b"))
        expect(row.locator(".overdue-badge")).to_have_count(0)
        expect(row.locator(".time-left")).to_have_text(re.compile(r"^Due in "))
        expect(row.locator(".business-left")).to_have_text(re.compile(r"of business time left$"))
    expect(page.locator(".queue-summary")).to_contain_text("3 escalations · 1 overdue")
    screenshot(page, "review-queue")

    rows.nth(0).get_by_role("link", name=overdue_case.subject).click()

    expect(page).to_have_url(re.compile(rf"/review/{overdue.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Level 1 escalation: case #{overdue_case.pk}, {overdue_case.subject}"
    )
    decision = page.locator("#decision")
    expect(page.locator(".esc-status .overdue-badge")).to_be_visible()
    expect(page.locator(".summary-box")).to_have_text("No update for a week.")
    decision.get_by_label("Decline, with the reason").check()
    decision.get_by_label("Reply to the customer").fill(DECLINE_REASON)
    screenshot(page, "escalation-decision")
    decision.get_by_role("button", name="Send decision").click()

    expect(page.get_by_role("status")).to_contain_text('Declined. Your reason and the automatic "not accepted" reply')
    expect(page.locator("#decision")).to_contain_text("Not accepted")
    expect(page.locator("#thread")).to_contain_text(DECLINE_REASON)
    overdue.refresh_from_db()
    assert (overdue.status, overdue.reviewed_by, overdue.decision_message) == (
        "not_accepted",
        escalation_manager,
        DECLINE_REASON,
    )

    # The customer, in their own browser.
    customer_page = new_page()
    sign_in(customer_page, customer)
    customer_page.goto(overdue_case.get_absolute_url())

    thread = customer_page.locator("#thread")
    expect(thread).to_contain_text(DECLINE_REASON)
    expect(thread).to_contain_text("Your Level 1 escalation was not accepted.")
    expect(customer_page.locator("#escalation-1")).to_contain_text("Not accepted")
    customer_page.get_by_role("link", name="Escalate Case", exact=True).click()
    expect(customer_page.get_by_role("heading", level=1)).to_have_text(
        f"Escalate case #{overdue_case.pk} again, to Level 2"
    )
    customer_page.get_by_label("Why does this case need an escalation?").select_option("time_constraint")
    customer_page.get_by_label("Summary for the reviewer").fill("Thursday is too late: our books close Wednesday.")
    customer_page.get_by_role("button", name="Escalate to Level 2").click()
    expect(customer_page.locator("#escalation-2")).to_contain_text("Pending review")

    page.goto("/review/")

    level_2 = Escalation.objects.get(case=overdue_case, level=2)
    row = queue_rows(page).filter(has=page.get_by_role("link", name=overdue_case.subject))
    expect(row).to_have_count(1)  # the declined Level 1 left the queue; Level 2 took its place
    expect(row).to_contain_text("Level 2")
    expect(row.get_by_role("link")).to_have_attribute("href", f"/review/{level_2.pk}/")
    expect(row.locator(".business-left")).to_have_text(re.compile(r"of business time left$"))
    expect(queue_rows(page)).to_have_count(3)


def test_level_3_is_decided_by_the_regions_senior_manager_not_by_an_escalation_manager(
    page, new_page, sign_in, customer, make_case, escalation_manager, senior_manager, region
):
    case = make_case(subject="Backups fail every night", created_at=ago(days=3))
    level_3 = escalate_to(3, case, customer, {1: escalation_manager, 2: escalation_manager})
    comments_before = CaseComment.objects.filter(case=case).count()
    sign_in(page, escalation_manager)

    page.goto(f"/review/{level_3.pk}/")

    decision = page.locator("#decision")
    expect(decision).to_contain_text(
        "You can read this escalation, not decide it. "
        f"Level 3 escalations are decided personally by the {region.name} region's senior management."
    )
    expect(decision).to_contain_text(f"They are: {senior_manager.get_full_name()}.")
    expect(decision.locator("form")).to_have_count(0)
    expect(page.get_by_role("button", name="Send decision")).to_have_count(0)
    expect(page.get_by_role("radio")).to_have_count(0)

    # A decision forged past the page (valid session and CSRF token) reaches the view and is refused.
    response = page.request.post(
        f"/review/{level_3.pk}/decision/",
        form={"csrfmiddlewaretoken": csrf_token(page), "decision": "accepted", "message": "Forged acceptance."},
    )
    assert response.status == 200 and urlsplit(response.url).path == f"/review/{level_3.pk}/", response.url
    assert "can decide a Level 3 escalation of this case" in response.text()
    level_3.refresh_from_db()
    assert (level_3.status, level_3.reviewed_by, level_3.decision_message) == ("pending", None, "")
    assert CaseComment.objects.filter(case=case).count() == comments_before

    senior_page = new_page()
    sign_in(senior_page, senior_manager)
    senior_page.goto(f"/review/{level_3.pk}/")
    decision = senior_page.locator("#decision")
    decision.get_by_label("Accept, with a plan of action").check()
    plan = "I have put two engineers on the backup job; you will hear from me by 17:00 today."
    decision.get_by_label("Reply to the customer").fill(plan)
    decision.get_by_role("button", name="Send decision").click()

    expect(senior_page.get_by_role("status")).to_contain_text("Accepted. Your plan of action is in the case's")
    level_3.refresh_from_db()
    assert (level_3.status, level_3.reviewed_by) == ("accepted", senior_manager)

    customer_page = new_page()
    sign_in(customer_page, customer)
    customer_page.goto(case.get_absolute_url())
    expect(customer_page.locator("#thread")).to_contain_text(plan)
    expect(customer_page.locator("#escalation-3")).to_contain_text("Accepted")


def test_level_4_is_accepted_by_the_vp_and_resolved_only_after_the_root_cause_analysis(
    page, new_page, sign_in, screenshot, customer, make_case, escalation_manager, senior_manager, vp
):
    case = make_case(subject="Orders vanish after checkout", created_at=ago(days=3))
    level_4 = escalate_to(4, case, customer, {1: escalation_manager, 2: escalation_manager, 3: senior_manager})
    sign_in(page, vp)

    page.goto(f"/review/{level_4.pk}/")

    rca = page.locator("#rca")
    expect(rca.get_by_role("heading")).to_have_text("Root cause analysis")
    expect(rca).to_contain_text("After the decision, the person who decides files the root cause analysis here.")
    decision = page.locator("#decision")
    decision.get_by_label("Accept, with a plan of action").check()
    decision.get_by_label("Reply to the customer").fill("I own this now. A daily update from me until it is fixed.")
    decision.get_by_role("button", name="Send decision").click()

    expect(page.get_by_role("status")).to_contain_text("Accepted.")
    expect(page.locator(".next-step")).to_have_text("Next: file the root cause analysis")
    expect(rca).to_contain_text("Level 4 requires a root cause analysis")
    resolve = page.locator("#resolve").get_by_role("button", name="Resolve")
    expect(resolve).to_be_disabled()
    expect(resolve).to_have_accessible_description(
        "A Level 4 escalation can be resolved only after its root cause analysis is filed (above)."
    )
    screenshot(page, "escalation-rca")
    rca.get_by_label("Root cause").fill("A retry storm dropped orders when the payment queue was full.")
    rca.get_by_label("Contributing factors").fill("No alert on the queue's depth.")
    rca.get_by_label("Corrective actions").fill("Bounded retries with backoff; an alert at 80% queue depth.")
    rca.get_by_label("Summary for the customer").fill("Orders were lost when a queue filled up; it is now watched.")
    rca.get_by_role("button", name="File the analysis").click()

    expect(page.get_by_role("status")).to_contain_text("The root cause analysis is filed.")
    expect(rca).to_contain_text("A retry storm dropped orders when the payment queue was full.")
    expect(rca.get_by_role("button")).to_have_count(0)
    expect(resolve).to_be_enabled()
    resolve.click()

    expect(page.get_by_role("status")).to_contain_text("Resolved.")
    expect(page.locator("#decision")).to_contain_text("Resolved")
    level_4.refresh_from_db()
    assert level_4.status == "resolved" and level_4.resolved_at is not None
    analysis = RootCauseAnalysis.objects.get(escalation=level_4)
    assert (analysis.completed_by, analysis.contributing_factors) == (vp, "No alert on the queue's depth.")

    # The customer reads the summary written for her on the case page, and nothing else of the analysis.
    customer_page = new_page()
    sign_in(customer_page, customer)
    customer_page.goto(case.get_absolute_url())
    summary = customer_page.locator("#rca-4")
    expect(summary).to_contain_text("Orders were lost when a queue filled up; it is now watched.")
    expect(customer_page.locator("main")).not_to_contain_text("A retry storm dropped orders")
    expect(customer_page.locator("main")).not_to_contain_text("Bounded retries with backoff")


def test_the_open_queue_shows_a_new_escalation_after_its_30_second_poll_without_a_reload(
    page, sign_in, customer, make_case, escalation_manager
):
    waiting = make_case(subject="Search returns nothing", created_at=ago(days=3))
    escalate(waiting, customer, "no_updates", "Nothing for two days.")
    sign_in(page, escalation_manager)
    # queue.js polls every 30 s, a constant: a fake clock makes that instant.
    page.clock.install()

    page.goto("/review/")

    expect(queue_rows(page)).to_have_count(1)
    stamp = page.locator("#queue-updated")
    expect(stamp).to_have_text(re.compile(r"^Updated \d\d:\d\d:\d\d"))
    first_stamp = stamp.inner_text()
    page.evaluate("window.sameDocument = true")
    newcomer = make_case(subject="Exports time out since Monday", created_at=ago(days=3))
    escalate(newcomer, customer, "major_impairment", "Month-end reports cannot run.")

    page.clock.fast_forward("00:31")

    expect(queue_rows(page)).to_have_count(2)
    expect(page.get_by_role("link", name=newcomer.subject)).to_be_visible()
    expect(page.locator(".queue-summary")).to_contain_text("2 escalations")
    expect(stamp).not_to_have_text(first_stamp)
    expect(stamp).to_have_text(re.compile(r"^Updated \d\d:\d\d:\d\d"))
    assert page.evaluate("window.sameDocument") is True  # swapped in place: no navigation
