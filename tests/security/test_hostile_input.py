"""Hostile input: stored XSS, header injection, oversized and malformed bodies, unicode.

Every stored-XSS payload goes into every field a person writes (through the API, as a
customer, a manager and the VP would, or as an admin sets it), and then every page, admin
page, email and JSON answer that shows those fields is read back. Each field's value is the
payload followed by ``~field``, so that each (field, page) pair is checked on its own:

* where the field is shown, its HTML-escaped form is there;
* nowhere is any field's raw form (when escaping changes it), so no markup, event handler
  or entity-split scheme from a person's input reaches a browser as markup;
* no ``href``/``src``/``action`` anywhere starts with a ``javascript:`` scheme.

A text/plain email body may carry the input as it was written (it is not rendered); its
HTML alternative must escape it. JSON carries it as a JSON string, served as
application/json with ``nosniff``.
"""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.models import Case, CaseComment, Organization
from cases.tests.factories import UserFactory
from escalations.deadlines import sweep_review_deadlines
from escalations.models import Escalation, EscalationLevel, EscalationStatus, RootCauseAnalysis
from escalations.services import decide, escalate
from notifications.delivery import deliver
from notifications.models import Notification
from notifications.outbox import notify

PAYLOADS = {
    "script-tag": "<script>alert(1)</script>",
    "attribute-breakout": '"><img src=x onerror=alert(1)>',
    "single-quote-breakout": "' onmouseover='alert(1)' x='",
    "javascript-scheme": "javascript:alert(1)",
    "entity-split-scheme": "jav&#x09;ascript:alert(1)",
    "svg-onload": "<svg/onload=alert(1)>",
    "template-expression": "{{7*7}}{% debug %}",
    "textarea-breakout": "</textarea><script>alert(1)</script>",
    "markup-in-name": "<b>Eve</b>",
}

# Every field a person writes, and where it comes from: customer (case, comment, escalation),
# manager (decision), VP (root cause analysis), admin (organization, people's names, level name).
FIELDS = (
    "subject",
    "description",
    "comment",
    "summary",
    "decision",
    "root_cause",
    "contributing_factors",
    "corrective_actions",
    "customer_summary",
    "organization",
    "first_name",
    "last_name",
    "staff_name",
    "level_name",
)

NAMES = ("first_name", "last_name")
CASE_TEXT = ("subject", "description", "comment", "summary", "decision")
RCA = ("root_cause", "contributing_factors", "corrective_actions", "customer_summary")

JAVASCRIPT_URL = re.compile(r"""(href|src|action|formaction|xlink:href)\s*=\s*["']?\s*(javascript|jav&)""", re.I)


def values_for(payload):
    return {field: f"{payload}~{field}" for field in FIELDS}


def assert_only_escaped(text, values, shown, where):
    """``shown`` fields appear HTML-escaped; no field appears raw; no javascript: link."""
    for field in shown:
        assert escape(values[field]) in text, f"{where}: {field} is not shown (escaped)"
    for field, value in values.items():
        if escape(value) != value:
            assert value not in text, f"{where}: {field} is shown raw, unescaped"
    assert not JAVASCRIPT_URL.search(text), f"{where}: a javascript: link"


def created(response):
    assert response.status_code in (200, 201), response.content
    return response.json()


@pytest.fixture
def on_call(db):
    return UserFactory(username="oncall", groups=["On-call"])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True, first_name="Root", last_name="Admin")


