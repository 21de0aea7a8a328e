"""Changing a case and replying to it, through the API and the case page: the answers a caller
sees when a change is not theirs to make (403) or the case is done (409), never a 500."""

import pytest
from django.utils import timezone

from cases.models import CaseStatus, CommentKind, Severity
from cases.tests.factories import UserFactory
from notifications.models import Notification


def get_json(client, url, *args, **kwargs):
    """The JSON at ``url``, after checking it answered 200 (an error has a JSON body too)."""
    response = client.get(url, *args, **kwargs)
    assert response.status_code == 200, (url, response.content)
    return response.json()


@pytest.fixture
def on_call(db):
    return UserFactory(username="pager", groups=["On-call"])


def pages_sent():
    return Notification.objects.filter(kind="outage_alert").count()


# --- PATCH /api/v1/cases/{id}/ -----------------------------------------------------------------


@pytest.mark.parametrize("status", [CaseStatus.SOLVED, CaseStatus.CLOSED])
def test_raising_a_finished_case_to_severity_1_answers_409_and_pages_nobody(
    make_case, customer, on_call, status, api_as
):
    done = make_case(status=status)

    response = api_as(customer).patch(f"/api/v1/cases/{done.id}/", {"severity": 1}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "case_closed"
    assert response.json()["detail"]
    done.refresh_from_db()
    assert done.severity == Severity.MINOR
    assert pages_sent() == 0


def test_staff_patching_the_customers_priority_answers_403(case, escalation_manager, api_as):
    response = api_as(escalation_manager).patch(f"/api/v1/cases/{case.id}/", {"customer_priority": "high"},
                                                format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    case.refresh_from_db()
    assert case.customer_priority == "normal"


def test_staff_change_severity_with_a_reason_the_customer_reads_in_the_thread(
    case, escalation_manager, customer, api_as
):
    response = api_as(escalation_manager).patch(
        f"/api/v1/cases/{case.id}/", {"severity": 2, "reason": "Checkout is degraded for all EU users."}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["severity"] == 2
    thread = get_json(api_as(customer), f"/api/v1/cases/{case.id}/comments/")
    assert [c["kind"] for c in thread] == [CommentKind.SYSTEM]
    assert "Checkout is degraded for all EU users." in thread[0]["body"]


def test_a_staff_severity_change_without_a_reason_answers_400_on_reason(case, escalation_manager, api_as):
    response = api_as(escalation_manager).patch(f"/api/v1/cases/{case.id}/", {"severity": 4}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]
    case.refresh_from_db()
    assert case.severity == Severity.MINOR


def test_staff_lowering_an_outage_through_the_api_pages_nobody(make_case, escalation_manager, on_call, api_as):
    outage = make_case(severity=Severity.OUTAGE)

    response = api_as(escalation_manager).patch(
        f"/api/v1/cases/{outage.id}/", {"severity": 3, "reason": "Restored; a minor issue remains."}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["severity"] == 3
    assert pages_sent() == 0


# --- POST /api/v1/cases/{id}/comments/ ----------------------------------------------------------


def test_a_customers_internal_note_answers_400_on_public_and_saves_nothing(case, customer, api_as):
    response = api_as(customer).post(f"/api/v1/cases/{case.id}/comments/", {"body": "Psst", "public": False},
                                     format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["public"]
    assert case.comments.count() == 0


def test_a_reply_to_a_closed_case_answers_409_and_says_to_open_a_new_case(make_case, customer, api_as):
    closed = make_case(status=CaseStatus.CLOSED)

    response = api_as(customer).post(f"/api/v1/cases/{closed.id}/comments/", {"body": "Still broken."},
                                     format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "case_closed"
    assert "new case" in response.json()["detail"]
    assert closed.comments.count() == 0


def test_a_members_reply_through_the_api_reopens_a_solved_case(make_case, customer, api_as):
    solved = make_case(status=CaseStatus.SOLVED)

    response = api_as(customer).post(f"/api/v1/cases/{solved.id}/comments/", {"body": "It is back."},
                                     format="json")

    assert response.status_code == 201
    assert get_json(api_as(customer), f"/api/v1/cases/{solved.id}/")["status"] == "open"


def test_a_staff_reply_through_the_api_sets_the_first_response(case, escalation_manager, customer, api_as):
    note = api_as(escalation_manager).post(f"/api/v1/cases/{case.id}/comments/", {"body": "v1?", "public": False},
                                           format="json")
    assert note.status_code == 201
    assert get_json(api_as(customer), f"/api/v1/cases/{case.id}/")["first_response_at"] is None

    reply = api_as(escalation_manager).post(f"/api/v1/cases/{case.id}/comments/", {"body": "Looking into it."},
                                            format="json")

    assert reply.status_code == 201
    assert get_json(api_as(customer), f"/api/v1/cases/{case.id}/")["first_response_at"] == reply.json()["created_at"]


# --- The case page's forms ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [CaseStatus.SOLVED, CaseStatus.CLOSED])
@pytest.mark.parametrize("body", [{}, {"confirm": "yes"}], ids=["asking", "confirmed"])
def test_the_outage_button_on_a_finished_case_explains_and_pages_nobody(browser, make_case, on_call, status, body):
    done = make_case(status=status)

    response = browser.post(f"/cases/{done.pk}/outage/", body, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(done.get_absolute_url(), 302)]
    html = response.content.decode()
    assert "on-call team has been paged" not in html
    assert f'<li class="error">This case is {status}' in html
    done.refresh_from_db()
    assert done.severity == Severity.MINOR
    assert pages_sent() == 0


# --- Raising to Severity 1: a confirmation first -----------------------------------------------


def test_the_case_page_links_the_outage_confirmation_and_pages_nobody_on_the_way(browser, case, on_call):
    page = browser.get(case.get_absolute_url()).content.decode()
    assert f'<a class="btn secondary" href="/cases/{case.pk}/outage/">This is an outage' in page
    assert f'action="/cases/{case.pk}/outage/"' not in page  # no one-click raise

    response = browser.get(f"/cases/{case.pk}/outage/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Raise case #{case.pk} to Severity 1?" in html
    assert "1 person in the On-call group" in html
    assert "24/7" in html
    assert "cannot be escalated" in html
    assert '<input type="hidden" name="confirm" value="yes">' in html
    case.refresh_from_db()
    assert case.severity == Severity.MINOR
    assert pages_sent() == 0


def test_the_confirmation_counts_everyone_who_is_paged(browser, case, on_call):
    UserFactory(username="pager2", groups=["On-call"])
    UserFactory(username="retired", groups=["On-call"], is_active=False)

    html = browser.get(f"/cases/{case.pk}/outage/").content.decode()

    assert "2 people in the On-call group" in html


def test_an_unconfirmed_post_only_asks_again(browser, case, on_call):
    response = browser.post(f"/cases/{case.pk}/outage/")

    assert response.status_code == 200
    assert f"Raise case #{case.pk} to Severity 1?" in response.content.decode()
    case.refresh_from_db()
    assert case.severity == Severity.MINOR
    assert pages_sent() == 0


def test_a_confirmed_raise_pages_on_call_once_and_the_page_says_it_once(browser, case, on_call):
    response = browser.post(f"/cases/{case.pk}/outage/", {"confirm": "yes"}, follow=True)

    assert response.redirect_chain == [(case.get_absolute_url(), 302)]
    case.refresh_from_db()
    assert case.severity == Severity.OUTAGE
    assert pages_sent() == 1
    html = response.content.decode()
    assert f'<li class="success">Case #{case.pk} is now Severity 1, and the on-call team has been paged.</li>' in html
    panel = html[html.index('id="escalate"') : html.index("</section>", html.index('id="escalate"'))]
    assert panel.count("24/7") == 1 and "paged" not in panel  # said once, not again and again
    assert "This is an outage" not in html  # already Severity 1
    assert "Urgent but not an outage?" not in html
    again = browser.get(f"/cases/{case.pk}/outage/", follow=True)
    assert "already Severity 1" in again.content.decode()
    assert pages_sent() == 1


def test_the_high_priority_tip_goes_once_the_priority_is_high(browser, make_case):
    young = make_case(created_at=timezone.now())
    tip = "set Customer Priority to High"

    assert tip in browser.get(young.get_absolute_url()).content.decode()
    assert "Urgent but not an outage?" in browser.get(young.get_absolute_url()).content.decode()
    browser.post(f"/cases/{young.pk}/priority/", {"customer_priority": "high"})

    html = browser.get(young.get_absolute_url()).content.decode()
    assert "You can escalate this case from" in html
    assert tip not in html and "Urgent but not an outage?" not in html


def test_nobody_on_call_is_said_before_confirming(browser, case):
    html = browser.get(f"/cases/{case.pk}/outage/").content.decode()

    assert "Nobody is in the On-call group right now, so nobody is paged" in html


def test_the_csm_cannot_reach_the_confirmation(client, case, csm, on_call):
    client.force_login(csm)

    response = client.get(f"/cases/{case.pk}/outage/", follow=True)

    assert response.redirect_chain == [(case.get_absolute_url(), 302)]
    assert "Only members of the case" in response.content.decode()


def test_the_priority_form_on_a_closed_case_explains_and_changes_nothing(browser, make_case):
    closed = make_case(status=CaseStatus.CLOSED)

    response = browser.post(f"/cases/{closed.pk}/priority/", {"customer_priority": "high"}, follow=True)

    assert response.status_code == 200
    assert '<li class="error">This case is closed' in response.content.decode()
    closed.refresh_from_db()
    assert closed.customer_priority == "normal"


def test_staff_posting_the_priority_form_are_told_it_is_the_customers(client, case, escalation_manager):
    client.force_login(escalation_manager)

    response = client.post(f"/cases/{case.pk}/priority/", {"customer_priority": "high"}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Customer Priority updated" not in html
    assert '<li class="error">Customer Priority is set by the customer' in html
    case.refresh_from_db()
    assert case.customer_priority == "normal"


def test_staff_pressing_the_outage_button_without_a_reason_are_asked_for_one(client, case, escalation_manager,
                                                                             on_call):
    client.force_login(escalation_manager)

    response = client.post(f"/cases/{case.pk}/outage/", {"confirm": "yes"})

    assert response.status_code == 400
    html = response.content.decode()
    assert '<li class="error">Give a reason' in html
    assert '<textarea id="outage-reason" name="reason"' in html  # the confirmation again, with the field
    assert pages_sent() == 0


def test_staff_raise_an_outage_from_the_page_with_a_reason(client, case, escalation_manager, on_call):
    client.force_login(escalation_manager)

    response = client.post(f"/cases/{case.pk}/outage/", {"confirm": "yes", "reason": "Every EU login fails."})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.severity == Severity.OUTAGE
    assert pages_sent() == 1


def test_a_reply_on_the_page_of_a_closed_case_answers_409_with_a_message(browser, make_case):
    closed = make_case(status=CaseStatus.CLOSED)

    response = browser.post(f"/cases/{closed.pk}/comments/", {"body": "Still broken."})

    assert response.status_code == 409
    assert "new case" in response.content.decode()
    assert closed.comments.count() == 0


def test_a_reply_on_the_page_of_a_solved_case_reopens_it(browser, make_case):
    solved = make_case(status=CaseStatus.SOLVED)

    response = browser.post(f"/cases/{solved.pk}/comments/", {"body": "It is back."})

    assert response.status_code == 302
    solved.refresh_from_db()
    assert solved.status == CaseStatus.OPEN


def test_the_csm_reads_the_case_page_without_a_reply_form_and_a_forged_reply_answers_403(client, case, csm):
    # The account's CSM reads their organizations' cases (DESIGN.md), and may not reply.
    client.force_login(csm)

    page = client.get(f"/cases/{case.pk}/")
    response = client.post(f"/cases/{case.pk}/comments/", {"body": "Hello from your CSM."})

    assert page.status_code == 200
    assert f'action="/cases/{case.pk}/comments/"' not in page.content.decode()
    assert f'action="/cases/{case.pk}/priority/"' not in page.content.decode()
    assert response.status_code == 403
    assert "can reply to this case" in response.content.decode()
    assert not case.comments.filter(body="Hello from your CSM.").exists()
    assert case.comments.count() == 0


# --- Opening a case at Severity 1 (/cases/new/) --------------------------------------------------

NEW_OUTAGE = {"subject": "Checkout down", "description": "Every payment fails.", "severity": 1,
              "customer_priority": "high"}  # fmt: skip


def test_opening_a_case_at_severity_1_first_says_who_is_paged_and_opens_nothing(browser, customer, on_call):
    from cases.models import Case

    response = browser.post("/cases/new/", NEW_OUTAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "1 person in the On-call group" in html
    assert "Open the case and page on-call" in html
    assert 'value="Checkout down"' in html  # what was typed is kept
    assert not Case.objects.filter(subject="Checkout down").exists()
    assert pages_sent() == 0


def test_a_confirmed_new_outage_opens_the_case_and_pages_on_call_once(browser, on_call):
    response = browser.post("/cases/new/", {**NEW_OUTAGE, "confirm_outage": "yes"}, follow=True)

    assert response.status_code == 200
    assert "is open" in response.content.decode()
    assert pages_sent() == 1


def test_a_case_opened_below_severity_1_needs_no_confirmation(browser, on_call):
    response = browser.post("/cases/new/", {**NEW_OUTAGE, "severity": 2})

    assert response.status_code == 302
    assert pages_sent() == 0
