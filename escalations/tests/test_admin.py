"""The Django admin as an admin tuning the escalation rules uses it, against the seeded rules."""

import re
from datetime import date, timedelta

import pytest
from django import forms
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertInHTML, assertNotContains

from cases.models import CaseComment, SupportTier
from escalations.admin_forms import format_hours
from escalations.models import (
    BusinessCalendar,
    Escalation,
    EscalationLevel,
    EscalationWindow,
    Holiday,
    RootCauseAnalysis,
)
from notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_files")]

# Germany's nationwide public holidays in 2026, as the holidays package (0.108) has them.
GERMANY_2026 = {
    date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14),
    date(2026, 5, 25), date(2026, 10, 3), date(2026, 12, 25), date(2026, 12, 26),
}  # fmt: skip


def window(severity, tier_slug):
    return EscalationWindow.objects.get(severity=severity, tier__slug=tier_slug)


def default_calendar():
    return BusinessCalendar.objects.get(is_default=True)


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


def get_ok(client, url, *args, **kwargs):
    """GET ``url`` and check it answered 200; the response, for its context or content."""
    response = client.get(url, *args, **kwargs)
    assert response.status_code == 200, url
    return response


def post_data(*forms_and_formsets, **overrides):
    """What a browser would send back for these forms untouched, with overrides applied."""
    data = {}
    for item in forms_and_formsets:
        for form in [item.management_form, *item.forms] if hasattr(item, "forms") else [item]:
            for field in form:
                value = field.value()
                if isinstance(field.field.widget, forms.CheckboxInput):
                    if value:
                        data[field.html_name] = "on"
                elif isinstance(field.field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
                    data[field.html_name] = [str(v) for v in value or ()]
                else:
                    data[field.html_name] = "" if value is None else str(value)
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def change_form_data(response, **overrides):
    """The change page's form and inlines, as posted back; an override of None leaves a field out."""
    assert response.status_code == 200
    formsets = [inline.formset for inline in response.context["inline_admin_formsets"]]
    return post_data(response.context["adminform"].form, *formsets, **overrides)


def errors_of(response):
    """The error messages of an admin page's main form, in one string (the form shown again: 200)."""
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    return " ".join(message for messages in errors.values() for message in messages)


@pytest.fixture
def level_4_escalation(case, customer):
    """Made straight in the table: the admin lists and shows it, whatever the service would allow."""
    return Escalation.objects.create(
        case=case,
        level=4,
        requested_by=customer,
        reason="other",
        summary="The import has failed for two days.",
        review_due_at=timezone.now() + timedelta(hours=4),
    )


@pytest.fixture
def populated(case, customer, level_4_escalation, vp, admin_user):
    """One of everything the admin lists, so the list and change pages render rows."""
    CaseComment.objects.create(case=case, author=customer, body="Any news?")
    RootCauseAnalysis.objects.create(
        escalation=level_4_escalation,
        root_cause="A full disk.",
        corrective_actions="Disk alerts.",
        completed_by=vp,
    )
    Notification.objects.create(
        recipient=customer, kind="escalation_received", subject="We received your escalation", body="Thanks.",
        case=case, escalation=level_4_escalation, dedupe_key="test-escalation-received",
    )  # fmt: skip
    Holiday.objects.create(calendar=default_calendar(), date=date(2026, 12, 24), name="Christmas Eve")
    LogEntry.objects.log_actions(user_id=admin_user.pk, queryset=[case], action_flag=CHANGE, change_message="Test.")


# Every page


def test_the_admin_says_whose_it_is(admin_client):
    assertContains(admin_client.get(url("index")), "Case Portal administration")


def test_every_model_on_the_admin_index_opens_its_list_and_add_page(admin_client, populated):
    models = [m for app in get_ok(admin_client, url("index")).context["app_list"] for m in app["models"]]
    names = {m["object_name"] for m in models}
    assert names >= {
        "EscalationWindow", "EscalationLevel", "BusinessCalendar", "Holiday", "Escalation", "RootCauseAnalysis",
        "SupportTier", "Region", "Organization", "Case", "Notification", "LogEntry",
    }  # fmt: skip
    # Only what the services alone may write, and the four fixed levels, have no add page.
    without_add = {m["object_name"] for m in models if not m["add_url"]}
    # django-axes' sign-in records are read-only too.
    assert without_add == {"Escalation", "EscalationLevel", "Notification", "LogEntry", "Case",
                           "AccessAttempt", "AccessLog", "AccessFailureLog"}
    for model in models:
        assert admin_client.get(model["admin_url"]).status_code == 200, model["object_name"]
        if model["add_url"]:
            assert admin_client.get(model["add_url"]).status_code == 200, model["object_name"]


@pytest.mark.parametrize(
    "name",
    [
        "escalations_escalation",  # escalate() and decide() own these
        "escalations_escalationlevel",  # the four seeded levels are all there is
        "notifications_notification",  # written by the services, in the event's transaction
        "admin_logentry",  # the log is evidence
        "cases_case",  # opened through the portal, which pages on-call for Severity 1
    ],
)
def test_records_that_only_the_system_writes_cannot_be_added_in_the_admin(admin_client, name):
    assert admin_client.get(url(f"{name}_add")).status_code == 403


def test_every_kind_of_record_opens_on_its_change_page(
    admin_client, populated, case, level_4_escalation, organization
):
    objects = {
        "escalations_escalationwindow": window(2, "premium"),
        "escalations_escalationlevel": EscalationLevel.objects.get(number=1),
        "escalations_businesscalendar": default_calendar(),
        "escalations_holiday": Holiday.objects.get(),
        "escalations_escalation": level_4_escalation,
        "escalations_rootcauseanalysis": level_4_escalation.rca,
        "cases_supporttier": organization.tier,
        "cases_region": organization.region,
        "cases_organization": organization,
        "cases_case": case,
        "notifications_notification": Notification.objects.get(),
        "admin_logentry": LogEntry.objects.first(),
    }
    for name, obj in objects.items():
        assert admin_client.get(url(f"{name}_change", obj.pk)).status_code == 200, name


# Escalation windows


def test_the_matrix_shows_each_wait_in_its_severity_and_tier_cell(admin_client):
    response = admin_client.get(url("escalations_escalationwindow_matrix"))
    assert response.status_code == 200
    expected = {(2, "premium"): "4 h", (2, "standard"): "8 h", (3, "premium"): "8 h",
                (3, "standard"): "16 h", (4, "premium"): "16 h", (4, "standard"): "24 h"}  # fmt: skip
    for (severity, tier), wait in expected.items():
        change_url = url("escalations_escalationwindow_change", window(severity, tier).pk)
        cell = f'<td id="window-{severity}-{tier}"><a href="{change_url}">{wait}</a></td>'
        assertInHTML(cell, response.content.decode())
    assertInHTML('<th scope="col">Premium</th>', response.content.decode())
    assertInHTML('<th scope="row">Severity 2 - Major impairment</th>', response.content.decode())


def test_the_windows_list_links_to_the_matrix(admin_client):
    response = admin_client.get(url("escalations_escalationwindow_changelist"))
    assertContains(response, f'href="{url("escalations_escalationwindow_matrix")}"')


def test_the_matrix_offers_to_add_the_window_a_new_tier_lacks(admin_client):
    gold = SupportTier.objects.create(slug="gold", name="Gold", rank=5)
    response = admin_client.get(url("escalations_escalationwindow_matrix"))
    assert response.status_code == 200
    add_url = f"{url('escalations_escalationwindow_add')}?severity=3&amp;tier={gold.pk}"
    assertInHTML(f'<td id="window-3-gold"><a href="{add_url}">not set: no wait</a></td>', response.content.decode())
    form = (
        get_ok(admin_client, url("escalations_escalationwindow_add"), {"severity": 3, "tier": gold.pk})
        .context["adminform"]
        .form
    )
    assert (form["severity"].value(), form["tier"].value()) == ("3", str(gold.pk))


def test_editing_a_wait_in_the_list_saves_it_and_logs_who_changed_it(admin_client, admin_user):
    changelist = url("escalations_escalationwindow_changelist")
    formset = get_ok(admin_client, changelist).context["cl"].formset
    target = window(3, "standard")
    index = next(i for i, form in enumerate(formset.forms) if form.instance == target)
    response = admin_client.post(changelist, post_data(formset, **{f"form-{index}-wait": "12:00:00", "_save": "Save"}))
    assert response.status_code == 302
    assert window(3, "standard").wait == timedelta(hours=12)
    assert window(3, "premium").wait == timedelta(hours=8)
    entry = LogEntry.objects.get(object_id=str(target.pk), content_type__model="escalationwindow")
    assert (entry.user, entry.action_flag) == (admin_user, CHANGE)
    assert entry.get_change_message() == "Changed Wait."


def test_the_list_refuses_a_negative_wait(admin_client):
    changelist = url("escalations_escalationwindow_changelist")
    formset = get_ok(admin_client, changelist).context["cl"].formset
    response = admin_client.post(changelist, post_data(formset, **{"form-0-wait": "-1:00:00", "_save": "Save"}))
    assertContains(response, "The wait cannot be negative.")
    assert window(2, "premium").wait == timedelta(hours=4)
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"severity": "2", "wait": "-2 h"}, "The wait cannot be negative."),
        ({"severity": "1", "wait": "1:00:00"}, "Severity 1 is an outage and never escalates"),
        ({"severity": "2", "wait": "-2"}, "The wait cannot be negative."),
        ({"severity": "2", "wait": "soon"}, "Enter a number of hours, for example 4 or 4.5."),
        ({"severity": "2", "wait": "9" * 20 + " h"}, "The number of days must be between -999999999 and 999999999."),
    ],
    ids=["negative", "severity-1", "negative-hours", "not-a-duration", "too-long"],
)
def test_the_window_form_refuses_what_cannot_be_a_window_and_says_why(admin_client, fields, message):
    gold = SupportTier.objects.create(slug="gold", name="Gold", rank=5)
    response = admin_client.post(url("escalations_escalationwindow_add"), {"tier": gold.pk, **fields})
    assert message in errors_of(response)
    assert not gold.windows.exists()