@pytest.fixture(params=list(PAYLOADS))
def hostile(api_as, request, organization, customer, escalation_manager, vp, csm, on_call, admin_user):
    """A world written by hostile hands: the payload in every user-written field."""
    payload = PAYLOADS[request.param]
    values = values_for(payload)
    admin_client = Client()
    admin_client.force_login(admin_user)
    renamed = admin_client.post(f"/admin/cases/organization/{organization.pk}/change/", {
        "name": values["organization"], "tier": organization.tier_id, "region": organization.region_id,
        "csm": organization.csm_id, "members": list(organization.members.values_list("pk", flat=True)),
    })
    assert renamed.status_code == 302, renamed.content
    customer.first_name, customer.last_name = values["first_name"], values["last_name"]
    customer.save()
    for staff in (escalation_manager, vp):
        staff.first_name = values["staff_name"]
        staff.save()
    EscalationLevel.objects.filter(number=1).update(name=values["level_name"])

    as_customer, as_manager, as_vp = api_as(customer), api_as(escalation_manager), api_as(vp)
    new_case = {"subject": values["subject"], "description": values["description"], "severity": 3}
    case = Case.objects.get(pk=created(as_customer.post("/api/v1/cases/", new_case, format="json"))["id"])
    level4_case = Case.objects.get(pk=created(as_customer.post("/api/v1/cases/", new_case, format="json"))["id"])
    # An outage pages on-call by email, with the subject and the description.
    created(as_customer.post("/api/v1/cases/", {**new_case, "severity": 1}, format="json"))
    Case.objects.filter(pk__in=[case.pk, level4_case.pk]).update(created_at=timezone.now() - timedelta(days=3))

    created(as_customer.post(f"/api/v1/cases/{case.pk}/comments/", {"body": values["comment"]}, format="json"))
    escalation = created(as_customer.post(f"/api/v1/cases/{case.pk}/escalations/",
                                          {"reason": "other", "summary": values["summary"]}, format="json"))
    created(as_manager.post(f"/api/v1/escalations/{escalation['id']}/decision/",
                            {"decision": "not_accepted", "message": values["decision"]}, format="json"))
    # Level 4 (accepted by the VP) takes the root cause analysis.
    level4 = Escalation.objects.create(
        case=level4_case, level=4, requested_by=customer, reason="other", summary=values["summary"],
        status=EscalationStatus.ACCEPTED, created_at=timezone.now(), review_due_at=timezone.now() + timedelta(hours=4),
        reviewed_by=vp, reviewed_at=timezone.now(), decision_message=values["decision"],
    )
    created(as_vp.post(f"/api/v1/escalations/{level4.pk}/rca/",
                       {field: values[field] for field in RCA}, format="json"))
    return {
        "payload": payload,
        "values": values,
        "case": case,
        "escalation": Escalation.objects.get(pk=escalation["id"]),
        "level4": level4,
        "rca": RootCauseAnalysis.objects.get(escalation=level4),
        "organization": organization,
        "customer": customer,
        "escalation_manager": escalation_manager,
        "vp": vp,
        "admin_user": admin_user,
    }


def pages(world):
    """(who, url, fields shown there) for every page that shows what people wrote."""
    case, escalation, level4, rca = world["case"], world["escalation"], world["level4"], world["rca"]
    organization = world["organization"]
    everything_on_the_case = (*CASE_TEXT, "organization", *NAMES, "staff_name")
    return [
        ("customer", "/", ("subject", *NAMES)),
        ("customer", f"/cases/{case.pk}/", everything_on_the_case),
        ("customer", f"/cases/{case.pk}/escalate/", ("subject", "decision", *NAMES)),
        ("customer", "/inbox/", ("subject", *NAMES)),
        # The root cause analysis's summary for the customer, on the Level 4 case's page.
        ("customer", f"/cases/{level4.case_id}/", ("subject", "summary", "customer_summary")),
        ("escalation_manager", "/", ("subject", "organization", "staff_name")),
        ("escalation_manager", f"/cases/{case.pk}/", everything_on_the_case),
        ("escalation_manager", "/review/?status=any", ("subject", "organization", *NAMES, "staff_name")),
        ("escalation_manager", f"/review/{escalation.pk}/", everything_on_the_case),
        ("escalation_manager", f"/review/{level4.pk}/", ("subject", "summary", "decision", *RCA, "staff_name")),
        ("escalation_manager", "/support/", ("subject", "organization", *NAMES)),
        ("escalation_manager", "/review/report/", ("staff_name", "level_name")),
        ("escalation_manager", "/inbox/", ("subject", "organization", *NAMES, "staff_name")),
        ("admin_user", "/admin/cases/case/", ("subject", "organization")),
        ("admin_user", f"/admin/cases/case/{case.pk}/change/", ("subject", "description", "comment", "decision",
                                                                 "organization")),
        ("admin_user", "/admin/escalations/escalation/", ("subject",)),
        ("admin_user", f"/admin/escalations/escalation/{escalation.pk}/change/", ("subject", "summary", "decision")),
        ("admin_user", f"/admin/escalations/escalation/{level4.pk}/change/", ("summary", "decision", *RCA)),
        ("admin_user", f"/admin/escalations/rootcauseanalysis/{rca.pk}/change/", RCA),
        ("admin_user", "/admin/cases/organization/", ("organization",)),
        ("admin_user", f"/admin/cases/organization/{organization.pk}/change/", ("organization",)),
        ("admin_user", "/admin/auth/user/", NAMES),
        ("admin_user", f"/admin/auth/user/{world['customer'].pk}/change/", NAMES),
        ("admin_user", "/admin/notifications/notification/", ("subject",)),
        ("admin_user", "/admin/escalations/escalationlevel/", ("level_name",)),
        # The admin's own log of the rename above, and the audit trail's entries.
        ("admin_user", "/admin/admin/logentry/", ("organization",)),
        ("admin_user", "/admin/auditlog/logentry/", ()),
        *(("admin_user", f"/admin/auditlog/logentry/{pk}/change/", ()) for pk in audit_entry_ids()),
    ]


