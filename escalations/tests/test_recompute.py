"""Deadlines follow their calendar: a change of hours, time zone or holidays moves the
pending escalations' deadlines, in the service and through every admin page that changes one."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.tests.factories import OrganizationFactory, RegionFactory
from escalations.audit import escalation_history
from escalations.deadlines import sweep_review_deadlines
from escalations.models import BusinessCalendar, Escalation, EscalationStatus
from escalations.recompute import pending_deadlines_recompute
from escalations.services import escalate
from escalations.tests.factories import many_escalations
from escalations.tests.test_admin import change_form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_files")]

# The default calendar is Mon-Fri 09:00-17:00 UTC and Level 1 has 4 business hours, so an
# escalation made on Wednesday 3 June 2026 at 15:00 is due on Thursday at 11:00 (2 h + 2 h),
# with the due-soon warning at 10:00.
WEDNESDAY_1500 = datetime(2026, 6, 3, 15, tzinfo=UTC)
THURSDAY = date(2026, 6, 4)
THURSDAY_1100 = datetime(2026, 6, 4, 11, tzinfo=UTC)
FRIDAY_1000 = datetime(2026, 6, 5, 10, tzinfo=UTC)
FRIDAY_1100 = datetime(2026, 6, 5, 11, tzinfo=UTC)
WEDNESDAY_1600 = datetime(2026, 6, 3, 16, tzinfo=UTC)


def default_calendar():
    return BusinessCalendar.objects.get(is_default=True)


@pytest.fixture
def escalated_at():
    """The ``escalation`` fixture is pending at Level 1 on the default calendar (the
    organization's region has none), due on Thursday at 11:00."""
    return WEDNESDAY_1500


def page_html(client, url, *args, **kwargs) -> str:
    """The page at ``url`` as HTML, after checking it answered 200 (an error page has words too)."""
    response = client.get(url, *args, **kwargs)
    assert response.status_code == 200, url
    return response.content.decode()


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# --- Through the admin ---------------------------------------------------------------------------


def test_adding_a_holiday_on_the_calendar_page_moves_the_deadline_off_it(admin_client, escalation):
    assert escalation.review_due_at == THURSDAY_1100
    calendar = default_calendar()
    change_url = reverse("admin:escalations_businesscalendar_change", args=[calendar.pk])
    data = change_form_data(
        admin_client.get(change_url), **{"holidays-0-date": THURSDAY.isoformat(), "holidays-0-name": "Company day"}
    )

    with time_machine.travel(WEDNESDAY_1600, tick=False):
        response = admin_client.post(change_url, data, follow=True)

    assert response.status_code == 200
    escalation.refresh_from_db()
    assert (escalation.due_soon_at, escalation.review_due_at) == (FRIDAY_1000, FRIDAY_1100)
    assert "1 pending escalation deadline recomputed." in messages_of(response)


def test_after_a_holiday_is_added_the_queue_shows_time_left_that_agrees_with_the_due_time(
    admin_client, client, escalation_manager, escalation
):
    calendar = default_calendar()
    change_url = reverse("admin:escalations_businesscalendar_change", args=[calendar.pk])
    data = change_form_data(
        admin_client.get(change_url), **{"holidays-0-date": THURSDAY.isoformat(), "holidays-0-name": "Company day"}
    )
    client.force_login(escalation_manager)

    with time_machine.travel(WEDNESDAY_1600, tick=False):
        assert admin_client.post(change_url, data).status_code == 302
        html = page_html(client, "/review/")

    # One hour left on Wednesday, none on the holiday, two on Friday morning: due Friday 11:00.
    assert f'datetime="{FRIDAY_1100.isoformat()}"' in html
    assert "3 h 0 m of business time left" in html
    assert f'datetime="{THURSDAY_1100.isoformat()}"' not in html


def test_importing_public_holidays_moves_the_deadlines_off_them(admin_client, escalation):
    calendar = default_calendar()
    calendar.holidays.create(date=date(2026, 6, 1), name="Already there")  # the import skips it
    import_url = reverse("admin:escalations_businesscalendar_import", args=[calendar.pk])

    # Corpus Christi, Thursday 4 June 2026, is a public holiday in Bavaria.
    with time_machine.travel(WEDNESDAY_1600, tick=False):
        response = admin_client.post(
            import_url, {"country": "DE", "subdivision": "BY", "first_year": "2026"}, follow=True
        )

    assert response.status_code == 200
    escalation.refresh_from_db()
    assert calendar.holidays.filter(date=THURSDAY).exists()
    assert (escalation.due_soon_at, escalation.review_due_at) == (FRIDAY_1000, FRIDAY_1100)
    assert "1 pending escalation deadline recomputed." in messages_of(response)


def test_changing_the_opening_hours_on_the_calendar_page_moves_the_deadline(admin_client, escalation):
    calendar = default_calendar()
    change_url = reverse("admin:escalations_businesscalendar_change", args=[calendar.pk])
    data = change_form_data(admin_client.get(change_url), opens_at="10:00:00")

    with time_machine.travel(WEDNESDAY_1600, tick=False):
        assert admin_client.post(change_url, data).status_code == 302

    escalation.refresh_from_db()
    # Two hours on Wednesday, two from Thursday's new opening at 10:00.
    assert escalation.review_due_at == datetime(2026, 6, 4, 12, tzinfo=UTC)


def test_renaming_a_calendar_recomputes_nothing(admin_client, escalation):
    calendar = default_calendar()
    change_url = reverse("admin:escalations_businesscalendar_change", args=[calendar.pk])
    response = admin_client.post(change_url, change_form_data(admin_client.get(change_url), name="Office"), follow=True)

    assert response.status_code == 200
    assert not any("recomputed" in message for message in messages_of(response))
    assert not escalation_history_events(escalation) - {"escalated"}


def test_adding_and_deleting_a_holiday_in_its_own_admin_moves_the_deadline_and_back(admin_client, escalation):
    calendar = default_calendar()
    with time_machine.travel(WEDNESDAY_1600, tick=False):
        response = admin_client.post(
            reverse("admin:escalations_holiday_add"),
            {"calendar": calendar.pk, "date": THURSDAY.isoformat(), "name": "Company day"},
            follow=True,
        )
        assert response.status_code == 200
        escalation.refresh_from_db()
        assert escalation.review_due_at == FRIDAY_1100
        assert "1 pending escalation deadline recomputed." in messages_of(response)

        holiday = calendar.holidays.get()
        deleted = admin_client.post(reverse("admin:escalations_holiday_delete", args=[holiday.pk]), {"post": "yes"})
        assert deleted.status_code == 302

    escalation.refresh_from_db()
    assert escalation.review_due_at == THURSDAY_1100


def test_making_another_calendar_the_default_moves_the_deadlines_of_regions_without_one(admin_client, escalation):
    add_url = reverse("admin:escalations_businesscalendar_add")
    data = change_form_data(admin_client.get(add_url), name="New York", timezone="America/New_York", is_default="on")

    with time_machine.travel(WEDNESDAY_1600, tick=False):
        assert admin_client.post(add_url, data).status_code == 302

    escalation.refresh_from_db()
    # 09:00-17:00 in New York is 13:00-21:00 UTC in June: 11:00 to 15:00 there, on Wednesday.
    assert escalation.review_due_at == datetime(2026, 6, 3, 19, tzinfo=UTC)


# --- The service ---------------------------------------------------------------------------------


def escalation_history_events(escalation):
    return {entry.action for entry in escalation_history(escalation)}


@pytest.mark.parametrize(
    ("change", "due_soon_at", "review_due_at"),
    [
        pytest.param({}, datetime(2026, 6, 4, 10, tzinfo=UTC), THURSDAY_1100, id="nothing changed"),
        pytest.param({"holiday": THURSDAY}, FRIDAY_1000, FRIDAY_1100, id="a holiday on the due date"),
        pytest.param({"holiday": date(2026, 6, 3)}, datetime(2026, 6, 4, 12, tzinfo=UTC),
                     datetime(2026, 6, 4, 13, tzinfo=UTC), id="a holiday on the day it was made"),
        pytest.param({"holiday": date(2026, 6, 5)}, datetime(2026, 6, 4, 10, tzinfo=UTC), THURSDAY_1100,
                     id="a holiday after the due date"),
        pytest.param({"closes_at": time(16)}, datetime(2026, 6, 4, 11, tzinfo=UTC),
                     datetime(2026, 6, 4, 12, tzinfo=UTC), id="closing an hour earlier"),
        pytest.param({"working_days": [0, 1, 2, 4]}, FRIDAY_1000, FRIDAY_1100, id="no longer working Thursdays"),
        pytest.param({"timezone": "Asia/Tokyo"}, datetime(2026, 6, 4, 3, tzinfo=UTC),
                     datetime(2026, 6, 4, 4, tzinfo=UTC), id="a time zone nine hours ahead"),
    ],
)  # fmt: skip
def test_the_deadlines_are_computed_again_from_when_the_escalation_was_made(
    escalation, change, due_soon_at, review_due_at
):
    calendar = default_calendar()
    if "holiday" in change:
        calendar.holidays.create(date=change.pop("holiday"), name="Holiday")
    BusinessCalendar.objects.filter(pk=calendar.pk).update(**change)

    count = pending_deadlines_recompute(calendar=calendar, now=WEDNESDAY_1600)

    escalation.refresh_from_db()
    assert (escalation.due_soon_at, escalation.review_due_at) == (due_soon_at, review_due_at)
    assert count == (0 if review_due_at == THURSDAY_1100 else 1)


def test_only_pending_escalations_on_the_changed_calendar_move(make_old_case, make_case, customer, escalation):
    tokyo = BusinessCalendar.objects.create(name="Tokyo", timezone="Asia/Tokyo")
    in_tokyo = OrganizationFactory(name="Nippon", region=RegionFactory(name="APAC", calendar=tokyo), members=[customer])
    without_region = OrganizationFactory(name="Nowhere", region=None, members=[customer])

    def escalated(**fields):
        return escalate(make_old_case(**fields), customer, "other", "Help.", now=WEDNESDAY_1500)

    on_tokyo = escalated(organization=in_tokyo)
    on_default_without_region = escalated(organization=without_region)
    decided = escalated()
    Escalation.objects.filter(pk=decided.pk).update(status=EscalationStatus.ACCEPTED)
    superseded = escalated()
    Escalation.objects.filter(pk=superseded.pk).update(superseded_at=WEDNESDAY_1600)
    default_calendar().holidays.create(date=THURSDAY, name="Company day")
    tokyo_due = on_tokyo.review_due_at

    assert pending_deadlines_recompute(calendar=default_calendar(), now=WEDNESDAY_1600) == 2

    assert due_at(escalation) == due_at(on_default_without_region) == FRIDAY_1100
    assert due_at(decided) == due_at(superseded) == THURSDAY_1100
    assert due_at(on_tokyo) == tokyo_due == datetime(2026, 6, 4, 4, tzinfo=UTC)  # Thursday 13:00 in Tokyo

    tokyo.holidays.create(date=THURSDAY, name="Company day")
    assert pending_deadlines_recompute(calendar=tokyo, now=WEDNESDAY_1600) == 1
    assert due_at(on_tokyo) == datetime(2026, 6, 5, 4, tzinfo=UTC)
    assert due_at(escalation) == FRIDAY_1100


def due_at(escalation):
    escalation.refresh_from_db()
    return escalation.review_due_at


def test_each_moved_deadline_is_recorded_in_the_escalation_history_with_who_moved_it(escalation, admin_user):
    default_calendar().holidays.create(date=THURSDAY, name="Company day")

    pending_deadlines_recompute(calendar=default_calendar(), by=admin_user, now=WEDNESDAY_1600)
    pending_deadlines_recompute(calendar=default_calendar(), by=admin_user, now=WEDNESDAY_1600)  # nothing moves

    [entry] = [entry for entry in escalation_history(escalation) if entry.action == "deadline_recomputed"]
    assert (entry.actor, entry.timestamp) == (admin_user, WEDNESDAY_1600)
    changes = {change.field: (change.before, change.after) for change in entry.changes}
    assert changes == {
        "due_soon_at": ("2026-06-04T10:00:00+00:00", "2026-06-05T10:00:00+00:00"),
        "review_due_at": ("2026-06-04T11:00:00+00:00", "2026-06-05T11:00:00+00:00"),
    }


def test_an_overdue_escalation_whose_deadline_moves_ahead_is_no_longer_overdue_until_then(
    client, escalation_manager, escalation
):
    thursday_1130 = THURSDAY_1100 + timedelta(minutes=30)
    assert sweep_review_deadlines(now=thursday_1130).overdue == 1
    default_calendar().holidays.create(date=THURSDAY, name="Company day")

    pending_deadlines_recompute(calendar=default_calendar(), now=thursday_1130)

    escalation.refresh_from_db()
    assert escalation.overdue_at is None
    client.force_login(escalation_manager)
    with time_machine.travel(thursday_1130, tick=False):
        html = page_html(client, "/review/")
    assert "2 h 0 m of business time left" in html and "0 overdue" in html
    assert sweep_review_deadlines(now=FRIDAY_1100).overdue == 1


def test_a_deadline_moved_into_the_past_is_flagged_by_the_next_sweep(escalation):
    thursday_1030 = THURSDAY_1100 - timedelta(minutes=30)
    BusinessCalendar.objects.filter(is_default=True).update(timezone="Asia/Tokyo")  # due Thursday 04:00 UTC

    pending_deadlines_recompute(calendar=default_calendar(), now=thursday_1030)

    escalation.refresh_from_db()
    assert (escalation.review_due_at, escalation.overdue_at) == (datetime(2026, 6, 4, 4, tzinfo=UTC), None)
    assert sweep_review_deadlines(now=thursday_1030).overdue == 1


def test_the_recompute_costs_one_history_row_per_moved_deadline_and_no_other_query_per_escalation(
    organization, customer, escalation_manager
):
    def queries_to_recompute(count):
        Escalation.objects.all().delete()
        many_escalations(count, organization, customer, escalation_manager, now=WEDNESDAY_1500)
        with CaptureQueriesContext(connection) as queries:
            assert pending_deadlines_recompute(calendar=default_calendar(), now=WEDNESDAY_1600) == count
        return len(queries)

    assert queries_to_recompute(30) - queries_to_recompute(3) == 27


def test_right_after_a_holiday_import_the_queue_counts_time_left_on_the_new_calendar(
    admin_client, client, escalation_manager, escalation
):
    import_url = reverse("admin:escalations_businesscalendar_import", args=[default_calendar().pk])
    client.force_login(escalation_manager)

    with time_machine.travel(WEDNESDAY_1600, tick=False):
        # This page loads the process's calendar map, as it stands before the import.
        assert f'datetime="{THURSDAY_1100.isoformat()}"' in page_html(client, "/review/")
        imported = admin_client.post(import_url, {"country": "DE", "subdivision": "BY", "first_year": "2026"})
        assert imported.status_code == 302
        html = page_html(client, "/review/")

    # The import's bulk insert sends no signal: without the recompute dropping the process's
    # calendar map, Thursday would still count, and the page would say 11 h.
    assert f'datetime="{FRIDAY_1100.isoformat()}"' in html
    assert "3 h 0 m of business time left" in html


def test_deleting_a_regions_calendar_puts_its_deadlines_on_the_default_calendar(admin_client, make_old_case, customer):
    tokyo = BusinessCalendar.objects.create(name="Tokyo", timezone="Asia/Tokyo")
    in_tokyo = OrganizationFactory(name="Nippon", region=RegionFactory(name="APAC", calendar=tokyo), members=[customer])
    escalation = escalate(make_old_case(organization=in_tokyo), customer, "other", "Help.", now=WEDNESDAY_1500)
    assert escalation.review_due_at == datetime(2026, 6, 4, 4, tzinfo=UTC)

    with time_machine.travel(WEDNESDAY_1600, tick=False):
        response = admin_client.post(
            reverse("admin:escalations_businesscalendar_delete", args=[tokyo.pk]), {"post": "yes"}, follow=True
        )

    assert response.status_code == 200
    assert due_at(escalation) == THURSDAY_1100
    assert "1 pending escalation deadline recomputed." in messages_of(response)
