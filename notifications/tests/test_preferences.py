"""A person's settings page: the time zone they read in and how they are emailed."""

import pytest
from django.utils import timezone

from notifications.models import EmailMode, NotificationKind, Preferences
from notifications.preferences import INFORMATIONAL_KINDS, is_alert
from portal import times

URL = "/account/settings/"


def test_every_signed_in_person_finds_their_settings_in_the_header(browser):
    html = browser.get("/").content.decode()

    assert f'href="{URL}"' in html
    assert ">Settings</a>" in html


def test_the_page_offers_every_zone_to_search_and_says_what_the_default_is(browser, customer):
    response = browser.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'list="time-zone-names"' in html and '<datalist id="time-zone-names">' in html
    assert html.count("<option value=") >= len(times.zone_names()) > 300
    assert '<option value="Europe/Berlin">' in html
    # The organization's region has no calendar: the default calendar's zone (UTC as seeded).
    assert 'placeholder="UTC"' in html
    assert "Leave it empty to use your organization's time zone, UTC." in html


def test_a_person_chooses_a_zone_in_any_case_and_the_digest(browser, customer):
    response = browser.post(URL, {"time_zone": " europe/berlin ", "email_mode": "digest"})

    assert response.status_code == 302
    saved = Preferences.objects.get(user=customer)
    assert (saved.time_zone, saved.email_mode) == ("Europe/Berlin", EmailMode.DIGEST)
    # From the next page on, times read in Berlin (this session's copy was updated).
    page = browser.get(URL).content.decode()
    assert "Your settings are saved." in page
    now_in_berlin = times.format_instant(timezone.now(), times.zone_named("Europe/Berlin"))
    assert now_in_berlin[:-4] in page and ("CET" in page or "CEST" in page)
    assert 'value="Europe/Berlin"' in page


def test_an_unknown_zone_is_refused_with_a_message_and_nothing_is_saved(browser, customer):
    response = browser.post(URL, {"time_zone": "Mars/Olympus_Mons", "email_mode": "immediate"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "“Mars/Olympus_Mons” is not a time zone we know." in html
    assert 'aria-invalid="true"' in html
    assert 'value="Mars/Olympus_Mons"' in html  # what they typed stays, to correct it
    assert not Preferences.objects.filter(user=customer).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"time_zone": "", "email_mode": "weekly"},
        {"time_zone": "", "email_mode": ""},
        {"time_zone": "x" * 500, "email_mode": "immediate"},
        {},
    ],
    ids=["unknown-mode", "no-mode", "too-long", "nothing"],
)
def test_bad_input_answers_400_with_the_form_never_500(browser, customer, data):
    response = browser.post(URL, data)

    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not Preferences.objects.filter(user=customer).exists()


def test_an_empty_zone_goes_back_to_the_default(browser, customer):
    Preferences.objects.create(user=customer, time_zone="Asia/Tokyo", email_mode=EmailMode.DIGEST)

    response = browser.post(URL, {"time_zone": "", "email_mode": "immediate"})

    assert response.status_code == 302
    saved = Preferences.objects.get(user=customer)
    assert (saved.time_zone, saved.email_mode) == ("", EmailMode.IMMEDIATE)
    assert times.zone_names_of([customer]) == {customer.pk: "UTC"}


def test_the_settings_page_is_for_signed_in_people_only(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_page_lists_which_messages_the_digest_holds_and_which_always_come_at_once(browser):
    html = browser.get(URL).content.decode()

    assert "Escalation alert" in html.split("Alerts are always emailed at once")[1].split("</p>")[0]
    assert "CSM informed" in html.split("It gathers:")[1].split("</p>")[0]


# Which kinds are alerts


def test_alerts_are_the_messages_that_ask_someone_to_act_against_a_clock():
    alerts = {kind for kind in NotificationKind.values if is_alert(kind)}

    assert alerts >= {
        "escalation_alert", "review_due_soon", "review_overdue", "outage_alert", "customer_reply",
        "escalation_not_accepted",
    }  # fmt: skip
    assert not alerts & {"csm_informed", "escalation_received", "escalation_accepted", "case_reply"}
    assert INFORMATIONAL_KINDS <= set(NotificationKind.values)


def test_a_kind_nobody_classified_is_sent_at_once():
    assert is_alert("a_kind_added_next_year")


def test_an_admin_sets_someones_zone_checked_as_the_settings_page_checks_it(admin_client, customer):
    from notifications.models import Preferences

    refused = admin_client.post(
        "/admin/notifications/preferences/add/",
        {"user": customer.pk, "time_zone": "Mars/Olympus", "email_mode": "immediate"},
    )
    assert refused.status_code == 200
    assert "is not a time zone we know" in refused.content.decode()
    assert not Preferences.objects.exists()

    saved = admin_client.post(
        "/admin/notifications/preferences/add/",
        {"user": customer.pk, "time_zone": "europe/berlin", "email_mode": "digest"},
    )
    assert saved.status_code == 302
    assert Preferences.objects.get(user=customer).time_zone == "Europe/Berlin"
    assert 'list="id_time_zone_names"' in admin_client.get("/admin/notifications/preferences/add/").content.decode()
