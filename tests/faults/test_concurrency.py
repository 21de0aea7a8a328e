"""Races over real HTTP: gunicorn workers against PostgreSQL, requests released together.

Twenty customers' presses of Escalate make one escalation; two managers deciding at once
make one decision; a request blocked on a row lock gives up after ``lock_timeout`` with
a 503 the user can retry, instead of holding a worker for as long as the lock is held.
"""

import os
import re
import time
from collections import Counter

import psycopg2
import pytest
from django.db import connection
from django.db.models import Count

from cases.models import CaseComment, CommentKind
from escalations.models import Escalation
from notifications.models import Notification
from tests.threads import at_once

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

ESCALATION = {"reason": "time_constraint", "summary": "Our go-live is on Friday and this blocks it."}
DELIVERY_TIMEOUT = 30


def escalation_keys(escalation, acme):
    event = f"escalation-{escalation.pk}"
    return {
        *(f"escalation_alert:{event}:user-{user.pk}" for user in acme.escalation_managers),
        f"csm_informed:{event}:user-{acme.csm.pk}",
        f"escalation_received:{event}:user-{acme.customer.pk}",
    }


def all_at_once(calls):
    """Run the calls in threads released together by a barrier; return (results in order, seconds)."""
    started = time.monotonic()
    results = at_once(calls)
    return results, time.monotonic() - started


def timed(call):
    def run():
        started = time.monotonic()
        status, body = call()
        return status, body, time.monotonic() - started

    return run


def test_twenty_simultaneous_escalations_over_http_make_exactly_one(stack, acme, figures):
    stack.start(stack.worker(), stack.web(workers=4))
    path = f"/api/v1/cases/{acme.case.pk}/escalations/"
    press = timed(lambda: stack.api("POST", path, token=acme.token, payload=ESCALATION))

    results, took = all_at_once([press] * 20)

    statuses = Counter(status for status, _, _ in results)
    assert statuses == {201: 1, 409: 19}, [(status, body) for status, body, _ in results]
    assert {body["code"] for status, body, _ in results if status == 409} == {"review_pending"}
    escalation = Escalation.objects.get(case=acme.case)
    keys = escalation_keys(escalation, acme)
    assert set(Notification.objects.values_list("dedupe_key", flat=True)) == keys
    assert not Notification.objects.values("kind", "recipient").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert CaseComment.objects.filter(case=acme.case, kind=CommentKind.SYSTEM).count() == 1
    stack.wait_for(lambda: all(stack.mailed()[key] for key in keys), DELIVERY_TIMEOUT, "the four emails")
    stack.wait_for(stack.queue_is_drained, DELIVERY_TIMEOUT, "the task queue to drain")
    assert stack.mailed() == Counter(dict.fromkeys(keys, 1))
    slowest = max(seconds for _, _, seconds in results)
    figures(
        f"20 simultaneous POSTs to gunicorn -w 4: 1x201, 19x409 review_pending, 0x5xx in {took * 1000:.0f} ms "
        f"(slowest answer {slowest * 1000:.0f} ms); 1 escalation, {len(keys)} notifications, each mailed once"
    )


def test_two_managers_deciding_at_once_make_one_decision_and_one_auto_reply(
    stack, acme, manager_tokens, smtp, figures
):
    worker, _ = stack.start(stack.worker(**smtp.worker_env()), stack.web())
    status, body = stack.api(
        "POST", f"/api/v1/cases/{acme.case.pk}/escalations/", token=acme.token, payload=ESCALATION
    )
    assert status == 201, body
    escalation_id = body["id"]
    decision_path = f"/api/v1/escalations/{escalation_id}/decision/"
    messages = [f"Declined by manager {n}: this is a configuration question." for n in (1, 2)]
    decide = [
        timed(lambda token=token, message=message: stack.api(
            "POST", decision_path, token=token, payload={"decision": "not_accepted", "message": message}
        ))
        for token, message in zip(manager_tokens, messages, strict=True)
    ]  # fmt: skip

    results, took = all_at_once(decide)

    assert sorted(status for status, _, _ in results) == [200, 409]
    (winner,) = [i for i, (status, _, _) in enumerate(results) if status == 200]
    loser = results[1 - winner]
    assert loser[1]["code"] == "already_decided"
    escalation = Escalation.objects.get(pk=escalation_id)
    assert escalation.status == "not_accepted" and escalation.reviewed_by == acme.escalation_managers[winner]
    replies = CaseComment.objects.filter(case=acme.case, kind=CommentKind.REPLY)
    assert list(replies.values_list("body", flat=True)) == [messages[winner]]
    reply_key = f"escalation_not_accepted:decision-{escalation_id}:user-{acme.customer.pk}"
    assert list(Notification.objects.filter(kind="escalation_not_accepted").values_list("dedupe_key", flat=True)) == [
        reply_key
    ]

    keys = escalation_keys(escalation, acme) | {reply_key}
    stack.wait_for(lambda: all(smtp.received()[key] for key in keys), DELIVERY_TIMEOUT, "every email at the server")
    # Deliver the reply twice more, as a broker redelivery or the sweep would: no second email.
    reply = Notification.objects.get(dedupe_key=reply_key)
    publish_twice(stack, reply.pk)

    def deliveries_run():
        return len(re.findall(r"deliver_notification\[[^\]]+\] succeeded", worker.log_text()))

    stack.wait_for(lambda: deliveries_run() == len(keys) + 2, DELIVERY_TIMEOUT, "the two redeliveries to run")
    stack.wait_for(stack.queue_is_drained, DELIVERY_TIMEOUT, "the task queue to drain")
    assert smtp.received() == Counter(dict.fromkeys(keys, 1))
    (auto_reply,) = smtp.headers_of(reply_key)
    assert auto_reply["Auto-Submitted"] == "auto-replied"
    others = [smtp.headers_of(key)[0]["Auto-Submitted"] for key in keys - {reply_key}]
    assert set(others) == {"auto-generated"}
    reply.refresh_from_db()
    assert reply.attempts == 1  # the two redeliveries found it sent and did not even claim it
    figures(
        f"2 managers deciding at once: 200 + 409 already_decided in {took * 1000:.0f} ms; 1 reply in the thread; "
        f"the not-accepted email (Auto-Submitted: auto-replied) received once, also after 2 extra deliveries"
    )


