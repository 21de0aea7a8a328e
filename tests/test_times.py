"""Times for people (issue 12): one format, in the reader's zone, with the zone named, on
pages and in emails; the API keeps ISO 8601; countdowns say which clock they count."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.template import Context, Template
from django.utils import timezone as dj_timezone

from cases.tests.factories import CaseFactory, OrganizationFactory, RegionFactory, UserFactory, tier
from escalations.business_hours import business_time_between
from escalations.models import BusinessCalendar
from escalations.selectors import calendar_map
from escalations.services import escalate
from escalations.views import business_time_words
from notifications.delivery import deliver
from notifications.models import Notification, Preferences
from portal import times

# Monday 7 December 2026, 15:00 UTC: 10:00 in New York (EST), 16:00 in Berlin (CET).
MONDAY_10AM_NEW_YORK = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
OPENED = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)

# The format


INSTANTS = [
    ("berlin-winter", datetime(2026, 12, 2, 9, 33, tzinfo=UTC), "Europe/Berlin", "Wed 2 Dec 2026, 10:33 CET"),
    ("berlin-summer", datetime(2026, 7, 10, 14, 30, tzinfo=UTC), "Europe/Berlin", "Fri 10 Jul 2026, 16:30 CEST"),
    ("new-york-day-before", datetime(2026, 12, 2, 3, 0, tzinfo=UTC), "America/New_York", "Tue 1 Dec 2026, 22:00 EST"),
    ("utc", datetime(2026, 12, 2, 9, 33, tzinfo=UTC), "UTC", "Wed 2 Dec 2026, 09:33 UTC"),
    # Zones without an abbreviation are named by their offset, never a bare "-03".
    ("sao-paulo", datetime(2026, 12, 2, 12, 0, tzinfo=UTC), "America/Sao_Paulo", "Wed 2 Dec 2026, 09:00 UTC-03"),
    ("kathmandu", datetime(2026, 12, 2, 12, 0, tzinfo=UTC), "Asia/Kathmandu", "Wed 2 Dec 2026, 17:45 UTC+05:45"),
    # The moment's own zone does not matter, only the reader's.
    ("given-in-tokyo", datetime(2026, 12, 2, 18, 33, tzinfo=ZoneInfo("Asia/Tokyo")), "Europe/Berlin",
     "Wed 2 Dec 2026, 10:33 CET"),
]  # fmt: skip


@pytest.mark.parametrize(("moment", "zone", "words"), [i[1:] for i in INSTANTS], ids=[i[0] for i in INSTANTS])
def test_an_instant_reads_in_the_readers_zone_with_the_zone_named(moment, zone, words):
    assert times.format_instant(moment, ZoneInfo(zone)) == words
    with dj_timezone.override(ZoneInfo(zone)):
        assert times.format_instant(moment) == words
        assert Template("{{ moment|when }}").render(Context({"moment": moment})) == words


def test_a_naive_datetime_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="aware"):
        times.format_instant(datetime(2026, 12, 2, 9, 33))


def test_the_filter_shows_nothing_for_no_time_and_a_day_for_a_date():
    template = Template("[{{ nothing|when }}] [{{ day|when }}]")
    assert template.render(Context({"nothing": None, "day": datetime(2026, 12, 2).date()})) == "[] [Wed 2 Dec 2026]"


def test_the_offered_zones_are_searchable_names_and_their_case_does_not_matter():
    names = times.zone_names()
    assert {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"} <= set(names)
    assert not {"localtime", "Etc/GMT+5", "EST"} & set(names)
    assert times.canonical_zone_name("  europe/BERLIN ") == "Europe/Berlin"
    assert times.canonical_zone_name("Mars/Olympus_Mons") is None


# Whose zone


@pytest.fixture
def new_york_calendar(db):
    return BusinessCalendar.objects.create(name="New York office", timezone="America/New_York")


@pytest.fixture
def new_york_customer(db, new_york_calendar):
    """A customer whose organization's region works on New York time: no setting of their own."""
    user = UserFactory(username="nina", first_name="Nina", last_name="York")
    region = RegionFactory(name="Americas", calendar=new_york_calendar)
    OrganizationFactory(name="Gotham Inc", tier=tier("premium"), region=region, members=[user])
    return user


