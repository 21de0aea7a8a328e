"""``python manage.py seed_load``: years of support history in bulk, for load tests and benchmarks.

``seed_load --cases 100000 --escalations 10000`` writes a support organisation that has been
running for three years: organizations of both tiers in three regions (EMEA on a Berlin
calendar with German holidays, Americas on New York with US holidays, APAC on the default
calendar), their customers, the staff in their groups, cases of every severity, status and
age, their threads, escalations at every level and status, and the notifications those
escalations sent. How, and which of the portal's rules it asks: demo.history.

``--pending-share`` is the share of the escalations that wait in the review queue: pending
and the current level of their case. ``--seed`` makes the data the same on every run, but
for ids, the names' run prefix and times, which are relative to now. Running again adds
another organisation beside the first (a new prefix), never fails on names.

Everything is written in one transaction (COPY on PostgreSQL, demo.bulk), so a failed load
leaves nothing behind.
"""

import random
from time import monotonic

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases.models import Case, CaseComment, Organization
from demo.bulk import Writer
from demo.history import Load, SeedError, free_prefix, is_prefix_taken
from escalations.models import Escalation
from notifications.models import Notification


class Command(BaseCommand):
    help = "Fill the database in bulk with years of realistic support history (load tests, benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=100_000)
        parser.add_argument("--escalations", type=int, default=10_000, help="Escalation rows, every level.")
        parser.add_argument("--organizations", type=int, default=200)
        parser.add_argument(
            "--pending-share", type=float, default=0.1,
            help="Share of the escalations waiting in the review queue (pending, the case's current level).",
        )
        parser.add_argument("--seed", type=int, default=1, help="The same seed writes the same data.")
        parser.add_argument("--prefix", help="Prefix of every name written (default: the first free lN).")
        parser.add_argument("--force", action="store_true", help="Load even with DEBUG off.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_load writes thousands of made-up cases; with DEBUG off, pass --force.")
        if options["cases"] < 1 or options["organizations"] < 1 or options["escalations"] < 0:
            raise CommandError("--cases and --organizations must be at least 1, --escalations at least 0.")
        if not 0 <= options["pending_share"] <= 1:
            raise CommandError("--pending-share is a share: from 0 to 1.")
        started = monotonic()
        writer = Writer(self.stdout if options["verbosity"] >= 1 else None)
        try:
            with transaction.atomic():
                prefix = options["prefix"] or free_prefix()
                if is_prefix_taken(prefix):
                    raise CommandError(f"Prefix {prefix!r} is taken by an earlier load: choose another.")
                load = Load(writer, random.Random(options["seed"]), prefix)
                with writer.step("people, calendars, organizations"):
                    load.people(options["organizations"])
                with writer.step("planning cases"):
                    load.cases(options["cases"])
                with writer.step("planning escalations"):
                    load.escalations(options["escalations"], options["pending_share"])
                load.write()
                committing = monotonic()
        except SeedError as error:
            raise CommandError(str(error)) from None
        writer.report("commit (deferred foreign-key checks)", monotonic() - committing)
        with writer.step("analyze"):
            writer.analyze([Case, CaseComment, Escalation, Notification, Organization, get_user_model()])
        if options["verbosity"] >= 1:
            pending = sum(1 for e in load.escalation_rows if e.status == "pending" and e.is_current)
            self.stdout.write(
                f"Loaded {prefix}: {len(load.case_rows):,} cases, {len(load.escalation_rows):,} escalations "
                f"({pending:,} waiting for review), {writer.total:,} rows in {monotonic() - started:.1f} s."
            )

