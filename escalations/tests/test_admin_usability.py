"""The admin as someone who is not an engineer uses it: hours, a searchable time zone, named boxes, one log.

(axe-core checks the same pages in Chromium: tests/browser/test_accessibility.py.)
"""

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from cases.tests.factories import UserFactory
from escalations.admin_forms import HoursField, hours_text
from escalations.models import BusinessCalendar, EscalationLevel, EscalationWindow, Holiday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_files")]


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


def window(severity, tier_slug):
    return EscalationWindow.objects.get(severity=severity, tier__slug=tier_slug)


def default_calendar():
    return BusinessCalendar.objects.get(is_default=True)


@pytest.mark.parametrize(
    ("duration", "shown"),
    [
        (timedelta(hours=4), "4"),
        (timedelta(hours=4, minutes=30), "4.5"),
        (timedelta(minutes=15), "0.25"),
        (timedelta(hours=24), "24"),
        (timedelta(0), "0"),
        (timedelta(hours=1, minutes=20), "1 h 20 min"),
        (timedelta(hours=8, seconds=30), "8:00:30"),
    ],
)
def test_a_duration_shows_as_hours_and_reads_back_the_same(duration, shown):
    assert hours_text(duration) == shown
    assert HoursField().clean(shown) == duration


def test_the_windows_list_shows_each_wait_as_a_box_of_hours_named_after_its_row(admin_client):
    response = admin_client.get(url("escalations_escalationwindow_changelist"))

    assert response.context["cl"].formset.forms[0].instance == window(2, "premium")
    box = re.search(r'<input type="text" name="form-0-wait"[^>]*>', response.content.decode())[0]
    assert 'value="4"' in box and 'inputmode="decimal"' in box
    assert 'aria-label="Wait for Severity 2 - Major impairment, Premium, in hours"' in box
    assert "aria-describedby" not in box  # the list shows no help text to point at
    assertContains(response, '<span class="hours-unit">hours</span>', count=6)
    assertNotContains(response, 'value="4:00:00"')


def test_a_wait_typed_as_a_bare_number_of_hours_is_saved_as_that_many_hours(admin_client):
    changelist = url("escalations_escalationwindow_changelist")
    formset = admin_client.get(changelist).context["cl"].formset
    data = {
        "form-TOTAL_FORMS": str(len(formset.forms)),
        "form-INITIAL_FORMS": str(len(formset.forms)),
        "_save": "Save",
    }
    for index, form in enumerate(formset.forms):
        data[f"form-{index}-id"] = str(form.instance.pk)
        data[f"form-{index}-wait"] = "4.5" if form.instance == window(3, "premium") else form["wait"].value()

    assert admin_client.post(changelist, data).status_code == 302
    assert window(3, "premium").wait == timedelta(hours=4, minutes=30)
    assert window(3, "standard").wait == timedelta(hours=16)


def test_who_may_only_look_reads_the_waits_in_hours_without_boxes(client):
    viewer = UserFactory(username="auditor", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_escalationwindow"))
    client.force_login(viewer)

    response = client.get(url("escalations_escalationwindow_changelist"))

    assert response.status_code == 200
    assertContains(response, '<td class="field-wait_in_hours">4 h</td>', html=True)
    assertNotContains(response, 'name="form-0-wait"')


def test_a_level_review_time_is_entered_in_hours(admin_client):
    level = EscalationLevel.objects.get(number=2)
    change_url = url("escalations_escalationlevel_change", level.pk)
    response = admin_client.get(change_url)
    assertContains(response, 'name="review_within" value="4"')

    form = response.context["adminform"].form
    data = {name: form[name].value() for name in ("name", "description", "responder")}
    data.update(alerted_groups=[g.pk for g in level.alerted_groups.all()], review_within="6.5")
    data.update({name: "on" for name in ("alert_account_csm", "alert_region_senior_management", "requires_rca")
                 if form[name].value()})  # fmt: skip
    assert admin_client.post(change_url, data).status_code == 302
    level.refresh_from_db()
    assert level.review_within == timedelta(hours=6, minutes=30)


def test_the_calendar_time_zone_is_a_searchable_box_of_zone_names(admin_client):
    response = admin_client.get(url("escalations_businesscalendar_change", default_calendar().pk))

    html = response.content.decode()
    assert 'list="id_timezone_names"' in html
    assert '<datalist id="id_timezone_names">' in html
    assert '<option value="Europe/Berlin">' in html and '<option value="America/New_York">' in html
    assert "<select" not in html.split('name="timezone"')[0].rsplit("<", 1)[-1]


def test_a_zone_typed_in_any_case_is_saved_as_its_iana_name(admin_client):
    add_url = url("escalations_businesscalendar_add")
    data = {
        "name": "Berlin office",
        "timezone": " europe/berlin ",
        "working_days": ["0", "1", "2", "3", "4"],
        "opens_at": "09:00",
        "closes_at": "17:00",
        "holidays-TOTAL_FORMS": "0",
        "holidays-INITIAL_FORMS": "0",
    }

    assert admin_client.post(add_url, data).status_code == 302
    assert BusinessCalendar.objects.get(name="Berlin office").timezone == "Europe/Berlin"


def test_each_holiday_box_is_named_after_its_holiday(admin_client):
    calendar = default_calendar()
    Holiday.objects.create(calendar=calendar, date=date(2026, 12, 24), name="Christmas Eve")

    html = admin_client.get(url("escalations_businesscalendar_change", calendar.pk)).content.decode()

    assert 'aria-label="Date of “Christmas Eve”"' in html
    assert 'aria-label="Name of “Christmas Eve”"' in html
    assert 'aria-label="Delete “Christmas Eve”"' in html
    assert 'aria-label="Date of a new holiday"' in html


def test_a_split_date_and_time_has_a_label_for_each_box(admin_client):
    html = admin_client.get(url("escalations_rootcauseanalysis_add")).content.decode()

    assert re.search(r'<input [^>]*aria-label="Completed at: date"[^>]*id="id_completed_at_0"', html)
    assert re.search(r'<input [^>]*aria-label="Completed at: time"[^>]*id="id_completed_at_1"', html)


def test_the_index_lists_log_entries_once(admin_client):
    response = admin_client.get(url("index"))

    models = [model for app in response.context["app_list"] for model in app["models"]]
    assert [m["name"] for m in models].count("Log entries") == 1
    # The admin's own list of its actions stays where History and Recent actions lead.
    assert admin_client.get(url("admin_logentry_changelist")).status_code == 200


def test_every_admin_page_loads_the_portal_admin_styles_and_names_script(admin_client):
    response = admin_client.get(url("escalations_escalationwindow_changelist"))
    assertContains(response, "css/admin.css")
    assertContains(response, "js/admin_a11y.js")
