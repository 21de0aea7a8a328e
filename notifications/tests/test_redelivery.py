"""The outbox sweep hands an unsent row to the broker again, but not once per sweep: a row it
handed is leased to that message (PORTAL_REQUEUE_LEASE_SECONDS), so a stalled broker's queue
holds at most one extra message per row, whatever the length of the outage (issue 11)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from notifications.models import Notification
from notifications.outbox import notify, retry_delivery
from notifications.tasks import deliver_notification, redeliver_unsent


@pytest.fixture
def published(monkeypatch):
    """The ids the sweep publishes, in order (the broker itself is the integration tests')."""
    ids = []
    monkeypatch.setattr(deliver_notification, "delay", ids.append)
    return ids


@pytest.fixture
def unsent(case, customer):
    """A row written ten minutes ago whose message the broker lost: nobody sent it."""
    written = timezone.now() - timedelta(minutes=10)
    [row_id] = notify(recipients=[customer], kind="outage_alert", context={"case": case}, case=case,
                      event="lost-1", now=written)
    return Notification.objects.get(id=row_id)


def test_a_sweep_every_minute_for_an_hour_hands_a_row_once_per_lease(settings, unsent, published):
    settings.PORTAL_REQUEUE_LEASE_SECONDS = 300
    start = timezone.now()

    for minute in range(60):
        with time_machine.travel(start + timedelta(minutes=minute, seconds=1), tick=False):
            redeliver_unsent()

    # Minutes 0, 5, 10, ... 55: twelve messages in an hour, not sixty.
    assert published == [unsent.id] * 12


def test_a_handed_row_is_left_to_its_message_until_the_lease_runs_out(settings, unsent, published):
    settings.PORTAL_REQUEUE_LEASE_SECONDS = 300
    now = timezone.now()

    with time_machine.travel(now, tick=False):
        assert redeliver_unsent() == 1
    unsent.refresh_from_db()
    with time_machine.travel(now + timedelta(seconds=299), tick=False):
        assert redeliver_unsent() == 0
    with time_machine.travel(now + timedelta(seconds=301), tick=False):
        assert redeliver_unsent() == 1

    assert unsent.queued_until == now + timedelta(seconds=300)
    assert published == [unsent.id, unsent.id]


def test_a_sent_row_is_never_handed_again(unsent, published):
    Notification.objects.filter(id=unsent.id).update(sent_at=timezone.now())

    assert redeliver_unsent() == 0
    assert published == []


def test_an_admins_retry_hands_the_row_at_once_whatever_its_lease(
    unsent, published, django_capture_on_commit_callbacks
):
    Notification.objects.filter(id=unsent.id).update(queued_until=timezone.now() + timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert retry_delivery(ids=[unsent.id]) == [unsent.id]

    unsent.refresh_from_db()
    assert unsent.queued_until is None


def test_a_worker_connecting_to_the_broker_hands_fresh_unsent_rows_at_once(case, customer, published):
    """The consumer step: after a restart or a reconnection, rows need not wait for the sweep's minute."""
    from notifications.worker import HandUnsentOnConnect
    from portal.celery import app

    [fresh] = notify(recipients=[customer], kind="outage_alert", context={"case": case}, case=case,
                     event="fresh-1", now=timezone.now())  # fmt: skip
    claimed = notify(recipients=[customer], kind="outage_alert", context={"case": case}, case=case,
                     event="fresh-2", now=timezone.now())  # fmt: skip
    Notification.objects.filter(id__in=claimed).update(claimed_until=timezone.now() + timedelta(minutes=2))

    assert redeliver_unsent() == 0  # the minute sweep leaves a fresh row to its own message
    assert HandUnsentOnConnect in app.steps["consumer"]
    HandUnsentOnConnect(parent=None).start(consumer=SimpleNamespace(hostname="celery@here"))
    HandUnsentOnConnect(parent=None).start(consumer=SimpleNamespace(hostname="celery@here"))  # the lease holds

    assert published == [fresh]  # a live delivery's claim is left to it


def test_a_worker_started_again_releases_what_its_killed_life_was_sending_and_nothing_else(
    case, customer, published
):
    """A worker SIGKILLed between claiming a row and recording it sent: its next life (same node
    name, another boot id) hands the row over at once, not when the lease lapses (minutes)."""
    from notifications.tasks import claimant
    from notifications.worker import HandUnsentOnConnect

    rows = notify(recipients=[customer], kind="outage_alert", context={"case": case}, case=case,
                  event="killed-1", now=timezone.now() - timedelta(seconds=5))  # fmt: skip
    others = notify(recipients=[customer], kind="outage_alert", context={"case": case}, case=case,
                    event="live-1", now=timezone.now() - timedelta(seconds=5))  # fmt: skip
    held_until = timezone.now() + timedelta(minutes=2)
    Notification.objects.filter(id__in=rows).update(claimed_until=held_until, claimed_by="celery@here/deadbeef0000")
    Notification.objects.filter(id__in=others).update(claimed_until=held_until, claimed_by="celery@there/0123456789ab")
    mine = notify(recipients=[customer], kind="outage_alert", context={"case": case}, case=case,
                  event="mine-1", now=timezone.now() - timedelta(seconds=5))  # fmt: skip
    Notification.objects.filter(id__in=mine).update(claimed_until=held_until, claimed_by=claimant("celery@here"))

    HandUnsentOnConnect(parent=None).start(consumer=SimpleNamespace(hostname="celery@here"))

    assert published == rows  # the dead life's row; not another node's, not this process's own
    assert Notification.objects.get(id=rows[0]).claimed_by == ""
    assert Notification.objects.get(id=others[0]).claimed_until == held_until
