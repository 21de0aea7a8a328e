"""The heartbeats behind /readyz: beat records its own as it publishes, a worker as it runs the task."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from ops import heartbeat
from ops.models import Heartbeat
from ops.tasks import heartbeat as heartbeat_task


@pytest.fixture
def in_beat(monkeypatch):
    monkeypatch.setattr(heartbeat, "_in_beat", False)
    heartbeat.mark_beat()  # what beat_init does in the beat process
    return heartbeat


def beat_at(name):
    row = Heartbeat.objects.filter(name=name).first()
    return row and row.beat_at


@pytest.mark.django_db
def test_running_the_heartbeat_task_records_the_worker_and_not_beat():
    moment = timezone.now().replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        heartbeat_task.apply()

    assert beat_at("worker") == moment
    assert beat_at("beat") is None


@pytest.mark.django_db(transaction=True)
def test_beat_records_its_own_heartbeat_as_it_publishes_the_heartbeat_task(in_beat):
    moment = timezone.now().replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        heartbeat.beat_tick(sender=heartbeat.HEARTBEAT_TASK)

    assert beat_at("beat") == moment
    assert beat_at("worker") is None


@pytest.mark.django_db(transaction=True)
def test_beat_overwrites_its_heartbeat_each_period(in_beat):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        heartbeat.beat_tick(sender=heartbeat.HEARTBEAT_TASK)
        clock.shift(timedelta(seconds=30))
        heartbeat.beat_tick(sender=heartbeat.HEARTBEAT_TASK)

    assert list(Heartbeat.objects.values_list("name", "beat_at")) == [("beat", start + timedelta(seconds=30))]


@pytest.mark.django_db(transaction=True)
def test_beat_publishing_another_task_is_not_its_heartbeat(in_beat):
    heartbeat.beat_tick(sender="notifications.tasks.redeliver_unsent")

    assert not Heartbeat.objects.exists()


@pytest.mark.django_db
def test_publishing_the_heartbeat_task_outside_beat_is_not_beats_heartbeat(monkeypatch):
    monkeypatch.setattr(heartbeat, "_in_beat", False)

    heartbeat.beat_tick(sender=heartbeat.HEARTBEAT_TASK)

    assert not Heartbeat.objects.exists()


def test_beat_runs_the_heartbeat_often_enough_to_show_a_death_within_two_minutes():
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == heartbeat.HEARTBEAT_TASK)

    assert entry["schedule"] == timedelta(seconds=settings.PORTAL_HEARTBEAT_SECONDS)
    assert entry["options"]["expires"] == settings.PORTAL_HEARTBEAT_SECONDS
    # Stale after three missed periods, checked by a probe at least every 30 s: under 2 minutes.
    assert settings.PORTAL_HEARTBEAT_STALE_SECONDS + 30 <= 120
