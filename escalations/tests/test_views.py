"""The review team's pages: the queue and the escalation page, as a manager uses them."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from cases.models import CaseComment
from cases.tests.factories import CaseFactory, OrganizationFactory, RegionFactory, UserFactory
from escalations.models import BusinessCalendar, Escalation, EscalationLevel, RootCauseAnalysis
from escalations.services import decide, escalate
from escalations.tests.factories import escalated_to, many_escalations
from escalations.views import business_time_words
from notifications.models import Notification

# A Wednesday, inside the default calendar's Mon-Fri 09:00-17:00 UTC.
WEDNESDAY_1405 = datetime(2026, 11, 25, 14, 5, tzinfo=UTC)


def signed_in(client, user):
    client.force_login(user)
    return client


def decision_url(escalation):
    return f"/review/{escalation.pk}/decision/"


def page_html(client, url, *args, **kwargs) -> str:
    """The page at ``url`` as HTML, after checking it answered 200 (an error page has words too)."""
    response = client.get(url, *args, **kwargs)
    assert response.status_code == 200, url
    return response.content.decode()


def messages_of(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


# --- Who may see the pages -----------------------------------------------------------------------


def test_customers_get_not_found_and_anonymous_visitors_are_sent_to_sign_in(client, customer, escalation):
    pages = ["/review/", f"/review/{escalation.pk}/", "/support/"]
    actions = [f"/review/{escalation.pk}/{action}/" for action in ("claim", "release", "decision", "rca", "resolve")]

    for url in pages + actions:
        response = client.get(url) if url in pages else client.post(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    signed_in(client, customer)
    for url in pages + actions:
        response = client.get(url) if url in pages else client.post(url, {"decision": "accepted", "message": "x"})
        assert response.status_code == 404, url
    assert Escalation.objects.get().status == "pending"


def test_action_urls_refuse_get(client, escalation_manager, escalation):
    signed_in(client, escalation_manager)

    for action in ("claim", "release", "decision", "rca", "resolve"):
        assert client.get(f"/review/{escalation.pk}/{action}/").status_code == 405


# --- The queue -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "words"),
    [
        (timedelta(hours=2, minutes=15, seconds=59), "2 h 15 m of business time left"),
        (timedelta(minutes=40), "40 m of business time left"),
        (timedelta(seconds=20), "less than a minute of business time left"),
        (-timedelta(hours=1, minutes=5), "overdue by 1 h 5 m of business time"),
        (timedelta(0), "overdue by less than a minute of business time"),
    ],
)
def test_business_time_reads_in_hours_and_minutes(left, words):
    assert business_time_words(left, overdue=left <= timedelta(0)) == words


def test_the_queue_puts_the_most_urgent_first_and_marks_the_overdue_one(
    client, escalation_manager, make_old_case, customer
):
    later = escalate(
        make_old_case(subject="Due this afternoon"), customer, "other", "B",
        now=WEDNESDAY_1405.replace(hour=12, minute=20),
    )  # fmt: skip
    late = escalate(
        make_old_case(subject="Due at one"), customer, "other", "A", now=WEDNESDAY_1405.replace(hour=9, minute=0)
    )
    signed_in(client, escalation_manager)

    with time_machine.travel(WEDNESDAY_1405, tick=False):
        html = page_html(client, "/review/")

    assert html.index(late.case.subject) < html.index(later.case.subject)
    overdue_row = html[html.index('<tr class="overdue">') : html.index(late.case.subject)]
    assert '<strong class="time-left">Overdue by 1 h 5 m</strong>' in overdue_row
    assert "overdue by 1 h 5 m of business time" in overdue_row
    assert '<strong class="time-left">Due in 2 h 15 m</strong>' in html
    assert "2 h 15 m of business time left" in html
    assert f'datetime="{later.review_due_at.isoformat()}"' in html  # the wall-clock due time
    assert "1 overdue" in html


def test_the_queue_headline_is_the_clock_time_it_is_ordered_by_with_business_time_beside_it(
    client, escalation_manager, customer
):
    """Two calendars: the deadline due first by the clock has more business time left. The
    headline follows the order (due in 6 h, then 17 h 30 m); business time is said beside it."""
    new_york = BusinessCalendar.objects.create(name="New York", timezone="America/New_York")
    americas = RegionFactory(name="Americas", calendar=new_york)
    wednesday_1600 = WEDNESDAY_1405.replace(hour=16, minute=0)
    cases = {
        name: CaseFactory(
            organization=OrganizationFactory(name=name, region=region, members=[customer]),
            requester=customer,
            subject=f"{name} export fails",
            created_at=wednesday_1600 - timedelta(days=3),
        )
        for name, region in (("Gotham", americas), ("Zenith", None))
    }
    due = {"Gotham": wednesday_1600.replace(hour=22), "Zenith": wednesday_1600 + timedelta(hours=17, minutes=30)}
    for name, case in cases.items():
        escalation = escalate(case, customer, "other", "Help", now=wednesday_1600 - timedelta(hours=1))
        Escalation.objects.filter(pk=escalation.pk).update(review_due_at=due[name])
    signed_in(client, escalation_manager)

    with time_machine.travel(wednesday_1600, tick=False):
        html = page_html(client, "/review/")

    gotham, zenith = html.index("Gotham export fails"), html.index("Zenith export fails")
    assert gotham < zenith
    headlines = re.findall(r'<strong class="time-left">([^<]+)</strong>', html)
    assert headlines == ["Due in 6 h 0 m", "Due in 17 h 30 m"]
    # Beside each: New York works until 22:00 UTC; UTC's calendar 16-17 today, 9-9:30 tomorrow.
    business = re.findall(r'<div class="small business-left">([^<]+)</div>', html)
    assert business == ["6 h 0 m of business time left", "1 h 30 m of business time left"]


def test_the_queue_and_the_page_show_it_overdue_the_second_its_deadline_passes_before_any_sweep(
    client, escalation_manager, old_case, customer
):
    escalation = escalate(old_case, customer, "other", "A", now=WEDNESDAY_1405)
    signed_in(client, escalation_manager)

    with time_machine.travel(escalation.review_due_at + timedelta(seconds=1), tick=False):
        queue = page_html(client, "/review/")
        page = page_html(client, f"/review/{escalation.pk}/")

    escalation.refresh_from_db()
    assert escalation.overdue_at is None  # no sweep has run: the pages read the deadline itself
    assert '<tr class="overdue">' in queue
    row = queue[queue.index('<tr class="overdue">') : queue.index(escalation.case.subject)]
    assert '<span class="badge overdue-badge">Overdue</span>' in row
    assert "overdue by less than a minute of business time" in row
    assert "1 overdue" in queue
    assert '<span class="badge overdue-badge">Overdue</span>' in page
    assert '<strong class="late">Overdue by less than a minute</strong>' in page
    assert "(overdue by less than a minute of business time)" in page


def test_after_closing_time_the_queue_counts_only_business_time(client, escalation_manager, make_old_case, customer):
    friday_evening = datetime(2026, 11, 27, 16, tzinfo=UTC)
    escalate(make_old_case(subject="Friday evening"), customer, "other", "A", now=friday_evening)
    signed_in(client, escalation_manager)

    with time_machine.travel(datetime(2026, 11, 28, 12, tzinfo=UTC), tick=False):  # Saturday noon
        html = page_html(client, "/review/")

    assert "3 h 0 m of business time left" in html  # due Monday 12:00: nothing counts over the weekend


def test_the_queue_filters_by_level_overdue_region_and_assignee(
    client, escalation_manager, make_old_case, customer, region
):
    amer = RegionFactory(name="AMER")
    northwind = OrganizationFactory(name="Northwind", region=amer, members=[customer])
    escalate(make_old_case(subject="Plain level one", organization=northwind), customer, "other", "A")
    level_2 = escalated_to(2, make_old_case(subject="Now at level two"), customer)
    Escalation.objects.filter(pk=level_2.pk).update(overdue_at=WEDNESDAY_1405, assignee=escalation_manager)
    signed_in(client, escalation_manager)

    def subjects(query):
        html = page_html(client, f"/review/?{query}")
        return {s for s in ("Plain level one", "Now at level two") if s in html}

    assert subjects("") == {"Plain level one", "Now at level two"}
    assert subjects("level=2") == {"Now at level two"}
    assert subjects("overdue=yes") == {"Now at level two"}
    assert subjects("overdue=no") == {"Plain level one"}
    assert subjects(f"region={amer.pk}") == {"Plain level one"}
    assert subjects(f"region={region.pk}") == {"Now at level two"}
    assert subjects("mine=on") == {"Now at level two"}
    assert subjects("status=not_accepted") == set()  # the declined level 1 is superseded by level 2


def test_the_queue_shows_pending_by_default_and_decided_ones_on_request(client, escalation_manager, escalation):
    decide(escalation, escalation_manager, "accepted", "On it.")
    signed_in(client, escalation_manager)

    assert escalation.case.subject not in page_html(client, "/review/")
    assert escalation.case.subject in page_html(client, "/review/?status=accepted")
    assert escalation.case.subject in page_html(client, "/review/?status=any")


def test_decided_escalations_offer_neither_claim_nor_release_in_the_queue_or_on_their_page(
    client, escalation_manager, make_old_case, customer
):
    claimed = escalate(make_old_case(subject="Claimed and decided"), customer, "other", "A")
    Escalation.objects.filter(pk=claimed.pk).update(assignee=escalation_manager, assigned_at=WEDNESDAY_1405)
    decide(claimed, escalation_manager, "accepted", "On it.")
    open_one = escalate(make_old_case(subject="Still to review"), customer, "other", "B")
    signed_in(client, escalation_manager)

    queue = page_html(client, "/review/?status=any")
    decided_row = queue[queue.index("Claimed and decided") : queue.index("</tr>", queue.index("Claimed and decided"))]
    assert "<strong>You</strong>" in decided_row  # who worked it stays shown
    assert "assign-form" not in decided_row
    assert f'action="/review/{open_one.pk}/claim/"' in queue
    page = page_html(client, f"/review/{claimed.pk}/")
    assert f"/review/{claimed.pk}/release/" not in page and f"/review/{claimed.pk}/claim/" not in page
    assert client.post(f"/review/{claimed.pk}/release/", follow=True).status_code == 200
    assert Escalation.objects.get(pk=claimed.pk).assignee == escalation_manager


def test_the_queue_header_reads_the_review_times_from_the_levels(client, escalation_manager):
    signed_in(client, escalation_manager)

    assert "(4 business hours at every level)" in page_html(client, "/review/")
    EscalationLevel.objects.filter(number=3).update(review_within=timedelta(hours=8))
    html = page_html(client, "/review/")
    assert "(Levels 1-2: 4 business hours, Level 3: 8 business hours, Level 4: 4 business hours)" in html
    assert "as seeded" not in html


def test_the_escalation_page_names_the_level_by_who_decides_and_who_is_alerted(
    client, escalation_manager, old_case, customer
):
    level_2 = escalated_to(2, old_case, customer)
    signed_in(client, escalation_manager)

    html = page_html(client, f"/review/{level_2.pk}/")

    assert "<dd>Level 2: Escalation Managers decide, Support Management alerted</dd>" in html
    assert "Level 2 escalations are decided by the Escalation Managers." not in html  # em decides: form shown


def test_every_filter_control_is_labelled(client, escalation_manager):
    html = page_html(signed_in(client, escalation_manager), "/review/")

    for name in ("status", "level", "overdue", "region", "mine"):
        assert f'<label for="id_{name}">' in html
    assert 'src="/static/js/queue.' in html  # hashed by the manifest storage
    assert 'id="queue-results"' in html


def test_claim_and_release_return_to_the_queue_with_its_filters(client, escalation_manager, escalation):
    signed_in(client, escalation_manager)
    back = "/review/?level=1&overdue=no"

    claimed = client.post(f"/review/{escalation.pk}/claim/", {"next": back})
    escalation.refresh_from_db()
    assert (claimed.status_code, claimed["Location"]) == (302, back)
    assert escalation.assignee == escalation_manager
    assert "Release" in page_html(client, back)

    assert client.post(f"/review/{escalation.pk}/release/", {"next": back}).status_code == 302
    escalation.refresh_from_db()
    assert escalation.assignee is None


@pytest.mark.parametrize("target", ["https://evil.example/review/", "//evil.example/review/", "/cases/"])
def test_claim_never_redirects_away_from_the_review_pages(client, escalation_manager, escalation, target):
    response = signed_in(client, escalation_manager).post(f"/review/{escalation.pk}/claim/", {"next": target})

    assert response.status_code == 302
    assert response["Location"] == f"/review/{escalation.pk}/"


# --- The escalation page --------------------------------------------------------------------------


def test_the_page_shows_the_case_the_thread_with_internal_notes_and_the_history(client, escalation_manager, escalation):
    CaseComment.objects.create(case=escalation.case, body="Internal: check the CA bundle.", public=False)
    html = page_html(signed_in(client, escalation_manager), f"/review/{escalation.pk}/")

    assert "Certificate expires Friday." in html  # the summary
    assert "Time constraint" in html
    assert "Internal: check the CA bundle." in html
    assert "escalated this case to Level 1" in html
    assert "Escalation alert" in html and "Escalation received" in html  # what it sent
    assert f'href="/cases/{escalation.case_id}/"' in html
    assert 'href="/review/"' in html


def test_a_manager_accepts_with_a_plan_and_the_customer_reads_it(client, escalation_manager, escalation, customer):
    response = signed_in(client, escalation_manager).post(
        decision_url(escalation), {"decision": "accepted", "message": "An engineer renews it today."}, follow=True
    )

    assert response.status_code == 200
    escalation.refresh_from_db()
    assert escalation.status == "accepted"
    assert "Accepted." in " ".join(messages_of(response))
    assert escalation.case.comments.filter(body="An engineer renews it today.", public=True).exists()
    assert Notification.objects.filter(recipient=customer, kind="escalation_accepted").exists()


def test_a_manager_declines_and_the_customer_gets_the_not_accepted_reply(
    client, escalation_manager, escalation, customer
):
    response = signed_in(client, escalation_manager).post(
        decision_url(escalation), {"decision": "not_accepted", "message": "Renewal is on schedule."}
    )
    assert response.status_code == 302

    client.force_login(customer)
    case_page = page_html(client, escalation.case.get_absolute_url())
    assert "Renewal is on schedule." in case_page
    assert "Your Level 1 escalation was not accepted" in case_page
    assert Notification.objects.filter(recipient=customer, kind="escalation_not_accepted").count() == 1


def test_an_empty_reply_is_a_form_error_and_decides_nothing(client, escalation_manager, escalation):
    response = signed_in(client, escalation_manager).post(decision_url(escalation), {"decision": "accepted"})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.status == "pending"


def test_someone_who_does_not_decide_sees_no_form_and_is_refused(staff_browser, escalation):
    page = page_html(staff_browser, f"/review/{escalation.pk}/")
    comments_before = escalation.case.comments.count()

    response = staff_browser.post(decision_url(escalation), {"decision": "accepted", "message": "Mine."}, follow=True)

    assert response.status_code == 200
    assert decision_url(escalation) not in page
    assert "decided by the Escalation Managers" in page
    assert "Only the Escalation Managers can decide" in " ".join(messages_of(response))
    escalation.refresh_from_db()
    assert escalation.status == "pending"
    assert escalation.case.comments.count() == comments_before


def test_level_3_is_decided_by_the_regions_senior_manager_only(
    client, escalation_manager, senior_manager, old_case, customer
):
    level_3 = escalated_to(3, old_case, customer)
    other_region_senior = UserFactory(groups=[RegionFactory(name="AMER").senior_management])
    body = {"decision": "accepted", "message": "I own this personally."}

    for outsider in (escalation_manager, other_region_senior):
        signed_in(client, outsider)
        assert decision_url(level_3) not in page_html(client, f"/review/{level_3.pk}/")
        assert client.post(decision_url(level_3), body).status_code == 302  # back to the page, with a message
        level_3.refresh_from_db()
        assert level_3.status == "pending"

    signed_in(client, senior_manager)
    assert decision_url(level_3) in page_html(client, f"/review/{level_3.pk}/")
    assert client.post(decision_url(level_3), body).status_code == 302
    level_3.refresh_from_db()
    assert (level_3.status, level_3.reviewed_by) == ("accepted", senior_manager)


def test_level_4_asks_for_the_rca_before_it_is_resolved(client, vp, old_case, customer):
    level_4 = escalated_to(4, old_case, customer)
    base = f"/review/{level_4.pk}"
    signed_in(client, vp)
    assert client.post(f"{base}/decision/", {"decision": "accepted", "message": "I have it."}).status_code == 302

    page = page_html(client, f"{base}/")
    early = client.post(f"{base}/resolve/", follow=True)
    level_4.refresh_from_db()
    assert early.status_code == 200
    assert f'action="{base}/rca/"' in page
    assert "disabled" in page and "only after its root cause analysis is filed" in page
    assert "needs its root cause analysis" in " ".join(messages_of(early))
    assert level_4.status == "accepted"

    missing = client.post(f"{base}/rca/", {"root_cause": "", "corrective_actions": "Canary."})
    assert missing.status_code == 400 and not RootCauseAnalysis.objects.exists()
    filing = client.post(
        f"{base}/rca/",
        {
            "root_cause": "A skipped canary.",
            "corrective_actions": "Canary is mandatory.",
            "customer_summary": "Every change now passes our test stage.",
        },
    )
    assert filing.status_code == 302
    filed = page_html(client, f"{base}/")
    assert "A skipped canary." in filed and f'action="{base}/rca/"' not in filed

    assert client.post(f"{base}/resolve/").status_code == 302
    level_4.refresh_from_db()
    assert level_4.status == "resolved"


def test_the_second_of_two_deciders_is_told_who_decided_first(client, escalation_manager, escalation):
    first = UserFactory(username="em2", first_name="Fay", last_name="First", groups=["Escalation Managers"])
    signed_in(client, escalation_manager)
    assert client.get(f"/review/{escalation.pk}/").status_code == 200  # both have the form open
    decide(escalation, first, "not_accepted", "Handled in the case.")

    response = client.post(decision_url(escalation), {"decision": "accepted", "message": "Me too."}, follow=True)

    assert response.status_code == 200
    assert "already decided by Fay First" in " ".join(messages_of(response))
    escalation.refresh_from_db()
    assert (escalation.status, escalation.reviewed_by) == ("not_accepted", first)
    assert not escalation.case.comments.filter(body="Me too.").exists()


def test_a_decision_that_loses_the_race_is_told_who_won(client, escalation_manager, escalation, monkeypatch):
    """The page read the escalation as pending; another decision lands before the service's update."""
    from escalations import views_actions

    stale = Escalation.objects.select_related("case__organization__region", "requested_by").get(pk=escalation.pk)
    monkeypatch.setattr(views_actions, "_escalation", lambda escalation_id: stale)
    first = UserFactory(username="em2", first_name="Fay", last_name="First", groups=["Escalation Managers"])
    decide(escalation, first, "accepted", "Mine.")

    response = signed_in(client, escalation_manager).post(
        decision_url(escalation), {"decision": "not_accepted", "message": "No."}, follow=True
    )

    assert response.status_code == 200
    assert "already decided by Fay First" in " ".join(messages_of(response))
    assert not escalation.case.comments.filter(body="No.").exists()