@pytest.fixture
def berlin_manager(db):
    """An Escalation Manager (no organization) who chose Berlin time in their settings."""
    user = UserFactory(username="bernd", first_name="Bernd", last_name="Berliner", groups=["Escalation Managers"])
    Preferences.objects.create(user=user, time_zone="Europe/Berlin")
    return user


def test_a_person_reads_in_their_own_choice_else_their_organizations_calendar_zone(
    new_york_customer, berlin_manager, escalation_manager, customer, organization, settings
):
    BusinessCalendar.objects.filter(is_default=True).update(timezone="Asia/Tokyo")
    settings.TIME_ZONE = "UTC"

    zones = times.zone_names_of([new_york_customer, berlin_manager, escalation_manager, customer])

    assert zones == {
        new_york_customer.pk: "America/New_York",  # the region's calendar
        berlin_manager.pk: "Europe/Berlin",  # their own setting
        escalation_manager.pk: "UTC",  # no organization: the site's zone
        customer.pk: "Asia/Tokyo",  # a region without a calendar: the default calendar, as deadlines
    }
    # Without their own setting, the manager would read in the site's zone.
    assert times.zone_names_of([berlin_manager], own_setting=False) == {berlin_manager.pk: "UTC"}


def test_an_unknown_zone_on_a_calendar_falls_back_to_the_sites_zone_instead_of_failing(new_york_calendar):
    assert times.zone_named("Not/A_Zone") == ZoneInfo("UTC")
    assert times.zone_named("") == ZoneInfo("UTC")


# Pages and emails


@pytest.fixture
def new_york_case(new_york_customer):
    organization = new_york_customer.organizations.get()
    return CaseFactory(organization=organization, requester=new_york_customer, severity=2, created_at=OPENED)


def test_a_new_york_customer_and_a_berlin_manager_read_the_same_due_time_in_their_own_zones(
    client, new_york_case, new_york_customer, berlin_manager, django_capture_on_commit_callbacks
):
    escalation = escalate(new_york_case, new_york_customer, "other", "Our launch is today.", now=MONDAY_10AM_NEW_YORK)
    # 4 business hours on New York's calendar from 10:00 there: 14:00 EST, which is 20:00 in Berlin.
    assert escalation.review_due_at == datetime(2026, 12, 7, 19, 0, tzinfo=UTC)
    in_new_york, in_berlin = "Mon 7 Dec 2026, 14:00 EST", "Mon 7 Dec 2026, 20:00 CET"

    # Emails: each recipient's copy in their own zone.
    for row in Notification.objects.filter(escalation=escalation):
        deliver(row.pk)
    customer_mail = next(m for m in mail.outbox if m.to == [new_york_customer.email])
    manager_mail = next(m for m in mail.outbox if m.to == [berlin_manager.email])
    assert in_new_york in customer_mail.body and in_berlin not in customer_mail.body
    assert in_berlin in manager_mail.body and in_new_york not in manager_mail.body

    # Pages: the customer's case page and the manager's escalation page.
    client.force_login(new_york_customer)
    case_page = client.get(new_york_case.get_absolute_url()).content.decode()
    client.force_login(berlin_manager)
    escalation_page = client.get(f"/review/{escalation.pk}/").content.decode()
    assert in_new_york in case_page and in_berlin not in case_page
    assert in_berlin in escalation_page and in_new_york not in escalation_page


def test_a_page_costs_no_query_for_the_readers_zone(
    client, new_york_case, new_york_customer, django_assert_max_num_queries
):
    client.force_login(new_york_customer)  # the zone is read once, at sign-in

    with django_assert_max_num_queries(20) as page:
        html = client.get(new_york_case.get_absolute_url()).content.decode()

    assert "EST" in html
    assert not [q for q in page.captured_queries if "notifications_preferences" in q["sql"]]