def test_the_window_form_refuses_a_second_window_for_the_same_severity_and_tier(admin_client):
    premium = SupportTier.objects.get(slug="premium")
    response = admin_client.post(
        url("escalations_escalationwindow_add"), {"severity": "2", "tier": premium.pk, "wait": "2:00:00"}
    )
    assert errors_of(response) == (
        "Severity 2 already has a window for Premium (4 h): change that window instead of adding a second one."
    )
    assert window(2, "premium").wait == timedelta(hours=4)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("6", timedelta(hours=6)), ("4.5", timedelta(hours=4, minutes=30)), ("4,5", timedelta(hours=4, minutes=30)),
     ("0.25", timedelta(minutes=15)), ("6:00:00", timedelta(hours=6)), ("6 h", timedelta(hours=6)),
     ("1 h 30 min", timedelta(minutes=90)), ("36:00:00", timedelta(hours=36)), ("1 12:00:00", timedelta(hours=36))],
)  # fmt: skip
def test_the_wait_is_read_as_hours_and_minutes(admin_client, typed, stored):
    gold = SupportTier.objects.create(slug="gold", name="Gold", rank=5)
    response = admin_client.post(
        url("escalations_escalationwindow_add"), {"severity": "4", "tier": gold.pk, "wait": typed}
    )
    assert response.status_code == 302
    assert window(4, "gold").wait == stored


