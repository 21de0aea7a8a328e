"""The benchmark's database: created and migrated if missing, reset and seeded for each scale,
plus the people who make the requests and the fresh rows each POST uses up.
"""

import importlib
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from time import monotonic

import psycopg2
from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from psycopg2 import sql
from rest_framework.authtoken.models import Token

from cases import people as roles
from cases.models import Case, Organization
from demo.bulk import Writer
from escalations.models import Escalation
from escalations.selectors import forget_calendars_now

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def ensure_database(settings_dict) -> bool:
    """Create the benchmark database if it does not exist; True if it was created."""
    params = {
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
        "user": settings_dict["USER"] or None,
        "password": settings_dict["PASSWORD"] or None,
        "dbname": "postgres",
    }
    maintenance = psycopg2.connect(**{k: v for k, v in params.items() if v})
    maintenance.autocommit = True
    try:
        with maintenance.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings_dict["NAME"]])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings_dict["NAME"])))
            return True
    finally:
        maintenance.close()


def reset_database() -> None:
    """Every table emptied, then the rules the data migration seeds put back (a fresh database)."""
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    importlib.import_module("escalations.migrations.0002_seed_rules").seed(apps, None)
    forget_calendars_now()


def seed(*, cases: int, escalations: int, pending_share: float, organizations: int = 200) -> tuple[float, str]:
    """seed_load as a user runs it: (seconds, its output)."""
    out = StringIO()
    started = monotonic()
    call_command(
        "seed_load",
        "--cases",
        str(cases),
        "--escalations",
        str(escalations),
        "--organizations",
        str(organizations),
        "--pending-share",
        str(pending_share),
        "--seed",
        "1",
        "--force",
        stdout=out,
    )
    forget_calendars_now()  # seed_load writes calendars and regions in bulk, without signals
    return monotonic() - started, out.getvalue()


@dataclass
class Actors:
    """Who makes the requests, and how they are signed in (the same for the test client and wrk)."""

    customer: object
    manager: object
    organization: Organization
    customer_token: str
    manager_token: str
    customer_session: str
    manager_session: str
    case_page_id: int
    eligibility_case_id: int

    def headers(self, actor: str) -> dict:
        return {
            "nobody": {},
            "customer_token": {"Authorization": f"Token {self.customer_token}"},
            "manager_token": {"Authorization": f"Token {self.manager_token}"},
            "customer_session": {"Cookie": f"sessionid={self.customer_session}"},
            "manager_session": {"Cookie": f"sessionid={self.manager_session}"},
        }[actor]


def session_for(user) -> str:
    """A signed-in session, as the login view would store it, without its signals."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = MODEL_BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def actors() -> Actors:
    """A customer of the organization with the most cases, and an Escalation Manager."""
    organization = Organization.objects.annotate(size=Count("cases")).order_by("-size", "pk").first()
    customer = organization.members.order_by("pk").first()
    manager = get_user_model().objects.filter(groups__name=roles.ESCALATION_MANAGERS).order_by("pk").first()
    # The case page: the organization's case with the longest escalation history and thread.
    case_page = (
        Case.objects.filter(organization=organization)
        .annotate(levels=Count("escalations", distinct=True), said=Count("comments", distinct=True))
        .order_by("-levels", "-said", "pk")
        .first()
    )
    eligible = (
        Case.objects.filter(organization=organization, status="open", severity__in=(2, 3, 4), escalations=None)
        .filter(created_at__lt=timezone.now() - timedelta(days=2))
        .order_by("pk")
        .first()
    ) or case_page
    return Actors(
        customer=customer,
        manager=manager,
        organization=organization,
        customer_token=Token.objects.get_or_create(user=customer)[0].key,
        manager_token=Token.objects.get_or_create(user=manager)[0].key,
        customer_session=session_for(customer),
        manager_session=session_for(manager),
        case_page_id=case_page.pk,
        eligibility_case_id=eligible.pk,
    )


CASE_COLUMNS = [
    "id",
    "organization_id",
    "requester_id",
    "subject",
    "description",
    "severity",
    "customer_priority",
    "status",
    "created_at",
    "updated_at",
]
ESCALATION_COLUMNS = [
    "id",
    "case_id",
    "level",
    "requested_by_id",
    "reason",
    "summary",
    "status",
    "created_at",
    "review_due_at",
    "due_soon_at",
    "decision_message",
]


def fresh_cases(actors: Actors, count: int, *, subject: str) -> list[int]:
    """``count`` open Severity 3 cases of the actor's organization, opened two days ago: each may be escalated."""
    writer = Writer(None)
    now = timezone.now()
    opened = now - timedelta(days=2)
    ids = writer.ids(Case, count)
    with transaction.atomic():
        writer.insert(
            Case,
            CASE_COLUMNS,
            [
                (
                    pk,
                    actors.organization.pk,
                    actors.customer.pk,
                    f"{subject} {n}",
                    "Made by the benchmark.",
                    3,
                    "normal",
                    "open",
                    opened,
                    opened,
                )
                for n, pk in enumerate(ids)
            ],
        )
    return ids


def pending_escalations(
    actors: Actors, count: int, *, subject: str, due_in=timedelta(hours=3), created_ago=timedelta(minutes=10)
) -> list[int]:
    """``count`` pending Level 1 escalations, each on a fresh case, made ``created_ago`` and due from
    ``due_in`` after now over the following day (with the default, none due yet)."""
    case_ids = fresh_cases(actors, count, subject=subject)
    writer = Writer(None)
    now = timezone.now()
    ids = writer.ids(Escalation, count)
    spread = max(count, 1)
    with transaction.atomic():
        writer.insert(
            Escalation,
            ESCALATION_COLUMNS,
            [
                (
                    pk,
                    case_id,
                    1,
                    actors.customer.pk,
                    "no_updates",
                    "Made by the benchmark.",
                    "pending",
                    now - created_ago,
                    now + due_in + timedelta(seconds=n * 86400 // spread),
                    now + due_in - timedelta(hours=1) + timedelta(seconds=n * 86400 // spread),
                    "",
                )
                for n, (pk, case_id) in enumerate(zip(ids, case_ids, strict=True))
            ],
        )
    return ids


def analyze() -> None:
    """The state autovacuum brings a database to soon after a bulk load: statistics for the
    planner, and the visibility map that lets index-only scans (the queue's counts) skip the table."""
    with connection.cursor() as cursor:
        for table in ("cases_case", "escalations_escalation", "notifications_notification", "cases_casecomment"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
