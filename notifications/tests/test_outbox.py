"""Who the outbox writes to: a deactivated account is never told anything."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from notifications.delivery import deliver
from notifications.models import Notification
from notifications.outbox import notifications_build, notify


@pytest.fixture
def gone(db):
    """Someone who has left the company: their account is deactivated, not deleted."""
    return get_user_model().objects.create_user("left-the-company", "gone@example.com", is_active=False)


def context(case):
    return {"case": case, "escalation": None, "level": None}


def test_it_builds_no_message_for_a_deactivated_account(case, customer, gone):
    rows = notifications_build(recipients=[gone, customer], kind="escalation_received", context=context(case),
                               case=case, event="test-inactive", now=timezone.now())

    assert [row.recipient for row in rows] == [customer]


def test_a_deactivated_account_gets_no_email(case, gone):
    ids = notify(recipients=[gone], kind="escalation_received", context=context(case), case=case,
                 event="test-inactive", now=timezone.now())
    for row_id in ids:
        deliver(row_id)

    assert ids == []
    assert not Notification.objects.filter(recipient=gone).exists()
    assert mail.outbox == []
