"""The compliance report: shares within the review time, medians, the page, the chart and the CSV.

The hand-built month below runs on the default calendar (Mon-Fri 09:00-17:00 UTC), and
several decisions straddle a weekend, so business time and wall time differ by days.
"""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from cases.models import Case
from cases.tests.factories import UserFactory
from escalations.models import BusinessCalendar, Escalation, Holiday
from escalations.reports import (
    FORMER_RESPONDER_LABEL,
    UNDECIDED_LABEL,
    ComplianceReport,
    compliance_chart,
    compliance_report,
    format_business_time,
)
from escalations.selectors import calendar_map
from escalations.services import decide, escalate

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # a Wednesday
OPENED = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
REPORT_URL = "/review/report/"
CSV_URL = "/review/report/export.csv"


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def second_manager(db):
    return UserFactory(username="em2", first_name="Ezra", last_name="Second", groups=["Escalation Managers"])


@pytest.fixture
def month(make_case, customer, escalation_manager, second_manager, senior_manager):
    """Seven escalations in the 30 days before NOW, one older; times chosen by hand.

    Level 1
      A  Fri 6 Mar 15:00 -> accepted Mon 9 Mar 10:25 by em:     2 h + 1 h 25 = 3 h 25 m, within
      B  Fri 6 Mar 16:00 -> declined Mon 9 Mar 12:30 by em:     1 h + 3 h 30 = 4 h 30 m, late
      C  Tue 10 Mar 10:00 -> accepted Tue 10 Mar 11:00 by em2:  1 h, within
      D  Thu 12 Mar 09:00, undecided: deadline Thu 13:00 long gone, missed
      E  Wed 18 Mar 11:00, undecided: one business hour old, open
    Level 2 (case B again)
      Mon 9 Mar 13:00 -> declined Mon 9 Mar 15:30 by em:        2 h 30 m, within
    Level 3 (case B again)
      Fri 13 Mar 16:30 -> accepted Mon 16 Mar 09:45 by senior:  30 m + 45 m = 1 h 15 m, within
    Older than 30 days
      F  Mon 2 Feb 10:00 -> accepted 10:05 by em: outside the window
    """

    def new_case():
        return make_case(severity=3, created_at=OPENED)

    cases = {name: new_case() for name in "ABCDEF"}
    a = escalate(cases["A"], customer, "other", "Invoices fail.", now=at(6, 15))
    decide(a, escalation_manager, "accepted", "On it.", now=at(9, 10, 25))
    b1 = escalate(cases["B"], customer, "other", "Logins fail.", now=at(6, 16))
    decide(b1, escalation_manager, "not_accepted", "Support has it in hand.", now=at(9, 12, 30))
    b2 = escalate(cases["B"], customer, "other", "Still failing.", now=at(9, 13))
    decide(b2, escalation_manager, "not_accepted", "Still in hand.", now=at(9, 15, 30))
    b3 = escalate(cases["B"], customer, "other", "Still failing on Friday.", now=at(13, 16, 30))
    decide(b3, senior_manager, "accepted", "I will see to it.", now=at(16, 9, 45))
    c = escalate(cases["C"], customer, "other", "Exports fail.", now=at(10, 10))
    decide(c, second_manager, "accepted", "Engineer assigned.", now=at(10, 11))
    escalate(cases["D"], customer, "other", "Nobody answers.", now=at(12, 9))
    escalate(cases["E"], customer, "other", "Just now broken.", now=at(18, 11))
    f = escalate(cases["F"], customer, "other", "Long ago.", now=datetime(2026, 2, 2, 10, tzinfo=UTC))
    decide(f, escalation_manager, "accepted", "Done.", now=datetime(2026, 2, 2, 10, 5, tzinfo=UTC))


def report(days=30) -> ComplianceReport:
    return compliance_report(now=NOW, days=days, calendars=calendar_map())


def level(result, number):
    return next(row for row in result.levels if row.level == number)


def responder(result, name):
    return next(row for row in result.responders if row.responder == name)


@pytest.fixture
def staff(client, escalation_manager):
    client.force_login(escalation_manager)
    return client


def page_html(client, url, *args, **kwargs) -> str:
    """The page at ``url`` as HTML, after checking it answered 200 (an error page has words too)."""
    response = client.get(url, *args, **kwargs)
    assert response.status_code == 200, url
    return response.content.decode()


# --- The numbers -----------------------------------------------------------------------