def publish_twice(stack, notification_id):
    """Publish deliver_notification for one row twice to the stack's broker (as a redelivery would)."""
    from kombu import Connection

    from notifications.tasks import deliver_notification

    with Connection(stack.redis.url) as broker:
        for _ in range(2):
            deliver_notification.apply_async((notification_id,), connection=broker)


def show(cursor, name):
    cursor.execute(f"SHOW {name}")
    return cursor.fetchone()[0]


def test_a_request_blocked_on_the_case_lock_answers_503_after_the_lock_timeout_and_saves_nothing(
    stack, acme, figures
):
    web = stack.web(DATABASE_LOCK_TIMEOUT_MS="1000").start()  # boots while the bounds are read
    # The bounds, as a connection made with the settings sees them: the server under test,
    # and this test process (defaults unless the environment says otherwise).
    server_side = stack.manage(
        "shell", "-v", "0", "-c",
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SHOW lock_timeout'); lock = c.fetchone()[0]\n"
        "    c.execute('SHOW statement_timeout'); statement = c.fetchone()[0]\n"
        "print(lock, statement)",
        DATABASE_LOCK_TIMEOUT_MS="1000",
    ).split()  # fmt: skip
    assert server_side == ["1s", "30s"]
    stack.wait_for(web.is_ready, 30, "gunicorn to be ready")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setting FROM pg_settings WHERE name IN ('lock_timeout', 'statement_timeout') ORDER BY name"
        )
        in_process = [int(value) for (value,) in cursor.fetchall()]
    assert in_process == [
        int(os.environ.get("DATABASE_LOCK_TIMEOUT_MS", 5000)),
        int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", 30000)),
    ]

    path = f"/api/v1/cases/{acme.case.pk}/escalations/"
    holder = psycopg2.connect(**holder_params())
    try:
        with holder.cursor() as cursor:  # psycopg2 opens a transaction and keeps it open
            cursor.execute("SELECT id FROM cases_case WHERE id = %s FOR UPDATE", [acme.case.pk])
        started = time.monotonic()
        status, headers, body = stack.api_response("POST", path, token=acme.token, payload=ESCALATION)
        blocked_for = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()

    assert status == 503, body
    assert body["code"] == "service_unavailable"
    assert int(headers["Retry-After"]) > 0
    assert 0.9 <= blocked_for < 4, f"answered after {blocked_for:.2f} s with a 1 s lock_timeout"
    assert not Escalation.objects.exists()
    assert not Notification.objects.exists()
    assert not CaseComment.objects.filter(case=acme.case).exists()
    assert "lock timeout" in web.log_text()

    started = time.monotonic()
    status, body = stack.api("POST", path, token=acme.token, payload=ESCALATION)
    retried_in = time.monotonic() - started
    assert status == 201, body
    assert Escalation.objects.filter(case=acme.case).count() == 1
    figures(
        f"case row locked by another transaction: POST answered 503 service_unavailable "
        f"(Retry-After {headers['Retry-After']} s) after {blocked_for * 1000:.0f} ms with lock_timeout 1 s, "
        f"nothing saved; after release the same POST answered 201 in {retried_in * 1000:.0f} ms; "
        f"server's SHOW lock_timeout/statement_timeout = {server_side[0]}/{server_side[1]}"
    )


def holder_params():
    settings_dict = connection.settings_dict
    return {
        "dbname": settings_dict["NAME"],
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or "127.0.0.1",
        "port": settings_dict.get("PORT") or 5432,
    }

