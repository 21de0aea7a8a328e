"""``python manage.py load_demo``: demo accounts and cases that show every Escalate Case state at once.

Safe to run again at any time: every run brings the demo back to the same states, through
the portal's own services (demo.showcase), and prints the sign-ins and what each demo
case's customer sees on it now.
"""

from time import monotonic

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from demo.content import DEMO_PASSWORD, USERS
from demo.showcase import load_cases, load_people
from escalations.eligibility import format_duration, format_instant
from escalations.services import check_eligibility

# --- The command --------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Load demo users, organizations and cases that show every escalation state. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Load even with DEBUG off (the demo admin's password is public)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            # The demo creates a superuser with a published password: never by accident in production.
            raise CommandError("load_demo creates accounts with a public password; with DEBUG off, pass --force.")
        started = monotonic()
        now = timezone.now()
        # The history's outbox rows are marked sent before commit: their deliveries, enqueued
        # on commit, find nothing to send, so nobody is mailed about last week's demo.
        with transaction.atomic():
            users = load_people(now)
            cases = load_cases(now, users)
        elapsed = monotonic() - started
        if options["verbosity"] >= 1:
            self.stdout.write(sign_in_table(cases))
            self.stdout.write("")
            self.stdout.write(case_table(cases))
            self.stdout.write(f"\nDemo data loaded in {elapsed:.1f} s.")


# --- What the command prints ----------------------------------------------------------------------


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def sign_in_table(cases: dict) -> str:
    numbers = {key: f"#{case.pk}" for key, case in cases.items()}
    rows = [(u.username, DEMO_PASSWORD, u.role, u.to_try.format(**numbers)) for u in USERS]
    return f"Demo sign-ins ({settings.PORTAL_BASE_URL}{reverse('login')})\n\n" + table(
        ("username", "password", "role", "what to try"), rows
    )


def case_table(cases: dict) -> str:
    """Each demo case with what its requester sees now: a check that the states hold."""
    rows = []
    for case in cases.values():
        verdict = check_eligibility(case, case.requester)
        state = verdict.code
        if verdict.next_level:
            state += f" -> Level {verdict.next_level}"
        if verdict.code == "too_early":
            state += f" (opens in {format_duration(verdict.available_at - timezone.now())})"
        elif verdict.available_at:
            state += f" (until {format_instant(verdict.available_at)})"
        rows.append((f"#{case.pk}", case.organization.name, f"Sev {case.severity}", state, case.subject))
    return "Demo cases, as their customers see them now\n\n" + table(
        ("case", "organization", "severity", "Escalate Case", "subject"), rows
    )
