"""PostgreSQL stopped and started again under a running gunicorn: clean 503s, then recovery.

The portal runs on a private PostgreSQL cluster made for this test (initdb, migrate, one
customer with a case), so stopping it touches nothing else. While it is down every
request, page or API, read or write, must answer 503 with Retry-After, promptly: never a
500, never a hang. Once it is back the same gunicorn workers serve again by themselves
(``CONN_HEALTH_CHECKS`` replaces the dead connections); nobody restarts anything.
"""

import json
import os
import time

import pytest

from tests.integration.harness import BrowserSession, PostgresServer, Stack

pytestmark = [pytest.mark.faults]

PASSWORD = "correct-horse-battery"  # UserFactory's
ESCALATION = {"reason": "time_constraint", "summary": "Our go-live is on Friday and this blocks it."}
REQUEST_TIMEOUT = 10  # a hang would show as a timeout; a healthy answer takes milliseconds
PROMPT = 5  # seconds: the longest a request may take to answer during the outage
RECOVERY_TIMEOUT = 30

SEED = """
import json
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

call_command("migrate", verbosity=0)

from rest_framework.authtoken.models import Token

from cases.tests.factories import CaseFactory, OrganizationFactory, UserFactory, tier

customer = UserFactory(username="customer")
organization = OrganizationFactory(name="Acme", tier=tier("premium"), members=[customer])
case = CaseFactory(organization=organization, requester=customer, created_at=timezone.now() - timedelta(days=2))
print(json.dumps({"token": Token.objects.create(user=customer).key, "case": case.pk}))
"""


@pytest.fixture
def portal_on_private_postgres(tmp_path, request):
    """(stack, postgres, token, case id): gunicorn and Redis on a migrated private cluster."""
    try:
        postgres = PostgresServer(log_path=tmp_path / "postgres.log")
    except RuntimeError as missing:  # no PostgreSQL server binaries on this machine
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true runs every fault test: {missing}")
        pytest.skip(str(missing))
    stack = None
    try:
        postgres.initdb()
        postgres.start()
        stack = Stack(tmp_path, postgres.url("portal"))
        stack.processes.insert(0, postgres)  # stopped after everything that connects to it
        request.node.integration_stack = stack
        stack.wait_for(postgres.is_ready, 30, "PostgreSQL to accept connections")
        postgres.create_database("portal")
        # gunicorn boots while the database is migrated and seeded: it needs the database
        # only for requests, and none comes until it is ready.
        processes = [stack.redis.start(), stack.web().start()]
        seeded = json.loads(stack.manage("shell", "-v", "0", "-c", SEED).strip().splitlines()[-1])
        for process in processes:
            stack.wait_for(process.is_ready, 30, f"{process.name} to be ready")
        yield stack, postgres, seeded["token"], seeded["case"]
    finally:
        if stack is not None:
            stack.stop_all()
        postgres.stop()
        postgres.remove()


def test_requests_answer_503_while_postgresql_is_down_and_recover_when_it_returns(portal_on_private_postgres, figures):
    stack, postgres, token, case_id = portal_on_private_postgres
    web = next(p for p in stack.processes if p.name == "web")
    browser = BrowserSession(stack.base_url)
    assert browser.sign_in("/login/", "customer", PASSWORD)
    page = f"/cases/{case_id}/"
    requests = {
        "API GET": lambda: stack.api_response("GET", "/api/v1/cases/", token=token, timeout=REQUEST_TIMEOUT),
        "page GET": lambda: browser.get(page, timeout=REQUEST_TIMEOUT),
        "API POST": lambda: stack.api_response(
            "POST", f"/api/v1/cases/{case_id}/escalations/", token=token, payload=ESCALATION, timeout=REQUEST_TIMEOUT
        ),
    }
    assert requests["API GET"]()[0] == 200
    assert browser.get(page)[0] == 200

    postgres.stop()  # pg_ctl stop -m fast: every session ended, the server gone
    outage = []
    for _ in range(3):
        for name in requests:
            started = time.monotonic()
            status, headers, body = requests[name]()
            outage.append((name, status, headers.get("Retry-After"), body, time.monotonic() - started))

    for name, status, retry_after, body, seconds in outage:
        assert status == 503, f"{name} answered {status} with PostgreSQL down: {body}"
        assert retry_after and int(retry_after) > 0, name
        assert seconds < PROMPT, f"{name} took {seconds:.1f} s"
        if name.startswith("API"):
            assert body["code"] == "service_unavailable"
        else:
            assert "Try again in a moment" in body

    postgres.start()
    restarted = time.monotonic()
    recovery = []

    def serves_again():
        status, _, _ = requests["API GET"]()
        recovery.append(status)
        return status == 200

    stack.wait_for(serves_again, RECOVERY_TIMEOUT, "gunicorn to serve again from the restarted PostgreSQL")
    recovered_in = time.monotonic() - restarted
    assert set(recovery) <= {200, 503}, recovery
    assert browser.get(page)[0] == 200  # the session (in the database) survived the restart
    status, _, body = requests["API POST"]()
    assert status == 201, body
    # The same gunicorn, and the same two workers: nothing was restarted or crashed.
    assert web.is_running()
    assert web.log_text().count("Booting worker") == 2

    statuses = sorted({f"{name} {status}" for name, status, _, _, _ in outage})
    slowest = max(seconds for *_, seconds in outage)
    figures(
        f"PostgreSQL stopped under gunicorn: {len(outage)} requests during the outage, all 503 with Retry-After "
        f"({', '.join(statuses)}; slowest {slowest * 1000:.0f} ms); serving again {recovered_in:.1f} s after "
        f"PostgreSQL was started ({len(recovery)} polls), no restart; escalation POST then 201"
    )