def test_level_1_counts_shares_and_median_in_business_time(month):
    row = level(report(), 1)

    assert (row.escalations, row.decided, row.within_sla, row.missed, row.open) == (5, 3, 2, 2, 1)
    assert row.share_within_sla == 0.5  # A and C in time; B late, D overdue; E open, left out
    # Median of 3 h 25 m, 4 h 30 m and 1 h: business time, although A took 67 wall-clock hours.
    assert row.median_business_time == timedelta(hours=3, minutes=25)
    assert row.median_display == "3 h 25 m"


def test_higher_levels_are_measured_on_their_own(month):
    result = report()
    second, third, fourth = level(result, 2), level(result, 3), level(result, 4)

    assert (second.escalations, second.within_sla, second.share_within_sla) == (1, 1, 1.0)
    assert second.median_business_time == timedelta(hours=2, minutes=30)
    # Friday 16:30 to Monday 09:45 is 65 wall-clock hours but 1 h 15 m of business time.
    assert third.median_business_time == timedelta(hours=1, minutes=15)
    assert third.share_within_sla == 1.0
    assert (fourth.escalations, fourth.share_within_sla, fourth.median_business_time) == (0, None, None)
    assert fourth.median_display == "\N{EM DASH}"


def test_the_overall_row_adds_up_every_level(month):
    overall = report().overall

    assert (overall.escalations, overall.decided, overall.within_sla, overall.missed, overall.open) == (7, 5, 4, 2, 1)
    assert overall.share_within_sla == pytest.approx(4 / 6)
    assert overall.percent_within_sla == 66  # rounded down: never shows a share it did not reach
    # Median of 1 h, 1 h 15, 2 h 30, 3 h 25 and 4 h 30.
    assert overall.median_display == "2 h 30 m"


def test_each_responder_is_measured_on_the_escalations_they_decided(month, escalation_manager, senior_manager):
    result = report()
    em = responder(result, escalation_manager.get_full_name())
    ezra = responder(result, "Ezra Second")
    senior = responder(result, senior_manager.get_full_name())

    assert len(result.people) == 3
    assert (em.decided, em.within_sla, em.missed, em.share_within_sla) == (3, 2, 1, pytest.approx(2 / 3))
    assert em.median_display == "3 h 25 m"  # of 3 h 25 m, 4 h 30 m and 2 h 30 m, at Levels 1 and 2
    assert (ezra.decided, ezra.within_sla, ezra.missed, ezra.median_display) == (1, 1, 0, "1 h")
    assert (senior.decided, senior.within_sla, senior.median_display) == (1, 1, "1 h 15 m")


def test_an_overdue_undecided_escalation_is_missed_and_a_fresh_one_is_open(month):
    waiting = report().undecided

    assert waiting.responder == UNDECIDED_LABEL
    assert (waiting.escalations, waiting.decided, waiting.missed, waiting.open) == (2, 0, 1, 1)
    assert waiting.median_business_time is None


def test_an_undecided_escalation_becomes_missed_once_its_business_time_runs_out(month):
    fresh = Escalation.objects.get(created_at=at(18, 11))
    # Four business hours after Wed 11:00 is Wed 15:00: open until then, missed just after.
    due = compliance_report(now=at(18, 15), days=30, calendars=calendar_map())
    late = compliance_report(now=at(18, 15, 1), days=30, calendars=calendar_map())

    assert fresh.review_due_at == at(18, 15)
    assert (due.undecided.missed, due.undecided.open) == (1, 1)
    assert (late.undecided.missed, late.undecided.open) == (2, 0)


def test_the_window_leaves_out_older_escalations(month):
    assert report(30).overall.escalations == 7  # F, in February, is not there
    last_week = report(7)  # from Wed 11 Mar 12:00: D, E and the Level 3 one
    assert (last_week.overall.escalations, last_week.overall.decided) == (3, 1)
    assert [row.escalations for row in last_week.levels] == [2, 0, 1, 0]


def test_business_time_runs_on_the_calendar_of_the_case_region(make_case, customer, escalation_manager, region):
    emea = BusinessCalendar.objects.create(name="EMEA days", timezone="UTC")
    Holiday.objects.create(calendar=emea, date=date(2026, 3, 9), name="A Monday off")
    region.calendar = emea
    region.save()
    escalation = escalate(make_case(created_at=OPENED), customer, "other", "Help.", now=at(6, 15))
    decide(escalation, escalation_manager, "accepted", "On it.", now=at(10, 10, 25))

    # Two hours on Friday, none on the Monday holiday, 1 h 25 m on Tuesday.
    assert level(report(), 1).median_display == "3 h 25 m"
    assert level(report(), 1).within_sla == 1