def test_the_window_form_shows_the_wait_in_hours_with_help(admin_client):
    response = admin_client.get(url("escalations_escalationwindow_change", window(4, "standard").pk))
    assertContains(response, 'value="24"')
    assertContains(response, '<span class="hours-unit">hours</span>')
    assertContains(response, "In hours: 4, or 4.5 for four and a half hours")


@pytest.mark.parametrize(
    ("wait", "shown"),
    [(timedelta(hours=4), "4 h"), (timedelta(hours=24), "24 h"), (timedelta(minutes=90), "1 h 30 min"),
     (timedelta(minutes=45), "45 min"), (timedelta(0), "0 h"), (None, "\N{EM DASH}")],
)  # fmt: skip
def test_waits_read_as_people_say_them(wait, shown):
    assert format_hours(wait) == shown


# Escalation levels


def test_the_levels_list_shows_who_responds_and_how_long_they_have(admin_client):
    response = admin_client.get(url("escalations_escalationlevel_changelist"))
    assertContains(response, "VP of Support")
    assertContains(response, "The region&#x27;s Senior Management")
    assertContains(response, "4 h")


def test_a_level_keeps_its_number_while_its_alerted_groups_change(admin_client, admin_user, vp):
    level = EscalationLevel.objects.get(number=1)
    change_url = url("escalations_escalationlevel_change", level.pk)
    response = admin_client.get(change_url)
    assertNotContains(response, 'name="number"')
    assertContains(response, 'type="checkbox" name="alerted_groups"')  # a tick box per group
    vp_group = vp.groups.get()
    data = change_form_data(response, number="7", alerted_groups=[str(g.pk) for g in level.alerted_groups.all()]
                            + [str(vp_group.pk)])  # fmt: skip
    assert admin_client.post(change_url, data).status_code == 302
    level.refresh_from_db()
    assert level.number == 1
    assert vp_group in level.alerted_groups.all()
    assert LogEntry.objects.get(object_id=str(level.pk)).get_change_message() == "Changed Alerted groups."


