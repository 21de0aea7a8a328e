"""The in-app inbox and the header bell: what a person notices when something happened."""

import re
from datetime import timedelta
from itertools import count

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.utils import timezone

from cases.tests.factories import days_ago
from escalations.services import decide, escalate
from notifications.context_processors import notification_bell
from notifications.models import Notification

_keys = count()


def note(recipient, *, case=None, subject="Something happened", body="Hello you,\n\nThe details.", read=False,
         kind="escalation_received", **fields):
    return Notification.objects.create(
        recipient=recipient, kind=kind, subject=subject, body=body, case=case,
        dedupe_key=f"test:{next(_keys)}:user-{recipient.pk}",
        read_at=timezone.now() if read else None, **fields,
    )


def page_html(client, url, *args, **kwargs) -> str:
    """The page at ``url`` as HTML, after checking it answered 200 (an error page has words too)."""
    response = client.get(url, *args, **kwargs)
    assert response.status_code == 200, url
    return response.content.decode()


def bell(html):
    """The bell's accessible label and its badge (None when no badge is shown)."""
    link = re.search(r'<a class="bell"[^>]*aria-label="([^"]*)"[^>]*>(.*?)</a>', html, re.S)
    assert link, "no bell in the header"
    badge = re.search(r'class="bell-count"[^>]*>([^<]*)<', link.group(2))
    return link.group(1), badge.group(1) if badge else None


@pytest.fixture
def escalated_case(make_case, customer, escalation_manager):
    """A case escalated through the real service: alert, CSM and requester rows in the outbox."""
    case = make_case(created_at=days_ago(3), subject="Exports fail")
    escalate(case, customer, "other", "Our month-end export fails every night.")
    return case


# The bell


def test_the_bell_shows_how_many_notifications_are_unread(browser, customer, case):
    for n in range(3):
        note(customer, case=case, subject=f"Unread {n}")
    note(customer, case=case, read=True)

    label, badge = bell(page_html(browser, "/"))

    assert label == "Notifications, 3 unread"
    assert badge == "3"


def test_the_bell_shows_no_badge_when_nothing_is_unread(browser, customer, case):
    note(customer, case=case, read=True)

    label, badge = bell(page_html(browser, "/"))

    assert label == "Notifications, none unread"
    assert badge is None


def test_the_bell_counts_only_ones_own_notifications(browser, case, escalation_manager):
    note(escalation_manager, case=case)

    assert bell(page_html(browser, "/")) == ("Notifications, none unread", None)


def test_the_bell_caps_a_large_count_and_says_so(browser, customer, django_assert_max_num_queries):
    Notification.objects.bulk_create(
        Notification(recipient=customer, kind="outage_alert", subject="s", body="b", dedupe_key=f"many:{n}")
        for n in range(120)
    )

    assert bell(page_html(browser, "/")) == ("Notifications, more than 99 unread", "99+")
    # Counted only as far as the badge needs: a manager may hold tens of thousands unread.
    with django_assert_max_num_queries(1) as counted:
        notification_bell(request_by(customer))["notification_bell"].unread  # noqa: B018 - the count is the test
    assert "LIMIT 100" in counted.captured_queries[0]["sql"]