def test_a_decision_by_a_since_deleted_account_still_counts(month, second_manager):
    second_manager.delete()

    former = responder(report(), FORMER_RESPONDER_LABEL)

    assert (former.decided, former.within_sla) == (1, 1)
    assert report().overall.decided == 5


def test_an_empty_period_has_rows_without_shares_and_a_chart_without_bars(db):
    result = report()
    chart = compliance_chart(result)

    assert result.is_empty
    assert [row.level for row in result.levels] == [1, 2, 3, 4]
    assert all(row.share_within_sla is None for row in result.rows)
    assert result.responders == ()
    assert [bar.width for bar in chart.bars] == [0, 0, 0, 0, 0]
    assert {bar.value_text for bar in chart.bars} == {"no data yet"}


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(hours=1, minutes=25), "1 h 25 m"),
        (timedelta(hours=4), "4 h"),
        (timedelta(minutes=25), "25 m"),
        (timedelta(seconds=20), "0 m"),
        (timedelta(hours=3, minutes=59, seconds=40), "4 h"),
        (timedelta(hours=26, minutes=5), "26 h 5 m"),
        (None, "\N{EM DASH}"),
    ],
)
def test_business_time_reads_in_hours_and_minutes(span, text):
    assert format_business_time(span) == text


# --- The page ----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (REPORT_URL, CSV_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("who", ["customer", "outsider"])
def test_customers_do_not_find_the_report(db, client, who, request):
    client.force_login(request.getfixturevalue(who))

    assert client.get(REPORT_URL).status_code == 404
    assert client.get(CSV_URL).status_code == 404


@pytest.mark.parametrize("who", ["escalation_manager", "support_manager", "senior_manager", "vp"])
def test_escalation_staff_read_the_report(db, client, who, request):
    client.force_login(request.getfixturevalue(who))

    assert client.get(REPORT_URL).status_code == 200
    assert client.get(CSV_URL).status_code == 200


def test_the_urls_have_names():
    assert reverse("escalation-report:report") == REPORT_URL
    assert reverse("escalation-report:csv") == CSV_URL


@pytest.mark.parametrize("days", ["45", "abc", "-30", "30.0"])
def test_a_period_other_than_7_30_or_90_days_is_refused(staff, days):
    page = staff.get(REPORT_URL, {"days": days})

    assert page.status_code == 400
    assert "7, 30 or 90 days" in page.content.decode()
    assert staff.get(CSV_URL, {"days": days}).status_code == 400


def test_the_page_shows_the_tables_and_the_chart(staff, month):
    with time_machine.travel(NOW, tick=False):
        html = page_html(staff, REPORT_URL)

    assert "Level 1: Escalation Managers" in html
    assert "Ezra Second" in html
    assert "3 h 25 m" in html and "2 h 30 m" in html
    assert "66%" in html
    assert "Not yet decided: 2 escalations, 1 past the deadline (counted as missed) and 1 still open." in html
    assert '<svg class="report-chart"' in html and 'role="img"' in html
    assert "<script" not in html.split("</head>")[1]  # the chart needs no script
    assert ' style="' not in html.split("<main")[1]  # classes, ready for a strict CSP


def test_the_chart_says_its_figures_in_words(staff, month):
    with time_machine.travel(NOW, tick=False):
        html = page_html(staff, REPORT_URL)
    desc = re.search(r'<desc id="report-chart-desc">(.*?)</desc>', html, re.S).group(1)

    assert "the last 30 days (16 Feb to 18 Mar 2026)" in desc
    assert "Level 1, Escalation Managers decide: 50% (2 of 4)" in desc
    assert "Level 2, Escalation Managers decide, Support Management alerted: 100% (1 of 1)" in desc
    assert "Level 4, VP of Support decides: nothing decided or past its deadline yet" in desc
    assert "Overall: 66% (4 of 6)" in desc
    assert "The target is 90%." in desc
    assert re.search(r'<title id="report-chart-title">[^<]+</title>', html)


def test_the_chart_draws_bars_to_scale_with_the_target_line(month):
    chart = compliance_chart(report())
    by_label = {bar.label: bar for bar in chart.bars}

    assert by_label["Level 1"].width == chart.track_width // 2
    assert by_label["Level 2"].width == chart.track_width
    assert by_label["Level 4"].width == 0
    assert (by_label["Level 1"].css_class, by_label["Level 2"].css_class) == ("below", "meets")
    assert chart.target_x == chart.track_x + chart.track_width * 9 // 10


