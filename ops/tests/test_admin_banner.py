"""The admin says when the worker or beat is down, by the same checks as /readyz."""

from datetime import timedelta

from django.utils import timezone

from ops import heartbeat


def admin_index(admin_client) -> str:
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_admin_shows_no_banner_while_beat_and_a_worker_beat(admin_client):
    heartbeat.record(heartbeat.BEAT)
    heartbeat.record(heartbeat.WORKER)

    assert "Background work is not running" not in admin_index(admin_client)


def test_the_admin_says_the_worker_is_down_when_its_heartbeat_is_stale(admin_client, settings):
    heartbeat.record(heartbeat.BEAT)
    stale = timezone.now() - timedelta(seconds=settings.PORTAL_HEARTBEAT_STALE_SECONDS + 1)
    heartbeat.record(heartbeat.WORKER, now=stale)

    html = admin_index(admin_client)

    assert "Background work is not running" in html
    assert "Worker: no worker ran the heartbeat task in time" in html
    assert "Beat:" not in html


def test_the_admin_says_beat_is_down_when_nothing_ever_beat(admin_client):
    html = admin_index(admin_client)

    assert "Beat: beat has not scheduled the heartbeat task in time" in html