def test_levels_cannot_be_deleted(admin_client):
    level = EscalationLevel.objects.get(number=4)
    assert admin_client.post(url("escalations_escalationlevel_delete", level.pk), {"post": "yes"}).status_code == 403
    assert EscalationLevel.objects.count() == 4


def test_a_missing_level_can_be_restored_with_a_number_from_1_to_4(admin_client):
    EscalationLevel.objects.filter(number=4).delete()
    add_url = url("escalations_escalationlevel_add")
    data = change_form_data(admin_client.get(add_url), name="VP of Support", responder="vp_of_support")
    assert "less than or equal to 4" in errors_of(admin_client.post(add_url, {**data, "number": "5"}))
    assert admin_client.post(add_url, {**data, "number": "4", "review_within": "4 h"}).status_code == 302
    assert EscalationLevel.objects.get(number=4).review_within == timedelta(hours=4)
    assert admin_client.get(add_url).status_code == 403


# Business calendars


def test_the_calendar_form_round_trips_working_days(admin_client):
    add_url = url("escalations_businesscalendar_add")
    data = change_form_data(admin_client.get(add_url), name="Gulf", timezone="Asia/Dubai", working_days=["6", "0", "1"])
    assert admin_client.post(add_url, data).status_code == 302
    calendar = BusinessCalendar.objects.get(name="Gulf")
    assert calendar.working_days == [0, 1, 6]
    page = get_ok(admin_client, url("escalations_businesscalendar_change", calendar.pk)).content.decode()
    assert re.findall(r'<input type="checkbox" name="working_days" value="(\d)"[^>]* checked>', page) == ["0", "1", "6"]
    assert re.search(r'<input type="checkbox" name="is_default"[^>]*>', page)[0].count("checked") == 0


def test_a_new_calendar_starts_as_monday_to_friday_in_utc(admin_client):
    form = get_ok(admin_client, url("escalations_businesscalendar_add")).context["adminform"].form
    assert (form["working_days"].value(), form["timezone"].value()) == ([0, 1, 2, 3, 4], "UTC")
    assert form["is_default"].value() is False


def test_a_calendar_needs_a_working_day_and_a_real_time_zone(admin_client):
    add_url = url("escalations_businesscalendar_add")
    data = change_form_data(admin_client.get(add_url), name="Nowhere", timezone="Mars/Olympus", working_days=None)
    errors = errors_of(admin_client.post(add_url, data))
    assert "Choose at least one working day." in errors
    assert "“Mars/Olympus” is not an IANA time zone name" in errors


def test_making_a_second_calendar_default_unsets_the_first(admin_client, admin_user):
    first = default_calendar()
    add_url = url("escalations_businesscalendar_add")
    data = change_form_data(admin_client.get(add_url), name="Berlin", timezone="Europe/Berlin", is_default="on")
    assert admin_client.post(add_url, data).status_code == 302
    assert list(BusinessCalendar.objects.filter(is_default=True).values_list("name", flat=True)) == ["Berlin"]
    entry = LogEntry.objects.get(object_id=str(first.pk), content_type__model="businesscalendar")
    assert (entry.user, entry.action_flag, entry.change_message) == (
        admin_user,
        CHANGE,
        "No longer the default calendar: “Berlin” is.",
    )


