"""The customer's pages: what a tired customer at 2 a.m. reads on each one."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from django.utils.html import escape

from cases.models import Case
from cases.tests.factories import CaseFactory, days_ago
from escalations.models import Escalation, EscalationLevel
from escalations.services import check_eligibility, decide, escalate
from escalations.tests.factories import ELIGIBILITY_SITUATIONS, case_in_situation


def page_html(client, url, *args, **kwargs) -> str:
    """The page at ``url`` as HTML, after checking it answered 200 (an error page has words too)."""
    response = client.get(url, *args, **kwargs)
    assert response.status_code == 200, url
    return response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, case):
    response = client.get(case.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_sign_in_page_labels_its_fields(client):
    html = page_html(client, "/login/")

    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html


def test_the_case_list_shows_the_organizations_cases_only(browser, make_case, outsider):
    mine = make_case(subject="Our invoice export fails")
    CaseFactory(subject="Someone else's secret", requester=outsider, organization=outsider.organizations.get())

    html = page_html(browser, "/")

    assert mine.subject in html
    assert "Someone else" not in html


def test_the_case_list_filters_by_severity(browser, make_case):
    make_case(subject="Severity two thing", severity=2)
    make_case(subject="Severity four thing", severity=4)

    html = page_html(browser, "/?severity=4")

    assert "Severity four thing" in html
    assert "Severity two thing" not in html


def test_the_case_list_runs_a_fixed_number_of_queries(browser, make_case, customer, django_assert_max_num_queries):
    for n in range(3):
        escalate(make_case(created_at=days_ago(3)), customer, "other", f"Help {n}")
    with django_assert_max_num_queries(12) as few:
        response = browser.get("/")
    assert response.status_code == 200
    queries_with_three_cases = len(few.captured_queries)  # read now: a request resets the log
    for n in range(20):
        escalate(make_case(created_at=days_ago(3)), customer, "other", f"Help {n}")
    with django_assert_max_num_queries(queries_with_three_cases):
        response = browser.get("/")
    assert response.status_code == 200


def test_a_customer_opens_a_case_in_the_browser(browser):
    response = browser.post("/cases/new/", {"subject": "Reports are empty", "description": "Since the update.",
                                            "severity": "3", "customer_priority": "normal"})

    assert response.status_code == 302
    page = page_html(browser, response["Location"])
    assert "Reports are empty" in page


def test_an_empty_new_case_form_explains_what_is_missing(browser):
    response = browser.post("/cases/new/", {"subject": "", "description": "", "severity": "3",
                                            "customer_priority": "normal"})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_a_young_case_says_why_and_when_escalation_opens(browser, make_case):
    young = make_case(severity=2, created_at=timezone.now() - timedelta(minutes=30))

    html = page_html(browser, young.get_absolute_url())

    assert "Front-line support gets 4 hours" in html
    assert "data-countdown=" in html
    assert "disabled" in html
    assert f'href="/cases/{young.pk}/escalate/"' not in html


def test_an_eligible_case_offers_the_escalate_case_button(browser, make_case):
    old = make_case(created_at=days_ago(3))

    html = page_html(browser, old.get_absolute_url())

    assert f'href="/cases/{old.pk}/escalate/"' in html
    assert "Escalate Case" in html


def test_a_severity_1_case_explains_the_outage_process_and_offers_no_escalation(browser, make_case):
    outage = make_case(severity=1, created_at=days_ago(3))

    html = page_html(browser, outage.get_absolute_url())

    assert "on-call team" in html
    assert "24/7" in html
    assert "/escalate/" not in html


def test_the_escalation_form_states_the_four_hour_promise(browser, make_case):
    old = make_case(created_at=days_ago(3))

    html = page_html(browser, f"/cases/{old.pk}/escalate/")

    assert "within 4 business hours" in html
    assert "Why does this case need an escalation?" in html
    assert '<label for="id_summary">' in html


def test_the_pages_promise_the_review_time_the_level_has_not_four_hours(browser, make_case):
    EscalationLevel.objects.filter(number=1).update(review_within=timedelta(hours=2))
    old = make_case(created_at=days_ago(3))

    panel = page_html(browser, f"/cases/{old.pk}/")
    form = page_html(browser, f"/cases/{old.pk}/escalate/")

    assert "The Escalation Managers review your request within 2 business hours" in panel
    assert "The Escalation Managers review your request within 2 business hours" in form
    assert "4 business hours" not in panel + form


def test_submitting_the_form_escalates_and_shows_level_1_pending(browser, make_case, escalation_manager):
    old = make_case(created_at=days_ago(3))

    response = browser.post(f"/cases/{old.pk}/escalate/", {"reason": "time_constraint",
                                                           "summary": "Cert expires tomorrow."}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert Escalation.objects.get(case=old).level == 1
    assert "escalated to Level 1" in html
    assert "Pending review" in html
    assert "Decision due by" in html


def test_an_empty_summary_is_refused_with_a_message(browser, make_case):
    old = make_case(created_at=days_ago(3))

    response = browser.post(f"/cases/{old.pk}/escalate/", {"reason": "other", "summary": "  "})

    assert response.status_code == 400
    assert not Escalation.objects.exists()


def test_after_a_decline_the_form_is_escalate_again_higher(browser, make_case, customer, escalation_manager,
                                                            support_manager):
    old = make_case(created_at=days_ago(3))
    decide(escalate(old, customer, "other", "Help"), escalation_manager, "not_accepted", "Working as intended.")

    case_html = page_html(browser, old.get_absolute_url())
    form_html = page_html(browser, f"/cases/{old.pk}/escalate/")

    assert "Escalate again, to Level 2" in case_html
    assert "Working as intended." in case_html
    assert "again, to Level 2" in form_html
    assert "Support Management" in form_html
    assert "Customer Success Manager" in form_html


def test_the_escalation_form_of_an_ineligible_case_sends_back_with_the_reason(browser, make_case):
    young = make_case(severity=4, created_at=timezone.now())

    response = browser.get(f"/cases/{young.pk}/escalate/", follow=True)

    assert response.status_code == 200
    assert "Front-line support gets 16 hours" in response.content.decode()
    assert not Escalation.objects.exists()


def test_another_organizations_case_is_not_found(browser, outsider):
    foreign = CaseFactory(requester=outsider, organization=outsider.organizations.get(), subject="Private matter")

    for url in (foreign.get_absolute_url(), f"/cases/{foreign.pk}/escalate/"):
        response = browser.get(url)
        assert response.status_code == 404
        assert "Private matter" not in response.content.decode()
    assert browser.post(f"/cases/{foreign.pk}/priority/", {"customer_priority": "high"}).status_code == 404


def test_state_changes_refuse_get(browser, case):
    for action in ("comments", "priority"):
        assert browser.get(f"/cases/{case.pk}/{action}/").status_code == 405
    # The outage URL's GET is its confirmation step, which changes nothing.
    assert browser.get(f"/cases/{case.pk}/outage/").status_code == 200
    case.refresh_from_db()
    assert case.severity != 1


def test_a_customer_raises_priority_and_comments(browser, case):
    raised = browser.post(f"/cases/{case.pk}/priority/", {"customer_priority": "high"})
    commented = browser.post(f"/cases/{case.pk}/comments/", {"body": "This blocks our release."})

    assert (raised.status_code, commented.status_code) == (302, 302)

    case.refresh_from_db()
    assert case.customer_priority == "high"
    assert case.comments.filter(body="This blocks our release.", public=True).exists()


def test_the_case_page_runs_a_fixed_number_of_queries(browser, make_case, customer, escalation_manager,
                                                      django_assert_max_num_queries):
    old = make_case(created_at=days_ago(3))
    decide(escalate(old, customer, "other", "Help"), escalation_manager, "not_accepted", "No.")
    with django_assert_max_num_queries(20) as baseline:
        response = browser.get(old.get_absolute_url())
    assert response.status_code == 200
    queries_with_one_escalation = len(baseline.captured_queries)  # read now: a request resets the log
    for n in range(15):
        assert browser.post(f"/cases/{old.pk}/comments/", {"body": f"Comment {n}"}).status_code == 302

    with django_assert_max_num_queries(queries_with_one_escalation):
        response = browser.get(old.get_absolute_url())
    assert response.status_code == 200


def test_a_reply_whose_author_was_deleted_still_renders(browser, case, escalation_manager, customer):
    from cases.models import CaseComment

    CaseComment.objects.create(case=case, author=None, body="From a former colleague.", public=True)
    escalation = escalate(make_old(case), customer, "other", "Help")
    decide(escalation, escalation_manager, "accepted", "Plan.")
    Escalation.objects.filter(pk=escalation.pk).update(reviewed_by=None)

    response = browser.get(case.get_absolute_url())

    assert response.status_code == 200
    assert "From a former colleague." in response.content.decode()


def make_old(case):
    case.created_at = days_ago(3)
    case.save()
    return case


def long_history(case, requesters, reviewers):
    """Four escalation levels and 30 comments, each by someone else: a per-row query shows.

    The notifications make the staff-only sent log non-empty for every level.
    """
    from cases.models import CaseComment
    from notifications.models import Notification

    for level in range(1, 5):
        escalation = Escalation.objects.create(
            case=case,
            level=level,
            requested_by=requesters[level % len(requesters)],
            reason="other",
            summary=f"Level {level}, please.",
            status="not_accepted" if level < 4 else "pending",
            created_at=case.created_at + timedelta(days=level),
            review_due_at=case.created_at + timedelta(days=level, hours=4),
            reviewed_by=reviewers[level % len(reviewers)] if level < 4 else None,
            reviewed_at=case.created_at + timedelta(days=level, hours=1) if level < 4 else None,
        )
        for recipient in reviewers:
            Notification.objects.create(
                recipient=recipient, kind="escalation_alert", subject="Escalated", body="x", case=case,
                escalation=escalation, dedupe_key=f"test-{escalation.pk}-{recipient.pk}",
            )
    people = [*requesters, *reviewers]
    for n in range(30):
        CaseComment.objects.create(case=case, author=people[n % len(people)], body=f"Reply {n}", public=n % 3 != 0)


@pytest.fixture
def reviewers(escalation_manager, support_manager, senior_manager, vp):
    return [escalation_manager, support_manager, senior_manager, vp]


# The query counts below are the pages' whole cost, the bell's unread count included: a
# query added per escalation, comment or case, or a fact read twice, fails them.
CUSTOMER_CASE_PAGE_QUERIES = 7  # session, user, groups, case, escalations, comments, bell
STAFF_CASE_PAGE_QUERIES = 8  # the same and the notifications sent for each level


def test_the_customer_case_page_runs_seven_queries_however_long_its_history(
    browser, make_case, customer, colleague, reviewers, django_assert_max_num_queries
):
    case = make_case(created_at=days_ago(10))
    long_history(case, [customer, colleague], reviewers)

    with django_assert_max_num_queries(CUSTOMER_CASE_PAGE_QUERIES):
        response = browser.get(case.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Level 4" in html and "Reply 29" in html
    assert "Reply 0" not in html  # internal notes stay internal
    assert "already escalated to Level 4" in html


def test_the_staff_case_page_runs_eight_queries_however_long_its_history(
    client, make_case, customer, colleague, reviewers, escalation_manager, django_assert_max_num_queries
):
    case = make_case(created_at=days_ago(10))
    long_history(case, [customer, colleague], reviewers)
    client.force_login(escalation_manager)

    with django_assert_max_num_queries(STAFF_CASE_PAGE_QUERIES):
        response = client.get(case.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Reply 0" in html and "Notifications for Level 4 (4)" in html


def test_the_case_list_runs_eight_queries_for_a_full_page(
    browser, make_case, customer, colleague, reviewers, django_assert_max_num_queries
):
    for n in range(30):  # more than a page of 25
        long_history(make_case(subject=f"Case {n}", created_at=days_ago(10)), [customer, colleague], reviewers[:1])

    # session, user, groups, count, cases, their escalations, may-open-cases, bell
    with django_assert_max_num_queries(8):
        response = browser.get("/")

    assert response.status_code == 200
    assert response.content.decode().count("Level 4") == 25


@pytest.mark.parametrize("situation", ELIGIBILITY_SITUATIONS)
def test_the_case_page_says_what_the_service_reads_in_every_situation(
    situation, client, organization, customer, escalation_manager
):
    now = timezone.now()
    case, user = case_in_situation(situation, organization=organization, member=customer,
                                   staff=escalation_manager, now=now)
    client.force_login(user)

    with time_machine.travel(now, tick=False):
        html = page_html(client, case.get_absolute_url())
        expected = check_eligibility(Case.objects.get(pk=case.pk), user)

    assert expected.code == ELIGIBILITY_SITUATIONS[situation][0]
    assert (f'href="/cases/{case.pk}/escalate/"' in html) == expected.eligible
    if not expected.eligible:
        assert escape(expected.message) in html
    elif expected.next_level > 1:
        assert f"Escalate again, to Level {expected.next_level}" in html


# --- The case list says what each case waits for -------------------------------------------------

# Situation (escalations.tests.factories) -> what the list says of it: where the case stands,
# the next moment, and when it comes (hours from now), if it has a time.
LIST_STATES = {
    "case_closed": ("Not escalated", "", None),
    "severity_1": ("Outage: on-call working", "", None),
    "too_early": ("Not escalated", "Escalation opens", 3),  # Severity 2, premium: 4 h from creation
    "first_level": ("Not escalated", "Can be escalated now", None),
    "review_pending": ("Level 1 in review", "Decision due", 2),
    "review_overdue": ("Level 1 review overdue", "Can go to Level 2 now", None),
    "after_a_decision": ("Level 2 not accepted", "Can go to Level 3 now", None),
    "max_level": ("Level 4 accepted", "", None),
}
LIST_NOW = datetime(2026, 11, 25, 14, 5, tzinfo=UTC)


def list_row(html, case) -> str:
    start = html.index(f'<a href="{case.get_absolute_url()}">#{case.pk}</a>')
    return html[start : html.index("</tr>", start)]


@pytest.mark.parametrize("viewer", ["member", "staff", "csm"])
def test_the_case_list_says_each_cases_escalation_state_and_next_moment(
    client, organization, customer, escalation_manager, csm, viewer
):
    with time_machine.travel(LIST_NOW, tick=False):
        cases = {
            name: case_in_situation(name, organization=organization, member=customer, staff=None, now=LIST_NOW)[0]
            for name in LIST_STATES
        }
        client.force_login({"member": customer, "staff": escalation_manager, "csm": csm}[viewer])
        html = page_html(client, "/")

    for name, (where, then, hours) in LIST_STATES.items():
        row = list_row(html, cases[name])
        cell = row[row.index('class="esc-state"') :]
        assert f">{where}</span>" in cell, name
        if then:
            assert f'<div class="small">{then}' in cell, name
        else:
            assert '<div class="small">' not in cell, name
        if hours is not None:
            shown = re.search(r'<time datetime="([^"]+)">', cell).group(1)
            assert datetime.fromisoformat(shown) == LIST_NOW + timedelta(hours=hours), name


def test_the_case_list_state_costs_no_query_per_case(
    browser, organization, customer, escalation_manager, django_assert_max_num_queries
):
    def add_cases(count):
        names = list(LIST_STATES)
        for n in range(count):
            case_in_situation(names[n % len(names)], organization=organization, member=customer, staff=None, now=now)

    now = timezone.now()
    add_cases(5)
    with django_assert_max_num_queries(12) as with_five:
        assert browser.get("/").status_code == 200
    queries_with_five = len(with_five.captured_queries)  # read now: a request resets the log
    add_cases(45)

    with django_assert_max_num_queries(queries_with_five):
        response = browser.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "50 cases" in html
    assert html.count('class="esc-state"') == 25  # a page, each row with its state