def test_the_period_links_keep_the_chosen_period(staff, month):
    with time_machine.travel(NOW, tick=False):
        html = page_html(staff, REPORT_URL, {"days": "7"})

    assert 'href="/review/report/?days=7" aria-current="page"' in html
    assert 'href="/review/report/export.csv?days=7"' in html
    assert "Ezra Second" not in html  # C was decided more than 7 days ago


def test_an_empty_period_says_so(staff):
    html = page_html(staff, REPORT_URL)

    assert "No escalations were made in the last 30 days" in html
    assert "Look at the last 90 days" in html
    assert "<svg" not in html.split("<main")[1] and "By responder" not in html


# --- The CSV -------------------------------------------------------------------------------


def csv_rows(response):
    """The CSV's rows, after checking it answered 200."""
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_csv_has_a_row_per_level_responder_and_overall(staff, month):
    with time_machine.travel(NOW, tick=False):
        response = staff.get(CSV_URL)
    rows = csv_rows(response)

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="escalation-compliance-2026-02-16-to-2026-03-18.csv"'
    )
    assert rows[0] == [
        "scope",
        "level",
        "responder",
        "escalations",
        "decided",
        "within_sla",
        "missed",
        "open",
        "share_within_sla",
        "median_business_minutes",
    ]
    assert rows[1] == ["level", "1", "", "5", "3", "2", "2", "1", "0.5000", "205.0"]
    assert rows[4] == ["level", "4", "", "0", "0", "0", "0", "0", "", ""]
    assert ["responder", "", "Ezra Second", "1", "1", "1", "0", "0", "1.0000", "60.0"] in rows
    assert ["responder", "", UNDECIDED_LABEL, "2", "0", "0", "1", "1", "0.0000", ""] in rows
    assert rows[-1] == ["overall", "", "", "7", "5", "4", "2", "1", "0.6667", "150.0"]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)"])
def test_the_csv_defuses_names_a_spreadsheet_would_run_as_formulas(staff, make_case, customer, name):
    manager = UserFactory(username="formula", first_name=name, last_name="", groups=["Escalation Managers"])
    escalation = escalate(make_case(created_at=OPENED), customer, "other", "Help.", now=at(17, 10))
    decide(escalation, manager, "accepted", "OK.", now=at(17, 11))

    with time_machine.travel(NOW, tick=False):
        rows = csv_rows(staff.get(CSV_URL))

    names = [row[2] for row in rows if row[0] == "responder"]
    assert names == ["'" + name]


# --- Speed -------------------------------------------------------------------------------


def bulk_escalations(count, organization, customer, reviewers):
    """``count`` escalations over the past week, every third one still pending."""
    cases = Case.objects.bulk_create(
        Case(
            organization=organization,
            requester=customer,
            subject=f"Bulk {n}",
            description="x",
            severity=3,
            customer_priority="normal",
            status="open",
            created_at=OPENED,
        )
        for n in range(count)
    )
    escalations = []
    for n, case in enumerate(cases):
        created = at(11, 9) + timedelta(hours=n % 120)
        decided = n % 3 != 0
        escalations.append(
            Escalation(
                case=case,
                level=1 + n % 4,
                requested_by=customer,
                reason="other",
                summary="x",
                status="accepted" if decided else "pending",
                created_at=created,
                review_due_at=created + timedelta(hours=4),
                reviewed_by=reviewers[n % len(reviewers)] if decided else None,
                reviewed_at=created + timedelta(hours=n % 9) if decided else None,
            )
        )
    Escalation.objects.bulk_create(escalations)


def test_the_page_and_the_csv_run_a_fixed_number_of_queries(
    staff, organization, customer, django_assert_max_num_queries
):
    reviewers = [UserFactory(username=f"reviewer{n}", groups=["Escalation Managers"]) for n in range(7)]
    bulk_escalations(5, organization, customer, reviewers)
    with time_machine.travel(NOW, tick=False):
        with django_assert_max_num_queries(20) as few:
            assert staff.get(REPORT_URL).status_code == 200
        page_queries = len(few.captured_queries)  # read now: the next request resets the log
        with django_assert_max_num_queries(20) as few:
            assert staff.get(CSV_URL).status_code == 200
        csv_queries = len(few.captured_queries)

        bulk_escalations(195, organization, customer, reviewers)
        with django_assert_max_num_queries(page_queries):
            html = page_html(staff, REPORT_URL)
        with django_assert_max_num_queries(csv_queries):
            rows = csv_rows(staff.get(CSV_URL))

    assert "<dd>200 <span" in html
    assert rows[-1][:4] == ["overall", "", "", "200"]
