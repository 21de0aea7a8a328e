"""/healthz and /readyz as a load balancer, a probe and an operator see them."""

from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError
from django.utils import timezone

from notifications.models import Notification
from ops import heartbeat, readiness


def both_heartbeats(at=None):
    heartbeat.record(heartbeat.BEAT, now=at)
    heartbeat.record(heartbeat.WORKER, now=at)


@pytest.fixture
def unsent(customer):
    def make(*, minutes_ago, **fields):
        return Notification.objects.create(
            recipient=customer,
            kind="escalation_received",
            subject="s",
            body="b",
            dedupe_key=f"ops-{Notification.objects.count()}",
            created_at=timezone.now() - timedelta(minutes=minutes_ago),
            **fields,
        )

    return make


@pytest.mark.django_db
def test_healthz_answers_ok_without_touching_the_database_or_the_session(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert "no-cache" in response["Cache-Control"]


def test_healthz_refuses_a_post_with_405_not_an_error(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_is_ready_when_database_broker_heartbeats_and_outbox_are_fine(client):
    both_heartbeats()

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert list(body["checks"]) == ["database", "broker", "beat", "worker", "outbox_backlog", "outbox_oldest"]
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["outbox_backlog"]["unsent"] == 0
    assert body["checks"]["outbox_oldest"]["age_seconds"] is None


@pytest.mark.django_db
def test_readyz_costs_three_queries_however_large_the_outbox(client, unsent, django_assert_num_queries):
    both_heartbeats()
    for minutes in range(5):
        unsent(minutes_ago=minutes)

    with django_assert_num_queries(3):
        response = client.get("/readyz")

    assert response.status_code == 200


@pytest.mark.django_db
def test_readyz_is_unavailable_when_no_process_ever_beat(client):
    response = client.get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["beat"]["ok"] is False and checks["beat"]["age_seconds"] is None
    assert checks["worker"]["ok"] is False


@pytest.mark.django_db
def test_readyz_blames_the_worker_when_beat_ticks_but_no_worker_ran_the_heartbeat(client):
    heartbeat.record(heartbeat.BEAT)
    heartbeat.record(heartbeat.WORKER, now=timezone.now() - timedelta(seconds=91))

    response = client.get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["beat"]["ok"] is True
    assert checks["worker"]["ok"] is False
    assert checks["worker"]["age_seconds"] >= 91
    assert checks["worker"]["max_age_seconds"] == 90
    assert "worker" in checks["worker"]["detail"]


@pytest.mark.django_db
def test_readyz_says_the_worker_is_unknown_when_beat_is_down(client):
    both_heartbeats(at=timezone.now() - timedelta(minutes=5))

    checks = client.get("/readyz").json()["checks"]

    assert checks["beat"]["ok"] is False
    assert "beat is down" in checks["worker"]["detail"]


@pytest.mark.django_db
def test_readyz_turns_unhealthy_within_two_minutes_of_the_last_heartbeat_and_healthy_after_the_next(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        both_heartbeats()
        clock.move_to(start + timedelta(seconds=90))
        assert client.get("/readyz").status_code == 200

        clock.move_to(start + timedelta(seconds=91))
        assert client.get("/readyz").status_code == 503

        both_heartbeats()  # the worker and beat are back
        assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["redis://127.0.0.1:1/0", "redis://:hunter2-secret@127.0.0.1:1/0"])
def test_readyz_is_unavailable_when_redis_does_not_answer_and_does_not_leak_its_url(client, settings, url):
    settings.CELERY_BROKER_URL = url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    both_heartbeats()

    response = client.get("/readyz")

    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is False and broker["transport"] == "redis"
    assert broker["detail"].startswith("unreachable: ")
    assert "127.0.0.1" not in response.content.decode()
    assert "hunter2" not in response.content.decode()


@pytest.fixture
def file_broker(settings, tmp_path):
    folders = {name: tmp_path / name for name in ("queue", "control")}
    for folder in folders.values():
        folder.mkdir()
    settings.CELERY_BROKER_URL = "filesystem://localhost//"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "control_folder": str(folders["control"]),
        "store_processed": False,
    }
    return folders


def test_the_file_broker_is_ready_when_its_folders_can_be_written(file_broker):
    assert readiness.check_broker() == readiness.Check("broker", True, {"transport": "filesystem"})


def test_the_file_broker_is_not_ready_when_a_folder_is_gone(file_broker):
    file_broker["control"].rmdir()

    check = readiness.check_broker()

    assert check.ok is False
    assert check.detail == "1 of its 2 folders missing or read-only"
    assert str(file_broker["control"]) not in check.detail


@pytest.mark.django_db
def test_readyz_reports_the_backlog_and_the_age_of_the_oldest_unsent_message(client, unsent):
    both_heartbeats()
    unsent(minutes_ago=5)
    unsent(minutes_ago=2)
    unsent(minutes_ago=30, sent_at=timezone.now())
    unsent(minutes_ago=60, failed_at=timezone.now())

    response = client.get("/readyz")

    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["outbox_backlog"]["unsent"] == 2
    assert 300 <= checks["outbox_oldest"]["age_seconds"] < 310


@pytest.mark.django_db
def test_readyz_is_unavailable_when_a_message_waited_longer_than_the_limit(client, unsent):
    both_heartbeats()
    unsent(minutes_ago=11)

    response = client.get("/readyz")

    assert response.status_code == 503
    oldest = response.json()["checks"]["outbox_oldest"]
    assert oldest["ok"] is False and oldest["age_seconds"] >= 660 and oldest["max_age_seconds"] == 600


@pytest.mark.django_db
def test_readyz_is_unavailable_when_the_backlog_is_over_the_limit(client, unsent, settings):
    settings.PORTAL_READY_MAX_UNSENT = 1
    both_heartbeats()
    unsent(minutes_ago=1)
    unsent(minutes_ago=1)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["outbox_backlog"] == {
        "ok": False,
        "unsent": 2,
        "max_unsent": 1,
        "detail": "more messages wait to be sent than the limit",
    }


@pytest.mark.django_db
def test_readyz_answers_503_with_its_body_when_the_database_is_unreachable(client, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise OperationalError("could not connect to server: Connection refused (secret host)")

    monkeypatch.setattr(readiness, "connection", Unreachable())

    response = client.get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": False, "detail": "unreachable: OperationalError"}
    assert checks["worker"]["detail"] == "not checked: the database is unreachable"
    assert "secret host" not in response.content.decode()


@pytest.mark.django_db
def test_probes_are_answered_over_plain_http_where_pages_redirect_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    both_heartbeats()

    assert client.get("/login/").status_code == 301
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics").status_code == 200