# --- A fixed number of queries -------------------------------------------------------------------


def test_the_queue_runs_a_fixed_number_of_queries(
    client, escalation_manager, organization, customer, django_assert_max_num_queries
):
    signed_in(client, escalation_manager)
    many_escalations(5, organization, customer, escalation_manager, now=WEDNESDAY_1405)
    with django_assert_max_num_queries(12):  # the process's first page also loads the calendars: 3 queries
        first = client.get("/review/?status=any")
    with django_assert_max_num_queries(9) as with_five:  # 9: the levels' review times, for the header
        again = client.get("/review/?status=any")
    assert (first.status_code, again.status_code) == (200, 200)
    queries_with_five = len(with_five.captured_queries)  # read now: the next request resets the log
    many_escalations(495, organization, customer, escalation_manager, now=WEDNESDAY_1405)

    with django_assert_max_num_queries(queries_with_five):
        response = client.get("/review/?status=any&page=2")
    assert response.status_code == 200
    assert "500</strong> escalations" in response.content.decode()


def test_the_escalation_page_runs_a_fixed_number_of_queries(
    client, escalation_manager, escalation, customer, django_assert_max_num_queries
):
    signed_in(client, escalation_manager)
    with django_assert_max_num_queries(25) as with_one:
        response = client.get(f"/review/{escalation.pk}/")
    assert response.status_code == 200
    queries_with_one = len(with_one.captured_queries)
    for n in range(20):
        CaseComment.objects.create(case=escalation.case, author=customer, body=f"Comment {n}")
        Notification.objects.create(
            recipient=UserFactory(),
            kind="escalation_alert",
            subject="s",
            body="b",
            case=escalation.case,
            escalation=escalation,
            dedupe_key=f"bulk-{n}",
        )

    with django_assert_max_num_queries(queries_with_one):
        response = client.get(f"/review/{escalation.pk}/")
    assert response.status_code == 200
    assert "Comment 19" in response.content.decode()
