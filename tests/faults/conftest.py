"""Fixtures for the fault tests: the integration harness's stack and customer, a fake SMTP server.

The stack (a private Redis, and whichever of worker, beat and gunicorn a test starts) and
the ``acme`` customer come from tests/integration, so both suites drive the same processes.
"""

import pytest
from rest_framework.authtoken.models import Token

from tests.faults.smtp import FakeSmtpServer
from tests.integration import conftest as integration

# Shared with tests/integration: the stack, Acme's people and case, and the failing test's log tails.
stack = integration.stack
acme = integration.acme
pytest_runtest_makereport = integration.pytest_runtest_makereport


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "faults: breaks a real service (PostgreSQL, Redis, SMTP) or races real requests"
    )
    config.addinivalue_line("markers", "make_run_env(**variables): added to the environment of `make run`")


@pytest.fixture
def figures(record_property):
    """``figures("...")``: print the test's one-line summary and keep it in the JUnit report."""

    def report(line):
        print(f"\n[fault figures] {line}")
        record_property("figures", line)

    return report


@pytest.fixture
def smtp():
    """A fake SMTP server on a free loopback port, accepting until told to refuse."""
    server = FakeSmtpServer().start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def manager_tokens(acme):
    """API tokens for Acme's two escalation managers."""
    return [Token.objects.create(user=user).key for user in acme.escalation_managers]
