"""The outbox: one row per recipient and event, each delivered at most once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.delivery import deliver
from notifications.models import Notification
from notifications.outbox import notify
from notifications.selectors import unsent_ids
from notifications.tasks import deliver_notification, deliver_notifications, redeliver_unsent


@pytest.fixture
def row(case, customer):
    notify(recipients=[customer, customer], kind="escalation_received",
           context={"case": case, "escalation": None, "level": None}, case=case, event="test-1",
           now=timezone.now())
    return Notification.objects.get()


def test_it_writes_one_row_per_recipient_and_event(case, customer, row):
    notify(recipients=[customer], kind="escalation_received",
           context={"case": case, "escalation": None, "level": None}, case=case, event="test-1", now=timezone.now())

    assert Notification.objects.count() == 1
    assert row.dedupe_key == f"escalation_received:test-1:user-{customer.pk}"


def test_it_delivers_by_email_exactly_once(row, customer):
    assert deliver(row.id) is True
    assert deliver(row.id) is False

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [customer.email]
    assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-generated"
    row.refresh_from_db()
    assert row.sent_at is not None
    assert row.attempts == 1


def test_a_failed_send_gives_the_row_back_for_a_retry(row, settings):
    settings.EMAIL_BACKEND = "notifications.tests.failing_backend.RefusingBackend"

    with pytest.raises(ConnectionRefusedError):
        deliver(row.id)

    row.refresh_from_db()
    assert (row.sent_at, row.claimed_until, row.attempts) == (None, None, 1)
    assert "refused" in row.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver(row.id) is True
    assert len(mail.outbox) == 1


def test_a_claim_held_by_a_live_delivery_blocks_a_second_one(row):
    Notification.objects.filter(id=row.id).update(claimed_until=timezone.now() + timedelta(minutes=5))

    assert deliver(row.id) is False
    assert deliver(row.id, now=timezone.now() + timedelta(minutes=6)) is True
    assert len(mail.outbox) == 1


def test_the_sweep_finds_rows_left_unsent_for_a_minute(row):
    assert unsent_ids(older_than=row.created_at) == []
    assert unsent_ids(older_than=row.created_at + timedelta(minutes=1)) == [row.id]
    deliver(row.id)
    assert unsent_ids(older_than=row.created_at + timedelta(minutes=1)) == []


def test_the_sweep_leaves_a_row_that_a_live_delivery_holds(row):
    later = row.created_at + timedelta(minutes=2)
    Notification.objects.filter(id=row.id).update(claimed_until=later + timedelta(minutes=1))

    assert unsent_ids(older_than=later, now=later) == []
    assert unsent_ids(older_than=later, now=later + timedelta(minutes=2)) == [row.id]


def test_the_worker_fans_a_batch_out_to_one_task_per_unsent_row(row, case, customer, monkeypatch):
    published = []
    monkeypatch.setattr(deliver_notification, "delay", published.append)
    historical = Notification.objects.create(recipient=customer, kind="escalation_received", subject="s", body="b",
                                             case=case, dedupe_key="historical", sent_at=timezone.now())

    deliver_notifications([row.id, historical.id, 999999])

    assert published == [row.id]


def test_an_events_rows_are_handed_to_the_broker_in_one_message_on_commit(
    case, customer, colleague, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr(deliver_notifications, "delay", published.append)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = notify(recipients=[customer, colleague], kind="outage_alert", context={"case": case}, case=case,
                     event="batch-1", now=timezone.now())
    assert published == []  # nothing before the commit
    for callback in callbacks:
        callback()

    assert published == [ids]
    assert sorted(ids) == sorted(Notification.objects.values_list("id", flat=True))


def test_a_repeated_write_keeps_the_row_and_returns_its_id(row, case, customer):
    ids = notify(recipients=[customer], kind="escalation_received",
                 context={"case": case, "escalation": None, "level": None}, case=case,
                 event="test-1", now=timezone.now() + timedelta(minutes=5))

    assert ids == [row.id]
    kept = Notification.objects.get()
    assert (kept.subject, kept.body, kept.created_at) == (row.subject, row.body, row.created_at)


def test_a_broker_failure_loses_nothing_and_the_sweep_redelivers(
    case, customer, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(deliver_notifications, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        ids = notify(recipients=[customer], kind="outage_alert", context={"case": case}, case=case,
                     event="down-1", now=timezone.now())

    assert "the sweep will redeliver" in caplog.text
    row = Notification.objects.get(id__in=ids)
    assert row.sent_at is None
    published = []
    monkeypatch.setattr(deliver_notification, "delay", published.append)
    Notification.objects.filter(id=row.id).update(created_at=timezone.now() - timedelta(minutes=5))
    redeliver_unsent()
    assert published == [row.id]
