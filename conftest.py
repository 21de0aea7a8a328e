"""Shared fixtures: the people of a small support organisation, their cases and escalations,
and clients signed in as them."""

import importlib
import os
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.db import connection
from rest_framework.test import APIClient

from cases.tests.factories import CaseFactory, OrganizationFactory, RegionFactory, UserFactory, tier
from escalations.services import escalate

# Before every instant the tests escalate at, pinned (the earliest is Friday 6 March 2026) or
# real: a case opened then is old enough for any escalation window (the longest is 24 hours).
OPENED_LONG_AGO = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs ~0.3 s a user; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_calendar_map():
    # Each test's calendars are its own: the process's calendar map must not outlive them.
    from escalations.selectors import forget_calendars_now

    forget_calendars_now()
    yield
    forget_calendars_now()


@pytest.fixture
def region(db):
    return RegionFactory(name="EMEA")


@pytest.fixture
def csm(db):
    return UserFactory(username="csm", first_name="Carla", last_name="Success")


@pytest.fixture
def customer(db):
    return UserFactory(username="customer", first_name="Cora", last_name="Customer")


@pytest.fixture
def colleague(db):
    return UserFactory(username="colleague")


@pytest.fixture
def organization(db, customer, colleague, region, csm):
    return OrganizationFactory(name="Acme", tier=tier("premium"), region=region, csm=csm, members=[customer, colleague])


@pytest.fixture
def standard_organization(db, region):
    return OrganizationFactory(name="Globex", tier=tier("standard"), region=region)


@pytest.fixture
def outsider(db):
    """A customer of another organization."""
    user = UserFactory(username="outsider")
    OrganizationFactory(name="Initech", members=[user])
    return user


@pytest.fixture
def escalation_manager(db):
    return UserFactory(username="em", groups=["Escalation Managers"])


@pytest.fixture
def support_manager(db):
    return UserFactory(username="sm", groups=["Support Management"])


@pytest.fixture
def senior_manager(db, region):
    return UserFactory(username="senior", groups=[region.senior_management])


@pytest.fixture
def vp(db):
    return UserFactory(username="vp", groups=["VP of Support"])


@pytest.fixture
def case(db, organization, customer):
    return CaseFactory(organization=organization, requester=customer)


@pytest.fixture
def make_case(db, organization, customer):
    def make(**fields):
        fields.setdefault("organization", organization)
        fields.setdefault("requester", customer)
        return CaseFactory(**fields)

    return make


@pytest.fixture
def make_old_case(make_case):
    """Cases old enough to escalate: ``make_case`` opened at OPENED_LONG_AGO unless told otherwise."""

    def make(**fields):
        fields.setdefault("created_at", OPENED_LONG_AGO)
        return make_case(**fields)

    return make


@pytest.fixture
def old_case(make_old_case):
    return make_old_case()


@pytest.fixture
def escalated_at():
    """When the ``escalation`` fixture escalates: now (None). A module whose tests pin the
    deadlines overrides this fixture with its instant."""
    return None


@pytest.fixture
def escalation(old_case, customer, escalated_at):
    """The customer's pending Level 1 on ``old_case``, made through the service."""
    return escalate(old_case, customer, "time_constraint", "Certificate expires Friday.", now=escalated_at)


@pytest.fixture
def api_as(db):
    """``api_as(user)``: an API client signed in as ``user`` (no token, no session)."""

    def sign_in(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return sign_in


@pytest.fixture
def browser(client, customer, organization):
    """The Django test client signed in as the customer (a member of Acme)."""
    client.force_login(customer)
    return client


@pytest.fixture
def staff_browser(client, support_manager):
    """The Django test client signed in as a support manager."""
    client.force_login(support_manager)
    return client


@pytest.fixture
def plain_static_files(settings):
    """Pages that render {% static %} without collectstatic: the manifest storage of
    DEBUG=false would need it. Admin tests use it (``pytest.mark.usefixtures``)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def seeded_transactional_db(transactional_db):
    """A committing database with the seeded rules in it.

    A ``transaction=True`` test ends by flushing every table, the rows the data
    migration seeded included, so the next such test puts them back first.
    """
    seed = importlib.import_module("escalations.migrations.0002_seed_rules").seed
    seed(apps, None)


@pytest.fixture
def require_postgres():
    """Row locks and real concurrency need PostgreSQL: skip on SQLite, but never under CI."""
    if connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true runs on PostgreSQL; DATABASE_URL points elsewhere")
        pytest.skip("needs PostgreSQL (make test uses it when reachable)")