def request_by(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_bell_costs_one_query_and_nothing_for_anonymous_visitors(client, customer, case,
                                                                     django_assert_num_queries):
    note(customer, case=case)
    request = request_by(customer)
    with django_assert_num_queries(1):
        context = notification_bell(request)
        assert context["notification_bell"].unread == 1
        assert context["notification_bell"].unread == 1  # counted once per page
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert notification_bell(request) == {}
    assert 'class="bell"' not in page_html(client, "/login/")


# The inbox


def test_the_inbox_needs_a_sign_in(client):
    response = client.get("/inbox/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_inbox_lists_only_ones_own_notifications_newest_first(browser, customer, case, escalation_manager):
    note(customer, case=case, subject="Older news", created_at=days_ago(2))
    note(customer, case=case, subject="Newer news", created_at=days_ago(1))
    note(escalation_manager, case=case, subject="Someone else's alert")

    html = page_html(browser, "/inbox/")

    assert html.index("Newer news") < html.index("Older news")
    assert "Someone else" not in html


def test_an_inbox_item_shows_its_kind_excerpt_age_and_case(browser, escalated_case):
    html = page_html(browser, "/inbox/")

    assert "Escalation received" in html
    assert f"Your escalation of case #{escalated_case.pk}" in html  # the excerpt, without "Hello Cora,"
    assert "Hello Cora" not in html
    assert "A decision is due by" not in html  # the second paragraph stays in the case
    assert " ago</time>" in html
    assert f'href="/cases/{escalated_case.pk}/#escalation-1"' in html


def test_an_excerpt_that_introduces_a_message_shows_the_message(browser, customer, case):
    note(customer, case=case, kind="escalation_not_accepted", subject="Not accepted",
         body="Hello Cora,\n\nYour escalation was not accepted. The reviewer wrote:\n\n"
              "We are already working on it.\n\nOpen the case: https://portal.example/cases/1/\n")

    html = page_html(browser, "/inbox/")

    assert "Your escalation was not accepted. The reviewer wrote: We are already working on it.</p>" in html
    assert "Open the case:" not in html


def test_unread_items_are_marked_and_read_ones_are_not(browser, customer, case):
    note(customer, case=case, subject="Fresh news", created_at=days_ago(1))
    note(customer, case=case, subject="Seen news", read=True, created_at=days_ago(2))

    html = page_html(browser, "/inbox/")

    items = re.findall(r'<li class="inbox-item( unread)?">(.*?)</li>', html, re.S)
    assert [(marked == " unread", "Unread: " in body, "Mark as read" in body) for marked, body in items] == [
        (True, True, True),
        (False, False, False),
    ]
    assert "Fresh news" in items[0][1] and "Seen news" in items[1][1]


def test_the_unread_filter_hides_what_was_read(browser, customer, case):
    note(customer, case=case, subject="Fresh")
    note(customer, case=case, subject="Seen", read=True)

    html = page_html(browser, "/inbox/?show=unread")

    assert "Fresh" in html
    assert "Seen" not in html


def test_an_empty_inbox_says_so(browser):
    assert "No notifications yet" in page_html(browser, "/inbox/")
    assert "all caught up" in page_html(browser, "/inbox/?show=unread")


def test_the_inbox_shows_25_a_page(browser, customer, case):
    for n in range(30):
        note(customer, case=case, subject=f"Message {n:02}", created_at=days_ago(1) + timedelta(minutes=n))

    first = page_html(browser, "/inbox/")
    second = page_html(browser, "/inbox/?page=2")

    assert "Message 29" in first and "Message 05" in first and "Message 04" not in first
    assert "Message 04" in second and "Message 00" in second
    assert "Page 1 of 2" in first


def test_the_inbox_runs_a_fixed_number_of_queries(browser, customer, make_case, django_assert_max_num_queries):
    case = make_case(created_at=days_ago(3))
    escalate(case, customer, "other", "Help")  # an item that links to its escalation
    for n in range(2):
        note(customer, case=case, subject=f"Message {n}")
    with django_assert_max_num_queries(6) as few:
        response = browser.get("/inbox/")
    assert response.status_code == 200
    # Session, user, the user's groups (staff check), the bell's count, the page's count and its rows.
    queries_with_three = len(few.captured_queries)  # read now: a request resets the log
    for n in range(37):
        note(customer, case=case, subject=f"More {n}", read=n % 2 == 0)
    assert Notification.objects.filter(recipient=customer).count() == 40

    with django_assert_max_num_queries(queries_with_three):
        html = page_html(browser, "/inbox/")
    assert html.count('<li class="inbox-item') == 25


# Changing read state


def test_marking_one_as_read_lowers_the_count(browser, customer, case):
    first = note(customer, case=case, subject="First")
    note(customer, case=case, subject="Second")

    response = browser.post(f"/inbox/{first.pk}/read/", {"next": "/inbox/?show=unread"})

    assert response.status_code == 302
    assert response["Location"] == "/inbox/?show=unread"
    first.refresh_from_db()
    assert first.read_at is not None
    html = page_html(browser, "/inbox/?show=unread")
    assert bell(html) == ("Notifications, 1 unread", "1")
    assert "First" not in html


def test_marking_as_read_twice_keeps_the_first_reading_time(browser, customer, case):
    seen = note(customer, case=case, read=True)
    first_read = seen.read_at

    assert browser.post(f"/inbox/{seen.pk}/read/").status_code == 302

    seen.refresh_from_db()
    assert seen.read_at == first_read


def test_marking_as_read_never_redirects_to_another_site(browser, customer, case):
    item = note(customer, case=case)

    response = browser.post(f"/inbox/{item.pk}/read/", {"next": "https://evil.example/inbox/"})

    assert response.status_code == 302
    assert response["Location"] == "/inbox/"


def test_opening_an_unread_item_marks_it_read_and_goes_to_the_escalation(browser, customer, escalated_case):
    item = Notification.objects.get(recipient=customer)

    response = browser.post(f"/inbox/{item.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == f"/cases/{escalated_case.pk}/#escalation-1"
    item.refresh_from_db()
    assert item.read_at is not None
    assert browser.get(response["Location"]).status_code == 200


def test_mark_all_as_read_clears_the_bell(browser, customer, escalation_manager, case):
    for n in range(3):
        note(customer, case=case, subject=f"Unread {n}")
    theirs = note(escalation_manager, case=case)

    assert browser.post("/inbox/read-all/").status_code == 302

    html = page_html(browser, "/inbox/")
    assert bell(html) == ("Notifications, none unread", None)
    assert "Marked 3 notifications as read." in html
    assert "Mark all as read" not in html
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_changing_read_state_refuses_get(browser, customer, case):
    item = note(customer, case=case)

    for url in (f"/inbox/{item.pk}/read/", f"/inbox/{item.pk}/open/", "/inbox/read-all/"):
        assert browser.get(url).status_code == 405
    item.refresh_from_db()
    assert item.read_at is None


def test_changing_read_state_needs_the_csrf_token(customer, case):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(customer)
    item = note(customer, case=case)

    assert strict.post(f"/inbox/{item.pk}/read/").status_code == 403
    assert strict.post("/inbox/read-all/").status_code == 403
    item.refresh_from_db()
    assert item.read_at is None


def test_another_persons_notification_is_not_found(browser, escalation_manager, case):
    theirs = note(escalation_manager, case=case)

    for action in ("read", "open"):
        assert browser.post(f"/inbox/{theirs.pk}/{action}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_every_inbox_control_is_labelled(browser, customer, case):
    note(customer, case=case, subject="Exports fail")

    html = page_html(browser, "/inbox/")

    assert 'aria-label="Mark as read: Exports fail"' in html
    assert '<nav class="inbox-filter" aria-label="Show notifications">' in html
    assert re.search(r'<button class="inbox-subject" type="submit"[^>]*>Exports fail</button>', html)


# The case page, for staff


def test_staff_see_who_each_escalation_notified_on_the_case_page(client, escalation_manager, csm, escalated_case):
    Notification.objects.filter(recipient=csm).update(attempts=2, last_error="Connection refused")
    client.force_login(escalation_manager)

    html = page_html(client, escalated_case.get_absolute_url())

    start = html.index('<details class="sent-log')  # the header's menu is a <details> too
    log = html[start : html.index("</details>", start)]
    assert "Notifications for Level 1 (3)" in log
    assert "Escalation alert" in log and "CSM informed" in log and "Escalation received" in log
    assert "Carla Success" in log and "Cora Customer" in log
    assert "not sent yet" in log
    assert "2 attempts" in log and "last error: Connection refused" in log


def test_staff_see_when_a_notification_was_sent(client, escalation_manager, escalated_case):
    Notification.objects.update(sent_at=timezone.now(), attempts=1)
    client.force_login(escalation_manager)

    html = page_html(client, escalated_case.get_absolute_url())

    start = html.index('<details class="sent-log')  # the header's menu is a <details> too
    log = html[start : html.index("</details>", start)]
    assert "not sent yet" not in log
    assert log.count("sent <time") == 3


def test_customers_never_see_who_was_notified(browser, escalated_case):
    html = page_html(browser, escalated_case.get_absolute_url())

    assert "Escalation history" in html
    assert "sent-log" not in html
    assert "Carla Success" not in html
    assert "CSM informed" not in html


def test_the_staff_case_page_loads_notifications_in_one_query_for_all_escalations(
    client, make_case, customer, escalation_manager, django_assert_max_num_queries
):
    case = make_case(created_at=days_ago(3))
    decide(escalate(case, customer, "other", "Help"), escalation_manager, "not_accepted", "No.")
    client.force_login(escalation_manager)
    with django_assert_max_num_queries(30) as baseline:
        response = client.get(case.get_absolute_url())
    assert response.status_code == 200
    queries_with_one_escalation = len(baseline.captured_queries)  # read now: a request resets the log
    escalate(case, customer, "other", "Still broken")

    with django_assert_max_num_queries(queries_with_one_escalation):
        html = page_html(client, case.get_absolute_url())
    assert "Notifications for Level 2" in html