def audit_entry_ids():
    from auditlog.models import LogEntry

    return list(LogEntry.objects.values_list("pk", flat=True))


def test_every_page_shows_what_people_wrote_escaped(client, hostile):
    for who, url, shown in pages(hostile):
        client.force_login(hostile[who])

        response = client.get(url)

        assert response.status_code == 200, f"{who} {url}: {response.status_code}"
        assert response["Content-Type"].startswith("text/html")
        assert_only_escaped(response.content.decode(), hostile["values"], shown, f"{who} {url}")


def test_csv_exports_carry_what_people_wrote_as_data(client, hostile):
    client.force_login(hostile["escalation_manager"])
    exports = [
        ("/review/report/export.csv", ("staff_name",)),
        (reverse("escalations:case_history", args=[hostile["case"].pk]), ("summary", "decision")),
    ]
    for url, shown in exports:
        response = client.get(url)

        assert response.status_code == 200, url
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith("attachment;")
        cells = "\n".join(cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row)
        # A CSV is data, downloaded, never rendered: the text as written, not HTML-escaped.
        for field in shown:
            assert hostile["values"][field] in cells, f"{url}: {field}"


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://evil.example","x")', "+1+1", "-1+1", "@SUM(A1)"])
def test_a_name_that_reads_as_a_spreadsheet_formula_is_exported_as_text(client, make_case, customer,
                                                                         escalation_manager, formula):
    escalation_manager.first_name, escalation_manager.last_name = formula, ""
    escalation_manager.save()
    escalation = escalate(make_case(created_at=timezone.now() - timedelta(days=3)), customer, "other", "Help.")
    decide(escalation, escalation_manager, "accepted", "On it.")
    client.force_login(escalation_manager)

    response = client.get("/review/report/export.csv")

    assert response.status_code == 200
    text = response.content.decode()

    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + formula in cells
    assert formula not in cells


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://evil.example","x")', "+1+1", "-1+1", "@SUM(A1)"])
def test_the_case_history_export_writes_formulas_as_text(client, make_case, customer, escalation_manager, formula):
    case = make_case(created_at=timezone.now() - timedelta(days=3))
    decide(escalate(case, customer, "other", formula), escalation_manager, "not_accepted", formula)
    client.force_login(escalation_manager)

    response = client.get(reverse("escalations:case_history", args=[case.pk]))

    assert response.status_code == 200
    text = response.content.decode()

    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + formula in cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))]


def test_emails_escape_what_people_wrote_in_html_and_keep_subjects_on_one_line(api_as, hostile, mailoutbox):
    # The requester may now escalate higher; an overdue review mails everyone concerned.
    as_customer = api_as(hostile["customer"])
    created(as_customer.post(f"/api/v1/cases/{hostile['case'].pk}/escalations/",
                             {"reason": "other", "summary": hostile["values"]["summary"]}, format="json"))
    sweep_review_deadlines(now=timezone.now() + timedelta(days=30))
    for notification_id in Notification.objects.values_list("pk", flat=True):
        deliver(notification_id)
    values = hostile["values"]
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"outage_alert", "escalation_alert", "csm_informed", "escalation_received",
            "escalation_not_accepted", "review_overdue"} <= kinds
    seen = set()

    for message in mail.outbox:
        where = f"email {message.subject!r} to {message.to}"
        assert "\n" not in message.subject and "\r" not in message.subject, where
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        # Plain text is not rendered: it carries what was written, unescaped and unmangled.
        shown = [field for field, value in values.items() if value in message.body]
        assert not [field for field, value in values.items() if escape(value) != value
                    and escape(value) in message.body], f"{where}: double-escaped text"
        assert_only_escaped(html, values, shown, where)
        seen.update(shown)

    assert {*CASE_TEXT, "organization", *NAMES} - {"comment"} <= seen