def test_a_session_reads_its_zone_again_after_a_while(client, new_york_case, new_york_customer):
    client.force_login(new_york_customer)
    Preferences.objects.create(user=new_york_customer, time_zone="Asia/Tokyo")  # chosen on another device
    assert "EST" in client.get(new_york_case.get_absolute_url()).content.decode()

    with time_machine.travel(dj_timezone.now() + timedelta(seconds=times.ZONE_RECHECK_SECONDS + 1)):
        html = client.get(new_york_case.get_absolute_url()).content.decode()

    assert "JST" in html and " EST" not in html


def test_the_api_keeps_iso_8601_whoever_asks(client, case, customer):
    Preferences.objects.create(user=customer, time_zone="America/New_York")
    client.force_login(customer)

    body = client.get(f"/api/v1/cases/{case.pk}/").json()

    assert body["created_at"].endswith("Z")
    assert datetime.fromisoformat(body["created_at"]) == case.created_at


def test_an_anonymous_visitor_reads_the_sites_zone(client):
    response = client.get("/login/")

    assert response.status_code == 200


# Countdowns say which clock they count


def test_a_pending_review_shows_the_business_time_left_not_a_clock_countdown(client, new_york_case, new_york_customer):
    escalate(new_york_case, new_york_customer, "other", "Our launch is today.", now=MONDAY_10AM_NEW_YORK)
    client.force_login(new_york_customer)

    # 11:30 in New York: 2 h 30 m of the 4 business hours are left.
    with time_machine.travel(MONDAY_10AM_NEW_YORK + timedelta(minutes=90), tick=False):
        html = client.get(new_york_case.get_absolute_url()).content.decode()
        calendar = calendar_map().for_region(new_york_case.organization.region_id)
        left = business_time_between(calendar, dj_timezone.now(), datetime(2026, 12, 7, 19, 0, tzinfo=UTC))

    assert business_time_words(left, overdue=False) == "2 h 30 m of business time left"
    assert "2 h 30 m of business time left</strong> for the review, which counts business hours only" in html
    panel = html[html.index('id="escalate"') :]
    assert "data-countdown" not in panel[: panel.index("</section>")]
    assert "A decision is due by Mon 7 Dec 2026, 14:00 EST" in panel


def test_the_wait_before_escalating_is_counted_down_as_clock_time(client, new_york_customer):
    organization = new_york_customer.organizations.get()
    fresh = CaseFactory(
        organization=organization,
        requester=new_york_customer,
        severity=2,
        created_at=dj_timezone.now() - timedelta(minutes=30),
    )
    client.force_login(new_york_customer)

    html = client.get(fresh.get_absolute_url()).content.decode()

    assert "data-countdown=" in html
    assert 'class="clock-kind">of clock time</span>' in html
    # The message names the moment in the reader's zone too, not in UTC.
    opens_at = fresh.created_at + timedelta(hours=4)
    assert f"You can escalate this case from {times.format_instant(opens_at, ZoneInfo('America/New_York'))}" in html


def test_every_time_on_a_page_is_in_the_one_format(client, new_york_case, new_york_customer, berlin_manager):
    """No page falls back to another format: each <time> element's text is format_instant of its instant."""
    escalation = escalate(new_york_case, new_york_customer, "other", "Launch.", now=MONDAY_10AM_NEW_YORK)
    client.force_login(berlin_manager)
    berlin = ZoneInfo("Europe/Berlin")
    for url in (new_york_case.get_absolute_url(), f"/review/{escalation.pk}/", "/review/?status=pending"):
        html = client.get(url).content.decode()
        stamps = re.findall(r'<time datetime="([^"]+)"(?: title="[^"]*")?>([^<]*)</time>', html)
        assert stamps, url
        for instant, text in stamps:
            moment = datetime.fromisoformat(instant)
            if "ago" in text or not text.strip()[:1].isupper():
                continue  # "3 days ago": a span, not a time of day
            assert text == times.format_instant(moment, berlin), (url, instant, text)