def test_the_default_calendar_is_replaced_not_unset_or_deleted(admin_client):
    calendar = default_calendar()
    change_url = url("escalations_businesscalendar_change", calendar.pk)
    response = admin_client.post(change_url, change_form_data(admin_client.get(change_url), is_default=None))
    assert "make another calendar the default instead" in errors_of(response)
    assert admin_client.get(url("escalations_businesscalendar_delete", calendar.pk)).status_code == 403
    assert default_calendar() == calendar


def test_holidays_are_edited_on_their_calendar(admin_client):
    calendar = default_calendar()
    change_url = url("escalations_businesscalendar_change", calendar.pk)
    data = change_form_data(
        admin_client.get(change_url), **{"holidays-0-date": "2026-12-31", "holidays-0-name": "Company day"}
    )
    assert admin_client.post(change_url, data).status_code == 302
    assert [(h.date, h.name) for h in calendar.holidays.all()] == [(date(2026, 12, 31), "Company day")]


# Importing public holidays


def import_holidays(client, calendar, **fields):
    """Submit the import form, follow where it leads; returns the page and the messages shown there."""
    response = client.post(
        url("escalations_businesscalendar_import", calendar.pk), {"first_year": "2026", **fields}, follow=True
    )
    assert response.status_code == 200
    return response, [str(message) for message in response.context["messages"]]


def test_the_calendar_page_links_to_the_holiday_import(admin_client):
    calendar = default_calendar()
    response = admin_client.get(url("escalations_businesscalendar_change", calendar.pk))
    assertContains(response, url("escalations_businesscalendar_import", calendar.pk))
    assert admin_client.get(url("escalations_businesscalendar_import", calendar.pk)).status_code == 200


def test_importing_german_holidays_adds_each_date_once_with_its_name(admin_client):
    calendar = default_calendar()
    _, messages = import_holidays(admin_client, calendar, country="de")
    assert set(calendar.holidays.values_list("date", flat=True)) == GERMANY_2026
    assert calendar.holidays.get(date=date(2026, 12, 25)).name == "Christmas Day"
    assert messages == ["Imported 9 holidays, skipped 0 already present."]


def test_importing_again_skips_every_date_already_present(admin_client):
    calendar = default_calendar()
    import_holidays(admin_client, calendar, country="DE")
    _, messages = import_holidays(admin_client, calendar, country="DE")
    assert calendar.holidays.count() == 9
    assert messages == ["Imported 0 holidays, skipped 9 already present."]


def test_a_date_already_on_the_calendar_keeps_its_name(admin_client):
    calendar = default_calendar()
    Holiday.objects.create(calendar=calendar, date=date(2026, 12, 25), name="Company Christmas")
    _, messages = import_holidays(admin_client, calendar, country="DE")
    assert calendar.holidays.get(date=date(2026, 12, 25)).name == "Company Christmas"
    assert messages == ["Imported 8 holidays, skipped 1 already present."]


def test_holiday_names_come_in_the_chosen_language_and_subdivision(admin_client):
    calendar = default_calendar()
    import_holidays(admin_client, calendar, country="DE", subdivision="by", language="de")
    assert calendar.holidays.get(date=date(2026, 12, 25)).name == "Erster Weihnachtstag"
    assert calendar.holidays.get(date=date(2026, 1, 6)).name == "Heilige Drei Könige"  # Bavaria only


def test_up_to_five_years_import_at_once(admin_client):
    calendar = default_calendar()
    _, messages = import_holidays(admin_client, calendar, country="GB", subdivision="ENG", last_year="2030")
    assert messages[0].startswith("Imported ")
    assert {d.year for d in calendar.holidays.values_list("date", flat=True)} == {2026, 2027, 2028, 2029, 2030}
    assert calendar.holidays.filter(date=date(2030, 12, 25)).exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"country": "XX"}, "“XX” is not a country the holidays package knows."),
        ({"country": "DE", "subdivision": "ZZ"}, "DE has no subdivision “ZZ”."),
        ({"country": "DE", "language": "fr"}, "Names for DE come in: de, en_US, th, uk."),
        ({"country": "US", "last_year": "2031"}, "Import at most 5 years at a time."),
        ({"country": "US", "last_year": "2025"}, "The last year cannot come before the first year."),
    ],
    ids=["country", "subdivision", "language", "six-years", "backwards"],
)
def test_the_holiday_import_refuses_what_the_package_cannot_answer(admin_client, fields, message):
    calendar = default_calendar()
    response, messages = import_holidays(admin_client, calendar, **fields)
    assert messages == []
    assertContains(response, message)
    assert not calendar.holidays.exists()


