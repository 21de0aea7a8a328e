"""The support queue page: open cases in the order support works them, for staff only."""

from datetime import timedelta

from django.utils import timezone

from cases.models import Case
from escalations.services import escalate


def hours_ago(n):
    return timezone.now() - timedelta(hours=n)


def page_html(client, url, *args, **kwargs) -> str:
    """The page at ``url`` as HTML, after checking it answered 200 (an error page has words too)."""
    response = client.get(url, *args, **kwargs)
    assert response.status_code == 200, url
    return response.content.decode()


def positions(html, *subjects):
    return [html.index(subject) for subject in subjects]


def test_customers_get_not_found_and_anonymous_visitors_sign_in(client, customer):
    anonymous = client.get("/support/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")

    client.force_login(customer)
    assert client.get("/support/").status_code == 404


def test_it_explains_the_order_at_the_top(staff_browser):
    html = page_html(staff_browser, "/support/")

    assert "premium before standard, then severity, then Customer Priority, then age" in html


def test_premium_comes_first_then_severity_then_priority_then_age(
    staff_browser, make_case, standard_organization, customer
):
    make_case(
        subject="Standard sev 2 high",
        organization=standard_organization,
        severity=2,
        customer_priority="high",
        created_at=hours_ago(50),
    )
    make_case(subject="Premium sev 3 old", severity=3, created_at=hours_ago(40))
    make_case(subject="Premium sev 3 high new", severity=3, customer_priority="high", created_at=hours_ago(1))
    make_case(subject="Premium sev 2 low", severity=2, customer_priority="low", created_at=hours_ago(1))
    make_case(subject="Premium sev 3 newer", severity=3, created_at=hours_ago(2))
    make_case(subject="Solved premium", severity=2, status="solved")

    html = page_html(staff_browser, "/support/")

    expected = [
        "Premium sev 2 low",
        "Premium sev 3 high new",
        "Premium sev 3 old",
        "Premium sev 3 newer",
        "Standard sev 2 high",
    ]
    assert positions(html, *expected) == sorted(positions(html, *expected))
    assert "Solved premium" not in html


def test_raising_priority_to_high_moves_a_case_up_within_its_tier(staff_browser, make_case):
    make_case(subject="Older normal case", created_at=hours_ago(10))
    mine = make_case(subject="Newer urgent case", created_at=hours_ago(1))
    before = page_html(staff_browser, "/support/")

    mine.customer_priority = "high"
    mine.save()
    after = page_html(staff_browser, "/support/")

    assert before.index("Older normal case") < before.index("Newer urgent case")
    assert after.index("Newer urgent case") < after.index("Older normal case")


def test_each_row_shows_first_response_and_the_current_escalation(staff_browser, make_case, customer):
    waiting = make_case(subject="Nobody answered", created_at=hours_ago(2))
    escalated = make_case(
        subject="Escalated one",
        created_at=timezone.now() - timedelta(days=3),
        first_response_at=timezone.now() - timedelta(days=2),
    )
    escalation = escalate(escalated, customer, "other", "Please.")

    html = page_html(staff_browser, "/support/")
    waiting_row = html[html.index(waiting.subject) :]
    waiting_row = waiting_row[: waiting_row.index("</tr>")]

    assert "Awaiting first response" in waiting_row
    assert f'href="/review/{escalation.pk}/">Level 1</a>' in html
    assert "Pending review" in html


def test_it_filters_by_tier_and_severity(staff_browser, make_case, standard_organization):
    make_case(subject="Premium minor", severity=3)
    make_case(subject="Standard major", organization=standard_organization, severity=2)

    standard = page_html(staff_browser, "/support/?tier=standard")
    major = page_html(staff_browser, "/support/?severity=2")

    assert "Standard major" in standard and "Premium minor" not in standard
    assert "Standard major" in major and "Premium minor" not in major
    assert '<label for="id_tier">' in standard and '<label for="id_severity">' in standard


def test_it_is_paginated_and_numbers_positions_across_pages(staff_browser, organization, customer):
    Case.objects.bulk_create(
        Case(
            organization=organization,
            requester=customer,
            subject=f"Case number {n:02}",
            description="x",
            created_at=hours_ago(100 - n),
        )
        for n in range(30)
    )

    second = page_html(staff_browser, "/support/?page=2")

    assert "Page 2 of 2" in second
    assert "Case number 25" in second and "Case number 24" not in second
    assert '<td class="position" data-label="Position">26</td>' in second


def test_the_support_queue_runs_a_fixed_number_of_queries(
    staff_browser, organization, standard_organization, customer, escalation_manager, django_assert_max_num_queries
):
    def add_cases(count):
        cases = Case.objects.bulk_create(
            Case(
                organization=organization if n % 2 else standard_organization,
                requester=customer,
                subject=f"Bulk {n}",
                description="x",
                severity=2 + n % 3,
                created_at=hours_ago(72 + n),
            )
            for n in range(count)
        )
        for case in cases[:3]:
            escalate(case, customer, "other", "Help.")

    organization.members.add(customer)
    standard_organization.members.add(customer)
    add_cases(5)
    with django_assert_max_num_queries(12) as with_five:
        response = staff_browser.get("/support/")
    assert response.status_code == 200
    queries_with_five = len(with_five.captured_queries)  # read now: the next request resets the log
    add_cases(95)

    with django_assert_max_num_queries(queries_with_five):
        response = staff_browser.get("/support/")
    assert response.status_code == 200
    assert "100</strong> open cases" in response.content.decode()
