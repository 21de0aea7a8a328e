"""Fixtures for the integration tests: real Redis, Celery worker and beat, gunicorn, on PostgreSQL.

The subprocesses read and write pytest-django's test database, so the data is committed
for real (``seeded_transactional_db``). Fixture order matters: ``stack`` depends on the
database fixtures, so pytest tears it down (every subprocess stopped) before it flushes
the tables, which a live connection holding a lock would block.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cases.tests.factories import CaseFactory, OrganizationFactory, RegionFactory, UserFactory, tier
from tests.integration.harness import Stack, database_url


def pytest_configure(config):
    # pyproject.toml runs with --strict-markers; the marker is registered here, next to its tests.
    config.addinivalue_line(
        "markers", "integration: real Redis, Celery worker and beat, gunicorn and PostgreSQL in subprocesses"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test's report carries the tail of every subprocess log (what CI shows)."""
    report = yield
    stack = getattr(item, "integration_stack", None)
    if stack is not None and report.failed:
        for name, tail in stack.log_tails():
            report.sections.append((f"{name} log (last lines, {stack.logs_dir})", tail))
    return report


@pytest.fixture
def stack(require_postgres, seeded_transactional_db, tmp_path, request):
    """A private Redis (started) and the means to start worker, beat and web against it.

    Every process is stopped when the test ends, before the database is flushed.
    """
    stack = Stack(tmp_path, database_url(connection.settings_dict))
    request.node.integration_stack = stack
    try:
        stack.start_redis()
        yield stack
    finally:
        stack.stop_all()


@pytest.fixture
def figures(record_property):
    """``figures("...")``: print the test's one-line summary and keep it in the JUnit report."""

    def report(line):
        print(f"\n[integration figures] {line}")
        record_property("figures", line)

    return report


@pytest.fixture
def acme(seeded_transactional_db):
    """A premium customer with an API token and a case old enough to escalate, and the staff it alerts.

    Level 1 alerts the two escalation managers, informs the CSM and confirms to the customer:
    four emails.
    """
    region = RegionFactory(name="EMEA")
    csm = UserFactory(username="csm")
    customer = UserFactory(username="customer")
    organization = OrganizationFactory(name="Acme", tier=tier("premium"), region=region, csm=csm, members=[customer])
    escalation_managers = [UserFactory(username=f"em{n}", groups=["Escalation Managers"]) for n in (1, 2)]
    support_managers = [UserFactory(username="sm1", groups=["Support Management"])]
    # Severity 3 on premium may be escalated 8 hours after the case was opened.
    case = CaseFactory(organization=organization, requester=customer, created_at=timezone.now() - timedelta(days=2))
    return SimpleNamespace(
        customer=customer,
        token=Token.objects.create(user=customer).key,
        csm=csm,
        escalation_managers=escalation_managers,
        support_managers=support_managers,
        case=case,
    )