def test_the_holiday_import_is_logged_on_the_calendar_and_each_holiday(admin_client, admin_user):
    calendar = default_calendar()
    import_holidays(admin_client, calendar, country="DE")
    calendar_entry = LogEntry.objects.get(content_type__model="businesscalendar")
    assert (calendar_entry.user, calendar_entry.action_flag) == (admin_user, CHANGE)
    assert calendar_entry.change_message.startswith("Imported 9 holidays, skipped 0 already present.")
    christmas = calendar.holidays.get(date=date(2026, 12, 25))
    entry = LogEntry.objects.get(content_type__model="holiday", object_id=str(christmas.pk))
    assert (entry.user, entry.action_flag, entry.object_repr) == (admin_user, ADDITION, "2026-12-25: Christmas Day")


# The record: escalations, notifications, cases and the log


def test_an_escalation_is_shown_but_changed_only_through_the_services(admin_client, populated, level_4_escalation):
    change_url = url("escalations_escalation_change", level_4_escalation.pk)
    response = admin_client.get(change_url)
    assertContains(response, "The import has failed for two days.")
    assertContains(response, "A full disk.")  # its root cause analysis
    assertNotContains(response, 'name="status"')
    assert admin_client.post(change_url, {"status": "resolved"}).status_code == 403
    assert Escalation.objects.get().status == "pending"


def test_escalations_filter_by_status_level_and_overdue(admin_client, level_4_escalation):
    changelist = url("escalations_escalation_changelist")
    assert get_ok(admin_client, changelist, {"status__exact": "pending", "level": "4"}).context["cl"].result_count == 1
    assert get_ok(admin_client, changelist, {"status__exact": "accepted"}).context["cl"].result_count == 0
    assert get_ok(admin_client, changelist, {"overdue": "yes"}).context["cl"].result_count == 0
    Escalation.objects.update(overdue_at=timezone.now())
    assert get_ok(admin_client, changelist, {"overdue": "yes"}).context["cl"].result_count == 1


def test_notifications_filter_by_kind_and_delivery(admin_client, populated):
    changelist = url("notifications_notification_changelist")
    assert get_ok(admin_client, changelist, {"delivery": "unsent"}).context["cl"].result_count == 1
    assert (
        get_ok(admin_client, changelist, {"delivery": "sent", "kind__exact": "escalation_received"})
        .context["cl"]
        .result_count
        == 0
    )
    Notification.objects.update(sent_at=timezone.now())
    assert get_ok(admin_client, changelist, {"delivery": "sent"}).context["cl"].result_count == 1


def test_a_case_comment_can_be_hidden_but_not_rewritten(admin_client, populated, case):
    change_url = url("cases_case_change", case.pk)
    response = admin_client.get(change_url)
    assertNotContains(response, 'name="comments-0-body"')
    data = change_form_data(response, **{"comments-0-public": None, "comments-0-body": "Rewritten"})
    assert admin_client.post(change_url, data).status_code == 302
    comment = case.comments.get()
    assert (comment.public, comment.body) == (False, "Any news?")


def test_the_log_shows_who_changed_what_and_cannot_be_edited(admin_client, admin_user):
    changelist = url("escalations_escalationwindow_changelist")
    formset = get_ok(admin_client, changelist).context["cl"].formset
    saved = admin_client.post(changelist, post_data(formset, **{"form-0-wait": "5:00:00", "_save": "Save"}))
    assert saved.status_code == 302
    entry = LogEntry.objects.get()
    response = admin_client.get(url("admin_logentry_changelist"))
    assertContains(response, admin_user.username)
    assertContains(response, str(window(2, "premium")))
    assertContains(response, "Changed Wait.")
    assert admin_client.get(url("admin_logentry_add")).status_code == 403
    assert admin_client.post(url("admin_logentry_change", entry.pk), {"change_message": "x"}).status_code == 403
    assert admin_client.post(url("admin_logentry_delete", entry.pk), {"post": "yes"}).status_code == 403
    assertNotContains(admin_client.get(url("admin_logentry_change", entry.pk)), 'name="_save"')
    assert LogEntry.objects.get().change_message == entry.change_message