def test_json_carries_what_people_wrote_as_strings(api_as, hostile):
    values = hostile["values"]
    case, level4 = hostile["case"], hostile["level4"]
    answers = [
        (api_as(hostile["customer"]), f"/api/v1/cases/{case.pk}/", ("subject", "description", "organization",
                                                                      *NAMES)),
        (api_as(hostile["customer"]), f"/api/v1/cases/{case.pk}/comments/", ("comment", "decision", *NAMES,
                                                                               "staff_name")),
        (api_as(hostile["customer"]), "/api/v1/cases/", ("subject", "organization", *NAMES)),
        (api_as(hostile["escalation_manager"]), "/api/v1/escalations/?status=not_accepted", ("subject", "summary",
                                                                                            "decision",
                                                                                            "organization")),
        (api_as(hostile["escalation_manager"]), f"/api/v1/escalations/{level4.pk}/", (*RCA, "summary", "staff_name")),
    ]
    for client, url, shown in answers:
        response = client.get(url)

        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/json"
        assert response["X-Content-Type-Options"] == "nosniff"
        strings = set(_strings(response.json()))
        for field in shown:
            assert any(values[field] in text for text in strings), f"{url}: {field} not returned as written"


def _strings(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


# --- Reflected input and forms shown again with their errors ----------------------------------


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_query_parameters_are_never_reflected_as_markup(client, organization, escalation_manager, admin_user,
                                                        customer, payload):
    from urllib.parse import quote

    reflected = [
        (customer, f"/?sort={quote(payload)}&status={quote(payload)}&page={quote(payload)}"),
        (customer, f"/inbox/?show={quote(payload)}&page={quote(payload)}"),
        (escalation_manager, f"/review/?status={quote(payload)}&level={quote(payload)}&region={quote(payload)}"),
        (escalation_manager, f"/support/?tier={quote(payload)}&severity={quote(payload)}"),
        (escalation_manager, f"/review/report/?days={quote(payload)}"),
        (admin_user, f"/admin/cases/case/?q={quote(payload)}"),
        (admin_user, f"/admin/escalations/escalation/?q={quote(payload)}"),
    ]
    for user, url in reflected:
        client.force_login(user)

        response = client.get(url)

        assert response.status_code in (200, 400), f"{url}: {response.status_code}"
        assert_only_escaped(response.content.decode(), {"query": payload}, (), url)


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_forms_shown_again_with_errors_escape_what_was_typed(client, make_case, customer, escalation_manager,
                                                             payload):
    case = make_case(created_at=timezone.now() - timedelta(days=3))
    escalation = Escalation.objects.create(case=make_case(), level=1, requested_by=customer, reason="other",
                                           summary="Help.", created_at=timezone.now(),
                                           review_due_at=timezone.now() + timedelta(hours=4))
    client.force_login(customer)
    before = (Case.objects.count(), CaseComment.objects.count(), Escalation.objects.count())

    forms = [  # (the status the refused form comes back with, the response)
        # A two-line subject is refused; the description comes back in its textarea.
        (400, client.post("/cases/new/", {"subject": "Two\nlines", "description": payload, "severity": 3,
                                          "customer_priority": "normal"})),
        (400, client.post(f"/cases/{case.pk}/escalate/", {"reason": "", "summary": payload})),
        (400, client.post(f"/cases/{case.pk}/comments/", {"body": payload + "x" * 20001})),
    ]
    client.force_login(escalation_manager)
    forms.append((400, client.post(f"/review/{escalation.pk}/decision/", {"decision": "", "message": payload})))

    for status, response in forms:
        assert response.status_code == status, f"{response.request['PATH_INFO']}: {response.status_code}"
        html = response.content.decode()
        assert "errorlist" in html
        assert_only_escaped(html, {"typed": payload}, ("typed",), response.request["PATH_INFO"])
    assert (Case.objects.count(), CaseComment.objects.count(), Escalation.objects.count()) == before
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.PENDING


# --- CR/LF: subjects and names never become headers -------------------------------------------

LINE_BREAKS = ["\r\n", "\n", "\r", "\u2028", "\x85", "\x0b"]


@pytest.mark.parametrize("line_break", LINE_BREAKS, ids=[repr(b) for b in LINE_BREAKS])
def test_a_case_subject_with_a_line_break_is_refused_by_the_api(api_as, customer, organization, line_break):
    subject = f"Printer down{line_break}Bcc: attacker@evil.example"

    response = api_as(customer).post("/api/v1/cases/", {"subject": subject, "description": "d"}, format="json")

    assert response.status_code == 400
    assert "subject" in response.json()["errors"]
    assert not Case.objects.exists()


@pytest.mark.parametrize("line_break", LINE_BREAKS, ids=[repr(b) for b in LINE_BREAKS])
def test_a_case_subject_with_a_line_break_is_a_form_error(client, customer, organization, line_break):
    client.force_login(customer)

    response = client.post("/cases/new/", {"subject": f"Printer down{line_break}Bcc: attacker@evil.example",
                                           "description": "d", "severity": 3, "customer_priority": "normal"})

    assert response.status_code == 400
    assert "single line" in response.content.decode()
    assert not Case.objects.exists()


def test_a_subject_may_hold_a_tab_and_trailing_newlines_are_trimmed(api_as, customer, organization):
    response = api_as(customer).post("/api/v1/cases/", {"subject": "Printer\tdown\n", "description": "d"},
                                     format="json")

    assert response.status_code == 201
    assert response.json()["subject"] == "Printer\tdown"


def test_names_with_line_breaks_cannot_inject_email_headers(
    api_as, customer, organization, escalation_manager, make_case, mailoutbox
):
    customer.first_name, customer.last_name = "Eve\r\nBcc: attacker@evil.example", "X\nSubject: hijacked"
    customer.save()
    Organization.objects.filter(pk=organization.pk).update(name="Acme\r\nBcc: attacker@evil.example")
    case = make_case(created_at=timezone.now() - timedelta(days=3))
    response = api_as(customer).post(f"/api/v1/cases/{case.pk}/escalations/", {"reason": "other", "summary": "Hi."},
                                     format="json")

    assert response.status_code == 201, response.content
    for notification in Notification.objects.all():
        assert "\n" not in notification.subject and "\r" not in notification.subject

        assert deliver(notification.pk) is True

    assert mailoutbox
    for message in mailoutbox:
        rendered = message.message()
        assert rendered.get_all("Bcc") is None
        assert rendered.get_all("Subject") == [message.subject]
        assert "attacker@evil.example" not in message.recipients()
        assert message.recipients() == [next(iter(message.to))]


def test_notify_flattens_a_subject_template_that_renders_several_lines(customer, organization, make_case):
    case = make_case()
    Organization.objects.filter(pk=organization.pk).update(name="Acme\r\nBcc: a@evil.example\u2028X-Evil: 1")
    case.organization.refresh_from_db()

    notify(recipients=[customer], kind="outage_alert", context={"case": case}, case=case, event="t", now=timezone.now())

    subject = Notification.objects.get().subject
    assert subject.splitlines() == [subject]
    assert "Bcc: a@evil.example X-Evil: 1" in subject


def test_deliver_sends_a_stored_multi_line_subject_on_one_line(customer, mailoutbox):
    notification = Notification.objects.create(
        recipient=customer, kind="outage_alert", subject="Outage\r\nBcc: attacker@evil.example", body="Body.",
        dedupe_key="legacy-row",
    )

    assert deliver(notification.pk) is True

    (message,) = mailoutbox
    assert message.subject == "Outage Bcc: attacker@evil.example"
    assert message.message().get_all("Bcc") is None


# --- Oversized bodies and too many fields --------------------------------------------------------


def test_a_one_megabyte_json_body_is_refused_with_413_before_it_is_read(api_as, customer, organization):
    body = json.dumps({"subject": "Big", "description": "x" * 1_000_000})

    response = api_as(customer).post("/api/v1/cases/", body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "too_large"
    assert not Case.objects.exists()


def test_a_one_megabyte_form_body_is_refused_with_413(client, customer, organization):
    client.force_login(customer)

    response = client.post("/cases/new/", {"subject": "Big", "description": "x" * 1_000_000, "severity": 3,
                                           "customer_priority": "normal"})

    assert response.status_code == 413
    assert not Case.objects.exists()


@pytest.mark.parametrize("url", ["/cases/new/", "/login/", "/cases/{case}/comments/", "/inbox/read-all/",
                                 "/cases/{case}/escalate/"])
@pytest.mark.parametrize("csrf_checks", [False, True], ids=["csrf-exempt-client", "csrf-enforced"])
def test_a_form_with_too_many_fields_is_a_400_not_a_500(customer, make_case, url, csrf_checks):
    case = make_case(created_at=timezone.now() - timedelta(days=3))  # eligible: the form is read
    client = Client(enforce_csrf_checks=csrf_checks)
    if url != "/login/":
        client.force_login(customer)
    # As a browser would post it: with the CSRF cookie of a page it was shown, and its token.
    assert client.get("/login/" if url == "/login/" else "/cases/new/").status_code == 200
    token = client.cookies["csrftoken"].value if csrf_checks else ""
    fields = {f"field{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    before = (Case.objects.count(), CaseComment.objects.count(), Escalation.objects.count())

    response = client.post(url.format(case=case.pk), {**fields, "subject": "s", "description": "d", "body": "b",
                                                      "reason": "other", "summary": "s", "username": "customer",
                                                      "password": "x", "csrfmiddlewaretoken": token})

    assert response.status_code == 400
    assert (Case.objects.count(), CaseComment.objects.count(), Escalation.objects.count()) == before


def test_a_summary_over_5000_characters_is_refused(api_as, customer, make_case):
    case = make_case(created_at=timezone.now() - timedelta(days=3))

    response = api_as(customer).post(f"/api/v1/cases/{case.pk}/escalations/",
                                     {"reason": "other", "summary": "x" * 5001}, format="json")

    assert response.status_code == 400
    assert "summary" in response.json()["errors"]
    assert not Escalation.objects.exists()


def test_a_comment_over_20000_characters_is_refused(api_as, customer, case):
    response = api_as(customer).post(f"/api/v1/cases/{case.pk}/comments/", {"body": "x" * 20001}, format="json")

    assert response.status_code == 400
    assert "body" in response.json()["errors"]
    assert not CaseComment.objects.exists()


# --- Unicode everywhere ---------------------------------------------------------------------------

UNICODE_TEXTS = {
    "emoji": "Printer 🔥🖨️ on fire 👩🏽‍💻",
    "right-to-left": "הדפסת נכשלה — الطابعة لا تعمل",
    "combining": "Cafe\u0301 Zalgo: Z\u0351\u0300\u0301a\u0308\u0301l\u030cg\u0357o",
    "cjk-and-astral": "打印机故障 𝕳𝖊𝖑𝖕 𐍈",
    "zero-width-and-bidi-override": "Invoice\u200b\u202etxt.exe",
}


@pytest.mark.parametrize("text", list(UNICODE_TEXTS.values()), ids=list(UNICODE_TEXTS))
def test_unicode_is_stored_and_shown_as_written(api_as, client, customer, organization, escalation_manager, text):
    as_customer = api_as(customer)
    case = created(as_customer.post("/api/v1/cases/", {"subject": text, "description": text}, format="json"))
    Case.objects.filter(pk=case["id"]).update(created_at=timezone.now() - timedelta(days=3))
    comment = created(as_customer.post(f"/api/v1/cases/{case['id']}/comments/", {"body": text}, format="json"))
    escalation = created(as_customer.post(f"/api/v1/cases/{case['id']}/escalations/",
                                          {"reason": "other", "summary": text}, format="json"))

    assert (case["subject"], comment["body"], escalation["summary"]) == (text, text, text)
    client.force_login(customer)
    page = client.get(f"/cases/{case['id']}/")
    assert page.status_code == 200
    assert page.content.decode().count(escape(text)) >= 4  # subject, description, comment, summary
    client.force_login(escalation_manager)
    review = client.get(f"/review/{escalation['id']}/")
    assert review.status_code == 200
    assert escape(text) in review.content.decode()


BAD_CHARACTERS = {"nul": "\\u0000", "lone-high-surrogate": "\\ud800", "lone-low-surrogate": "\\udfff"}


@pytest.mark.parametrize("escaped", list(BAD_CHARACTERS.values()), ids=list(BAD_CHARACTERS))
@pytest.mark.parametrize("where", ["subject", "description", "summary", "comment", "decision", "rca"])
def test_nul_and_lone_surrogates_are_a_400_never_a_500(
    api_as, customer, make_case, escalation_manager, vp, escaped, where
):
    # Written into the JSON by hand: json.dumps would not let a lone surrogate through.
    text = f'"before{escaped}after"'
    case = make_case(created_at=timezone.now() - timedelta(days=3))
    level1 = Escalation.objects.create(case=make_case(), level=1, requested_by=customer, reason="other",
                                       summary="Help.", created_at=timezone.now(),
                                       review_due_at=timezone.now() + timedelta(hours=4))
    level4 = Escalation.objects.create(case=make_case(), level=4, requested_by=customer, reason="other",
                                       summary="Help.", status=EscalationStatus.ACCEPTED, created_at=timezone.now(),
                                       review_due_at=timezone.now() + timedelta(hours=4), reviewed_by=vp,
                                       reviewed_at=timezone.now())
    user, url, body = {
        "subject": (customer, "/api/v1/cases/", f'{{"subject": {text}, "description": "d"}}'),
        "description": (customer, "/api/v1/cases/", f'{{"subject": "s", "description": {text}}}'),
        "summary": (customer, f"/api/v1/cases/{case.pk}/escalations/", f'{{"reason": "other", "summary": {text}}}'),
        "comment": (customer, f"/api/v1/cases/{case.pk}/comments/", f'{{"body": {text}}}'),
        "decision": (escalation_manager, f"/api/v1/escalations/{level1.pk}/decision/",
                     f'{{"decision": "accepted", "message": {text}}}'),
        "rca": (vp, f"/api/v1/escalations/{level4.pk}/rca/",
                f'{{"root_cause": {text}, "corrective_actions": {text}, "customer_summary": {text}}}'),
    }[where]
    before = (Case.objects.count(), CaseComment.objects.count(), Escalation.objects.count(),
              RootCauseAnalysis.objects.count())

    response = api_as(user).post(url, body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert (Case.objects.count(), CaseComment.objects.count(), Escalation.objects.count(),
            RootCauseAnalysis.objects.count()) == before
    level1.refresh_from_db()
    assert level1.status == EscalationStatus.PENDING


@pytest.mark.parametrize("where", ["subject", "description", "comment", "summary"])
def test_a_nul_byte_in_a_form_is_a_form_error_never_a_500(client, customer, make_case, where):
    case = make_case(created_at=timezone.now() - timedelta(days=3))
    client.force_login(customer)
    url, data = {
        "subject": ("/cases/new/", {"subject": "a\x00b", "description": "d", "severity": 3,
                                    "customer_priority": "normal"}),
        "description": ("/cases/new/", {"subject": "s", "description": "a\x00b", "severity": 3,
                                        "customer_priority": "normal"}),
        "comment": (f"/cases/{case.pk}/comments/", {"body": "a\x00b"}),
        "summary": (f"/cases/{case.pk}/escalate/", {"reason": "other", "summary": "a\x00b"}),
    }[where]
    before = (Case.objects.count(), CaseComment.objects.count(), Escalation.objects.count())

    response = client.post(url, data)

    assert response.status_code in (200, 400)
    assert "Null characters are not allowed" in response.content.decode()
    assert (Case.objects.count(), CaseComment.objects.count(), Escalation.objects.count()) == before


def test_the_case_services_refuse_nul_and_lone_surrogates_from_any_caller(customer, organization, case):
    from cases import services
    from portal.errors import InvalidInput

    for text in ("a\x00b", "a\ud800b"):
        with pytest.raises(InvalidInput):
            services.case_create(user=customer, subject="s", description=text, severity=3)
        with pytest.raises(InvalidInput):
            services.case_create(user=customer, subject=text, description="d", severity=3)
        with pytest.raises(InvalidInput):
            services.comment_create(case=case, user=customer, body=text)
    assert Case.objects.count() == 1 and not CaseComment.objects.exists()
