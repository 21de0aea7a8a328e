"""Who may change a case, and what a reply does to it (DESIGN.md, "Contract additions")."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case, CaseStatus, CommentKind, Severity
from cases.services import NotAllowed, case_update, comment_create
from cases.tests.factories import UserFactory
from notifications.models import Notification
from portal.errors import DomainError, InvalidInput

CLOSED = [CaseStatus.SOLVED, CaseStatus.CLOSED]


@pytest.fixture
def on_call(db):
    return UserFactory(username="pager", groups=["On-call"])


def pages_sent():
    return Notification.objects.filter(kind="outage_alert").count()


def system_lines(case):
    return list(case.comments.filter(kind=CommentKind.SYSTEM).values_list("body", flat=True))


# --- case_update: what members may change ----------------------------------------------------


def test_a_member_changes_the_customer_priority_and_the_thread_says_so(case, customer):
    case_update(case=case, user=customer, customer_priority="high")

    case.refresh_from_db()
    assert case.customer_priority == "high"
    assert system_lines(case) == ["Cora Customer: Customer Priority changed from Normal to High."]


def test_a_member_raises_an_open_case_to_severity_1_and_on_call_is_paged(case, colleague, on_call):
    case_update(case=case, user=colleague, severity=Severity.OUTAGE)

    case.refresh_from_db()
    assert case.severity == Severity.OUTAGE
    assert Notification.objects.get(kind="outage_alert").recipient == on_call


def test_a_member_cannot_lower_the_severity(case, customer):
    with pytest.raises(InvalidInput) as refused:
        case_update(case=case, user=customer, severity=Severity.GENERAL)

    assert "severity" in refused.value.errors
    case.refresh_from_db()
    assert case.severity == Severity.MINOR


@pytest.mark.parametrize("status", CLOSED)
def test_raising_a_solved_or_closed_case_to_severity_1_is_refused_and_pages_nobody(make_case, customer, on_call,
                                                                                     status):
    done = make_case(status=status)

    with pytest.raises(DomainError) as refused:
        case_update(case=done, user=customer, severity=Severity.OUTAGE)

    assert (refused.value.status, refused.value.code) == (409, "case_closed")
    done.refresh_from_db()
    assert done.severity == Severity.MINOR
    assert pages_sent() == 0
    assert system_lines(done) == []


@pytest.mark.parametrize("status", CLOSED)
def test_the_priority_of_a_solved_or_closed_case_cannot_change(make_case, customer, status):
    done = make_case(status=status)

    with pytest.raises(DomainError) as refused:
        case_update(case=done, user=customer, customer_priority="high")

    assert (refused.value.status, refused.value.code) == (409, "case_closed")
    done.refresh_from_db()
    assert done.customer_priority == "normal"


@pytest.mark.parametrize("who", ["csm", "outsider"])
def test_someone_neither_member_nor_staff_cannot_change_a_case(request, case, on_call, who):
    person = request.getfixturevalue(who)

    for change in ({"customer_priority": "high"}, {"severity": Severity.OUTAGE}):
        with pytest.raises(NotAllowed) as refused:
            case_update(case=case, user=person, **change)
        assert (refused.value.status, refused.value.code) == (403, "permission_denied")

    case.refresh_from_db()
    assert (case.customer_priority, case.severity) == ("normal", Severity.MINOR)
    assert pages_sent() == 0


# --- case_update: what escalation staff may change -------------------------------------------


def test_staff_cannot_change_the_customers_priority(case, escalation_manager):
    with pytest.raises(NotAllowed):
        case_update(case=case, user=escalation_manager, customer_priority="high")

    case.refresh_from_db()
    assert case.customer_priority == "normal"
    assert system_lines(case) == []


def test_staff_set_any_severity_and_the_thread_says_who_and_why(case, escalation_manager):
    escalation_manager.first_name, escalation_manager.last_name = "Erin", "Manager"
    escalation_manager.save()

    case_update(case=case, user=escalation_manager, severity=Severity.MAJOR, reason="Checkout is degraded.")

    case.refresh_from_db()
    assert case.severity == Severity.MAJOR
    [line] = system_lines(case)
    assert line.startswith("Erin Manager: Severity changed from Severity 3 - Minor impairment to Severity 2")
    assert "Checkout is degraded." in line


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_staff_severity_change_needs_a_reason(case, escalation_manager, reason):
    with pytest.raises(InvalidInput) as refused:
        case_update(case=case, user=escalation_manager, severity=Severity.GENERAL, reason=reason)

    assert list(refused.value.errors) == ["reason"]
    case.refresh_from_db()
    assert case.severity == Severity.MINOR


def test_staff_lowering_severity_from_1_pages_nobody(make_case, escalation_manager, on_call):
    outage = make_case(severity=Severity.OUTAGE)

    case_update(case=outage, user=escalation_manager, severity=Severity.MAJOR, reason="Service restored.")

    outage.refresh_from_db()
    assert outage.severity == Severity.MAJOR
    assert pages_sent() == 0


def test_staff_raising_to_severity_1_pages_on_call(case, escalation_manager, on_call):
    case_update(case=case, user=escalation_manager, severity=Severity.OUTAGE, reason="All EU traffic fails.")

    case.refresh_from_db()
    assert case.severity == Severity.OUTAGE
    assert Notification.objects.get(kind="outage_alert").recipient == on_call
    assert "All EU traffic fails." in system_lines(case)[0]


@pytest.mark.parametrize("status", CLOSED)
def test_staff_cannot_raise_a_solved_or_closed_case_either(make_case, escalation_manager, on_call, status):
    done = make_case(status=status)

    with pytest.raises(DomainError) as refused:
        case_update(case=done, user=escalation_manager, severity=Severity.OUTAGE, reason="Down again.")

    assert refused.value.code == "case_closed"
    assert pages_sent() == 0


# --- comment_create: what a reply does ------------------------------------------------------


def test_a_members_reply_reopens_a_solved_case_and_the_thread_records_it(make_case, colleague):
    solved = make_case(status=CaseStatus.SOLVED)

    comment_create(case=solved, user=colleague, body="It broke again this morning.")

    solved.refresh_from_db()
    assert solved.status == CaseStatus.OPEN
    assert any("reopened" in line for line in system_lines(solved))


def test_a_staff_reply_leaves_a_solved_case_solved(make_case, escalation_manager):
    solved = make_case(status=CaseStatus.SOLVED)

    comment_create(case=solved, user=escalation_manager, body="Glad it works now.")

    solved.refresh_from_db()
    assert solved.status == CaseStatus.SOLVED


@pytest.mark.parametrize("who", ["customer", "escalation_manager"])
def test_a_closed_case_takes_no_replies(request, make_case, who):
    closed = make_case(status=CaseStatus.CLOSED)

    with pytest.raises(DomainError) as refused:
        comment_create(case=closed, user=request.getfixturevalue(who), body="One more thing.")

    assert (refused.value.status, refused.value.code) == (409, "case_closed")
    assert "new case" in refused.value.detail
    closed.refresh_from_db()
    assert (closed.status, closed.comments.count()) == (CaseStatus.CLOSED, 0)


def test_a_customers_reply_reopens_a_case_waiting_on_them(make_case, customer):
    waiting = make_case(status=CaseStatus.PENDING_CUSTOMER)

    comment_create(case=waiting, user=customer, body="Here are the logs you asked for.")

    waiting.refresh_from_db()
    assert waiting.status == CaseStatus.OPEN


def test_a_staff_reply_leaves_a_case_waiting_on_the_customer(make_case, escalation_manager):
    waiting = make_case(status=CaseStatus.PENDING_CUSTOMER)

    comment_create(case=waiting, user=escalation_manager, body="Any news on the logs?")

    waiting.refresh_from_db()
    assert waiting.status == CaseStatus.PENDING_CUSTOMER


def test_the_first_public_staff_reply_sets_first_response_at_and_later_ones_keep_it(case, escalation_manager):
    first = timezone.now()

    comment_create(case=case, user=escalation_manager, body="Looking into it.", now=first)
    comment_create(case=case, user=escalation_manager, body="Still on it.", now=first + timedelta(hours=1))

    case.refresh_from_db()
    assert case.first_response_at == first


def test_an_internal_note_does_not_set_first_response_at(case, escalation_manager):
    note = comment_create(case=case, user=escalation_manager, body="Customer seems to use v1.", public=False)

    case.refresh_from_db()
    assert note.public is False
    assert case.first_response_at is None


def test_a_customers_reply_does_not_set_first_response_at(case, customer):
    comment_create(case=case, user=customer, body="Any news?")

    case.refresh_from_db()
    assert case.first_response_at is None


def test_a_customer_cannot_write_an_internal_note(case, customer):
    with pytest.raises(InvalidInput) as refused:
        comment_create(case=case, user=customer, body="Secret?", public=False)

    assert list(refused.value.errors) == ["public"]
    assert case.comments.count() == 0


@pytest.mark.parametrize("who", ["csm", "outsider"])
def test_someone_neither_member_nor_staff_cannot_comment(request, case, who):
    with pytest.raises(NotAllowed):
        comment_create(case=case, user=request.getfixturevalue(who), body="Hello from the account team.")

    assert case.comments.count() == 0
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN
