"""The customer's pages: what a tired customer at 2 a.m. reads on each one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.tests.factories import CaseFactory
from escalations.models import Escalation
from escalations.services import decide, escalate


@pytest.fixture
def browser(client, customer, organization):
    client.force_login(customer)
    return client


def days_ago(n):
    return timezone.now() - timedelta(days=n)


def test_anonymous_visitors_are_sent_to_sign_in(client, case):
    response = client.get(case.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_sign_in_page_labels_its_fields(client):
    html = client.get("/login/").content.decode()

    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html


def test_the_case_list_shows_the_organizations_cases_only(browser, make_case, outsider):
    mine = make_case(subject="Our invoice export fails")
    CaseFactory(subject="Someone else's secret", requester=outsider, organization=outsider.organizations.get())

    html = browser.get("/").content.decode()

    assert mine.subject in html
    assert "Someone else" not in html


def test_the_case_list_filters_by_severity(browser, make_case):
    make_case(subject="Severity two thing", severity=2)
    make_case(subject="Severity four thing", severity=4)

    html = browser.get("/?severity=4").content.decode()

    assert "Severity four thing" in html
    assert "Severity two thing" not in html


def test_the_case_list_runs_a_fixed_number_of_queries(browser, make_case, customer, django_assert_max_num_queries):
    for n in range(3):
        escalate(make_case(created_at=days_ago(3)), customer, "other", f"Help {n}")
    with django_assert_max_num_queries(12) as few:
        browser.get("/")
    queries_with_three_cases = len(few.captured_queries)  # read now: a request resets the log
    for n in range(20):
        escalate(make_case(created_at=days_ago(3)), customer, "other", f"Help {n}")
    with django_assert_max_num_queries(queries_with_three_cases):
        browser.get("/")


def test_a_customer_opens_a_case_in_the_browser(browser):
    response = browser.post("/cases/new/", {"subject": "Reports are empty", "description": "Since the update.",
                                            "severity": "3", "customer_priority": "normal"})

    assert response.status_code == 302
    page = browser.get(response["Location"]).content.decode()
    assert "Reports are empty" in page


def test_an_empty_new_case_form_explains_what_is_missing(browser):
    response = browser.post("/cases/new/", {"subject": "", "description": "", "severity": "3",
                                            "customer_priority": "normal"})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_a_young_case_says_why_and_when_escalation_opens(browser, make_case):
    young = make_case(severity=2, created_at=timezone.now() - timedelta(minutes=30))

    html = browser.get(young.get_absolute_url()).content.decode()

    assert "Front-line support gets 4 hours" in html
    assert "data-countdown=" in html
    assert "disabled" in html
    assert f'href="/cases/{young.pk}/escalate/"' not in html


def test_an_eligible_case_offers_the_escalate_case_button(browser, make_case):
    old = make_case(created_at=days_ago(3))

    html = browser.get(old.get_absolute_url()).content.decode()

    assert f'href="/cases/{old.pk}/escalate/"' in html
    assert "Escalate Case" in html


def test_a_severity_1_case_explains_the_outage_process_and_offers_no_escalation(browser, make_case):
    outage = make_case(severity=1, created_at=days_ago(3))

    html = browser.get(outage.get_absolute_url()).content.decode()

    assert "on-call team" in html
    assert "24/7" in html
    assert "/escalate/" not in html


def test_the_escalation_form_states_the_four_hour_promise(browser, make_case):
    old = make_case(created_at=days_ago(3))

    html = browser.get(f"/cases/{old.pk}/escalate/").content.decode()

    assert "within 4 business hours" in html
    assert "Why does this case need an escalation?" in html
    assert '<label for="id_summary">' in html


def test_submitting_the_form_escalates_and_shows_level_1_pending(browser, make_case, escalation_manager):
    old = make_case(created_at=days_ago(3))

    response = browser.post(f"/cases/{old.pk}/escalate/", {"reason": "time_constraint",
                                                           "summary": "Cert expires tomorrow."}, follow=True)

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

    case_html = browser.get(old.get_absolute_url()).content.decode()
    form_html = browser.get(f"/cases/{old.pk}/escalate/").content.decode()

    assert "Escalate again, to Level 2" in case_html
    assert "Working as intended." in case_html
    assert "again, to Level 2" in form_html
    assert "Support Management" in form_html
    assert "Customer Success Manager" in form_html


def test_the_escalation_form_of_an_ineligible_case_sends_back_with_the_reason(browser, make_case):
    young = make_case(severity=4, created_at=timezone.now())

    response = browser.get(f"/cases/{young.pk}/escalate/", follow=True)

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
    for action in ("comments", "priority", "outage"):
        assert browser.get(f"/cases/{case.pk}/{action}/").status_code == 405


def test_a_customer_raises_priority_and_comments(browser, case):
    browser.post(f"/cases/{case.pk}/priority/", {"customer_priority": "high"})
    browser.post(f"/cases/{case.pk}/comments/", {"body": "This blocks our release."})

    case.refresh_from_db()
    assert case.customer_priority == "high"
    assert case.comments.filter(body="This blocks our release.", public=True).exists()


def test_the_case_page_runs_a_fixed_number_of_queries(browser, make_case, customer, escalation_manager,
                                                      django_assert_max_num_queries):
    old = make_case(created_at=days_ago(3))
    decide(escalate(old, customer, "other", "Help"), escalation_manager, "not_accepted", "No.")
    with django_assert_max_num_queries(20) as baseline:
        browser.get(old.get_absolute_url())
    queries_with_one_escalation = len(baseline.captured_queries)  # read now: a request resets the log
    for n in range(15):
        browser.post(f"/cases/{old.pk}/comments/", {"body": f"Comment {n}"})

    with django_assert_max_num_queries(queries_with_one_escalation):
        browser.get(old.get_absolute_url())


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
