"""The outage page says who raised Severity 1, and when (issue 12): on-call knows whom to call."""

from datetime import UTC, datetime

import pytest

from cases.models import Severity
from cases.services import case_create, case_update
from cases.tests.factories import UserFactory
from notifications.delivery import deliver
from notifications.models import Notification

RAISED_AT = datetime(2026, 12, 2, 9, 33, tzinfo=UTC)


@pytest.fixture
def on_call(db, settings):
    settings.TIME_ZONE = "UTC"
    return UserFactory(username="pager", groups=["On-call"])


def page_of(case):
    return Notification.objects.get(kind="outage_alert", case=case)


def test_a_members_raise_names_them_and_the_time(case, colleague, on_call, mailoutbox):
    colleague.first_name, colleague.last_name, colleague.email = "Cole", "League", "cole@acme.example"
    colleague.save()

    case_update(case=case, user=colleague, severity=Severity.OUTAGE, now=RAISED_AT)

    body = page_of(case).body
    assert "Raised to Severity 1 by Cole League <cole@acme.example> on " in body
    assert "2 Dec 2026" in body and "09:33" in body
    assert "Reason:" not in body
    assert deliver(page_of(case).pk)
    assert "Raised to Severity 1 by Cole League" in mailoutbox[0].body


def test_a_case_opened_as_severity_1_says_who_opened_it(customer, organization, on_call):
    case = case_create(
        user=customer,
        subject="Checkout is down",
        description="Nobody can pay.",
        severity=Severity.OUTAGE,
        now=RAISED_AT,
    )

    body = page_of(case).body
    assert "Opened as Severity 1 by Cora Customer" in body
    assert "2 Dec 2026" in body and "09:33" in body


def test_a_staff_raise_names_them_and_their_reason(case, escalation_manager, on_call):
    escalation_manager.first_name, escalation_manager.last_name = "Em", "Manager"
    escalation_manager.save()

    case_update(
        case=case,
        user=escalation_manager,
        severity=Severity.OUTAGE,
        reason="Every region reports errors.",
        now=RAISED_AT,
    )

    body = page_of(case).body
    assert "Raised to Severity 1 by Em Manager" in body
    assert "Reason: Every region reports errors." in body
