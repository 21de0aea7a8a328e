"""seed_load's work: plan years of support history in memory, then write each table in bulk.

The data is what the portal itself would hold, without going through its services (which
would take hours for 100,000 cases), but never restating their rules: who is alerted at a
level and whether the CSM is informed (escalations.recipients), who decides a level
(escalations.roles.responder_group, escalations.policy.responder_of), the review time and
the due-soon lead (escalations.policy, on the pure calendar's ``add_business_hours``), and
the outbox's dedupe keys (notifications.outbox.dedupe_key) are the ones they use. Pending
escalations already carry what the deadline sweep would have marked (``due_soon_sent_at``,
``overdue_at``), so a sweep right after the load finds nothing to do, and every
notification is written already sent. demo/tests/test_seed_load.py checks the
notifications against what the services write for the same escalations.

Writes go through demo.bulk.Writer (COPY on PostgreSQL, ids reserved from the tables'
sequences first) in the caller's transaction. Accounts get unusable passwords: nobody can
sign in as them, the benchmark makes its own sessions and tokens.
"""

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import holidays
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from cases import people as roles
from cases.models import Case, CaseComment, CommentKind, Organization, Region, SupportTier
from demo.bulk import Writer
from demo.history_text import (
    AREAS,
    COMPANY,
    COMPANY_KIND,
    DECISIONS,
    FIRST,
    LAST,
    NOTES,
    REPLIES,
    SUMMARIES,
    SYMPTOMS,
)
from escalations import policy, recipients
from escalations.business_hours import add_business_hours
from escalations.calendars import to_work_calendar
from escalations.eligibility import format_instant
from escalations.models import (
    BusinessCalendar,
    Escalation,
    EscalationLevel,
    EscalationReason,
    EscalationWindow,
    Holiday,
    RootCauseAnalysis,
)
from escalations.roles import responder_group
from notifications.models import Notification
from notifications.outbox import dedupe_key

HISTORY = timedelta(days=3 * 365)
# (region, calendar time zone, holidays: (country, subdivision)); None: the default calendar.
REGIONS = [
    ("EMEA", ("Europe/Berlin", ("DE", "BE"))),
    ("Americas", ("America/New_York", ("US", None))),
    ("APAC", None),
]
STAFF = {  # group -> head count
    roles.ESCALATION_MANAGERS: 6,
    roles.SUPPORT_MANAGEMENT: 3,
    roles.VP_OF_SUPPORT: 1,
    roles.ON_CALL: 4,
}
SENIOR_MANAGERS_PER_REGION = 2
CSMS = 5


class SeedError(Exception):
    """The load cannot be made as asked (the message says why); nothing is written."""


def free_prefix() -> str:
    """The first ``lN`` no earlier load has used."""
    taken = set(Organization.objects.filter(name__regex=r"\(l[0-9]+\)$").values_list("name", flat=True))
    taken = {name.rsplit("(", 1)[1].rstrip(")") for name in taken}
    return next(f"l{n}" for n in range(1, len(taken) + 2) if f"l{n}" not in taken)


def is_prefix_taken(prefix: str) -> bool:
    return get_user_model().objects.filter(username__startswith=f"{prefix}-").exists()


class Row:
    """A row being planned: attributes now, a tuple when written."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


class Load:
    def __init__(self, writer: Writer, rng: random.Random, prefix: str):
        self.writer, self.rng, self.prefix = writer, rng, prefix
        self.now = datetime.now(UTC)
        self.comment_rows, self.notification_rows, self.rca_rows = [], [], []

    # --- people ---------------------------------------------------------------------------

    def people(self, organization_count: int) -> None:
        prefix = self.prefix
        self.levels = {level.number: level for level in EscalationLevel.objects.prefetch_related("alerted_groups")}
        self.level_groups = {number: [group.pk for group in level.alerted_groups.all()]
                             for number, level in self.levels.items()}
        if sorted(self.levels) != [1, 2, 3, 4]:
            raise SeedError("Levels 1-4 are missing: run migrate first.")
        self.windows = {(w.severity, w.tier_id): w.wait for w in EscalationWindow.objects.all()}
        default = to_work_calendar(BusinessCalendar.objects.filter(is_default=True).first())
        self.regions, self.calendars = [], {}
        for name, spec in REGIONS:
            group = Group.objects.create(name=f"{name} Senior Management ({prefix})")
            stored = self._calendar(name, spec) if spec else None
            region = Region.objects.create(name=f"{name} ({prefix})", senior_management=group, calendar=stored)
            self.regions.append(region)
            self.calendars[region.pk] = to_work_calendar(stored) if stored else default
        self.senior_groups = {region.pk: region.senior_management_id for region in self.regions}
        staff_groups = {name: Group.objects.get_or_create(name=name)[0] for name in STAFF}
        memberships = [(staff_groups[name], count) for name, count in STAFF.items()]
        memberships += [(region.senior_management, SENIOR_MANAGERS_PER_REGION) for region in self.regions]
        self.staff = defaultdict(list)  # group id -> this run's users
        for group, count in memberships:
            users = self._users(f"{group.name.split(' (')[0].lower().replace(' ', '-')}", count)
            group.user_set.add(*users)
            self.staff[group.pk] = [user.pk for user in users]
        self.group_ids = {name: group.pk for name, group in staff_groups.items()}
        # Everyone the real services would alert: every active member, earlier runs' too.
        self.members = defaultdict(list)
        through = get_user_model().groups.through.objects.filter(user__is_active=True)
        for group_id, user_id in through.order_by("user_id").values_list("group_id", "user_id"):
            self.members[group_id].append(user_id)
        self.csms = [user.pk for user in self._users("csm", CSMS)]
        self.support = self.staff[self.group_ids[roles.ON_CALL]] + self.staff[self.group_ids[roles.ESCALATION_MANAGERS]]
        self._organizations(organization_count)

    def _calendar(self, region_name, spec) -> BusinessCalendar:
        zone, (country, subdivision) = spec
        calendar = BusinessCalendar.objects.create(name=f"{region_name} business hours ({self.prefix})", timezone=zone)
        years = range((self.now - HISTORY).year, self.now.year + 2)
        days = holidays.country_holidays(country, subdiv=subdivision, years=years, language="en_US")
        Holiday.objects.bulk_create([Holiday(calendar=calendar, date=d, name=n[:200]) for d, n in sorted(days.items())])
        return calendar

    def _users(self, role: str, count: int) -> list:
        rng = self.rng
        user_model = get_user_model()
        users = [
            user_model(
                username=f"{self.prefix}-{role}-{i:05d}",
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                email=f"{self.prefix}-{role}-{i:05d}@load.example",
                password=make_password(None),
                date_joined=self.now - HISTORY,
            )
            for i in range(1, count + 1)
        ]
        return user_model.objects.bulk_create(users, batch_size=2000)

    def _organizations(self, count: int) -> None:
        rng = self.rng
        tiers = {tier.slug: tier.pk for tier in SupportTier.objects.all()}
        self.organizations = []
        for i in range(count):
            # A few large accounts and a long tail, as in any support organisation.
            weight = 1 / (i + 1) ** 0.8
            self.organizations.append(Row(
                name=f"{rng.choice(COMPANY)} {rng.choice(COMPANY_KIND)} {i + 1:04d} ({self.prefix})",
                tier_id=tiers["premium"] if rng.random() < 0.3 or i < 3 else tiers["standard"],
                region_id=self.regions[i % len(self.regions)].pk,
                csm_id=rng.choice(self.csms) if rng.random() < 0.8 else None,
                weight=weight,
                size=max(2, min(40, round(weight * 40))),
            ))
        ids = self.writer.ids(Organization, count)
        for org, pk in zip(self.organizations, ids, strict=True):
            org.id = pk
        self.writer.insert(Organization, ["id", "name", "tier_id", "region_id", "csm_id"],
                           [(o.id, o.name, o.tier_id, o.region_id, o.csm_id) for o in self.organizations])
        customers = self._users("customer", sum(org.size for org in self.organizations))
        members, start = [], 0
        for org in self.organizations:
            org.customers = [user.pk for user in customers[start:start + org.size]]
            members += [(org.id, user_id) for user_id in org.customers]
            start += org.size
        through = Organization.members.through
        self.writer.insert(through, ["organization_id", "user_id"], members)

    # --- cases ----------------------------------------------------------------------------

    def cases(self, count: int) -> None:
        rng, now = self.rng, self.now
        organizations = rng.choices(self.organizations, weights=[o.weight for o in self.organizations], k=count)
        ids = self.writer.ids(Case, count)
        severities = rng.choices((1, 2, 3, 4), weights=(5, 20, 45, 30), k=count)
        priorities = rng.choices(("normal", "high", "low"), weights=(70, 15, 15), k=count)
        subjects = [f"{area.capitalize()} {symptom}" for area in AREAS for symptom in SYMPTOMS]
        self.case_rows = []
        for pk, org, severity, priority, subject in zip(
            ids, organizations, severities, priorities, rng.choices(subjects, k=count), strict=True
        ):
            # Ages skewed to the recent past: the business grew over the three years.
            created = now - HISTORY * rng.random() ** 1.6 - timedelta(minutes=rng.randint(1, 600))
            case = Row(id=pk, org=org, requester_id=rng.choice(org.customers), created_at=created, severity=severity,
                       customer_priority=priority, subject=subject, escalations=[])
            self._status(case)
            self.case_rows.append(case)
        # Every severity, however few cases: a load test must meet each kind at least once.
        for severity in {1, 2, 3, 4} - {case.severity for case in self.case_rows}:
            rng.choice(self.case_rows).severity = severity

    def _status(self, case, status=None) -> None:
        """The case's status (by its age unless given), first response and assignee."""
        rng, age = self.rng, self.now - case.created_at
        if status is None:
            if age < timedelta(days=2):
                weights = (30, 50, 20, 0, 0)
            elif age < timedelta(days=30):
                weights = (3, 47, 20, 25, 5)
            elif age < timedelta(days=90):
                weights = (0, 10, 5, 25, 60)
            else:
                weights = (0, 2, 1, 7, 90)
            status = rng.choices(("new", "open", "pending_customer", "solved", "closed"), weights=weights)[0]
        case.status = status
        responded = min(case.created_at + timedelta(minutes=rng.randint(5, 600)), self.now)
        case.first_response_at = None if status == "new" else responded
        case.assignee_id = None if status == "new" else rng.choice(self.support)

    # --- escalations ------------------------------------------------------------------------

    def escalations(self, count: int, pending_share: float) -> None:
        rng = self.rng
        pending = round(count * pending_share)
        escalable = [c for c in self.case_rows if c.severity != 1]
        escalable.sort(key=lambda c: c.created_at, reverse=True)
        # The queue's cases: drawn from the most recent escalable ones, and open.
        pool = escalable[: 2 * pending]
        if pending > len(pool):
            raise SeedError(f"{pending:,} pending escalations need as many cases of Severity 2-4; add --cases.")
        chosen = rng.sample(pool, pending)
        budget = count - pending
        pending_levels = []
        for i, _ in enumerate(chosen):
            # The first ones wait at Levels 4 to 1, so that every level is in the queue.
            level = 4 - i if i < 4 else rng.choices((1, 2, 3, 4), weights=(55, 25, 12, 8))[0]
            level = min(level, budget + 1)
            budget -= level - 1
            pending_levels.append(level)
        for case, level in zip(chosen, pending_levels, strict=True):
            self._status(case, rng.choices(("open", "pending_customer", "new"), weights=(70, 22, 8))[0])
            self._pending_chain(case, level)
        taken = {case.id for case in chosen}
        rest = [c for c in escalable if c.id not in taken]
        rng.shuffle(rest)
        # The first decided histories go up to Level 4 and end in each final status, on cases
        # old enough to hold them: every level and status appears, whatever the counts drawn.
        first = [c for c in rest[:100] if self.now - c.created_at > timedelta(days=30)][:3]
        rest = first + [c for c in rest if c not in first]
        for i, case in enumerate(rest):
            if budget <= 0:
                break
            length = 4 if i < len(first) else rng.choices((1, 2, 3, 4), weights=(60, 25, 10, 5))[0]
            top_status = ("resolved", "accepted", "not_accepted")[i] if i < len(first) else None
            budget -= self._decided_chain(case, min(length, budget), top_status)
        if budget > 0:
            raise SeedError(f"Not enough cases for {count:,} escalations; add --cases.")
        statuses = {"new", "open", "pending_customer", "solved", "closed"}
        for status in statuses - {case.status for case in self.case_rows}:
            self._status(rng.choice(rest), status)
        self.escalation_rows = [e for c in self.case_rows for e in c.escalations]
        for escalation, pk in zip(self.escalation_rows, self.writer.ids(Escalation, len(self.escalation_rows)),
                                  strict=True):
            escalation.id = pk

    def _escalation(self, case, level: int, created: datetime, status: str) -> Row:
        rng = self.rng
        calendar = self.calendars[case.org.region_id]
        within = policy.review_within(self.levels[level])
        reason = rng.choice(EscalationReason.values)
        if case.status == "new":
            reason = EscalationReason.FIRST_RESPONSE_MISSED
        return Row(
            case=case, level=level, status=status, created_at=created, reason=reason,
            summary=SUMMARIES[reason], requested_by_id=rng.choice(case.org.customers),
            due_soon_at=add_business_hours(calendar, created, policy.due_soon_after(within)),
            review_due_at=add_business_hours(calendar, created, within),
            reviewed_by_id=None, reviewed_at=None, decision_message="", overdue_at=None, due_soon_sent_at=None,
            assignee_id=None, assigned_at=None, resolved_at=None, superseded_at=None, is_current=False,
        )

    def _wait(self, case) -> timedelta:
        return self.windows.get((case.severity, case.org.tier_id), timedelta(hours=24))

    def _pending_chain(self, case, top_level: int) -> None:
        rng, now = self.rng, self.now
        if rng.random() < 0.65:  # still within its deadline: 4 business hours are at least 4 wall hours
            created = now - timedelta(seconds=rng.randint(60, 4 * 3600 - 60))
        else:
            created = now - timedelta(seconds=rng.randint(4 * 3600, 14 * 86400))
        chain = [self._escalation(case, top_level, created, "pending")]
        for level in range(top_level - 1, 0, -1):
            later = chain[-1].created_at
            created = later - timedelta(seconds=rng.randint(3600, 5 * 86400))
            escalation = self._escalation(case, level, created, "not_accepted")
            if rng.random() < 0.1 and escalation.review_due_at <= later:
                escalation.status = "pending"  # nobody answered in time, so the customer went higher
            else:
                escalation.status = rng.choices(("not_accepted", "accepted"), weights=(85, 15))[0]
                answered = escalation.created_at + (later - escalation.created_at) * rng.uniform(0.2, 0.9)
                self._decide(escalation, answered)
            chain.append(escalation)
        chain.reverse()
        opened = chain[0].created_at - self._wait(case) - timedelta(seconds=rng.randint(600, 10 * 86400))
        case.created_at = min(case.created_at, opened)
        if case.first_response_at:
            case.first_response_at = min(case.first_response_at, chain[0].created_at)
        self._finish(case, chain)

    def _decided_chain(self, case, length: int, top_status: str | None = None) -> int:
        rng, now = self.rng, self.now
        chain = []
        created = case.created_at + self._wait(case) + timedelta(seconds=rng.expovariate(1 / (3 * 86400)))
        for level in range(1, length + 1):
            if created > now - timedelta(hours=1):
                break
            escalation = self._escalation(case, level, created, "not_accepted")
            top = level == length
            weights = (45, 35, 20) if top else (15, 85, 0)
            escalation.status = rng.choices(("accepted", "not_accepted", "resolved"), weights=weights)[0]
            if top and top_status:
                escalation.status = top_status
            # Most reviews come within the 4 business hours, some days later.
            reviewed = created + timedelta(seconds=rng.randint(900, 12600) if rng.random() < 0.75 else
                                           rng.randint(12600, 48 * 3600))
            self._decide(escalation, min(reviewed, now - timedelta(minutes=30)))
            chain.append(escalation)
            created = escalation.reviewed_at + timedelta(seconds=rng.randint(600, 3 * 86400))
        self._finish(case, chain)
        return len(chain)

    def _decide(self, escalation, reviewed: datetime) -> None:
        rng = self.rng
        decision = "accepted" if escalation.status in ("accepted", "resolved") else "not_accepted"
        escalation.reviewed_by_id = rng.choice(self._responders(escalation))
        escalation.reviewed_at = reviewed
        escalation.decision_message = DECISIONS[decision]
        if escalation.status in ("accepted", "resolved"):
            escalation.assignee_id, escalation.assigned_at = escalation.reviewed_by_id, reviewed
        if escalation.status == "resolved":
            escalation.resolved_at = min(reviewed + timedelta(hours=rng.randint(2, 72)), self.now)

    def _responders(self, escalation) -> list[int]:
        """This run's people who decide the escalation's level."""
        return self.staff[self._responder_group(escalation)]

    def _finish(self, case, chain: list) -> None:
        """What the sweep would have marked on each escalation, and the current one."""
        rng, now = self.rng, self.now
        for escalation in chain:
            answered = escalation.reviewed_at or now
            if escalation.due_soon_at <= answered:
                escalation.due_soon_sent_at = min(escalation.due_soon_at + timedelta(seconds=rng.randint(1, 60)), now)
            if escalation.review_due_at <= answered:
                escalation.overdue_at = min(escalation.review_due_at + timedelta(seconds=rng.randint(1, 60)), now)
            if escalation.status == "pending" and rng.random() < 0.3:
                escalation.assignee_id = rng.choice(self.staff[self.group_ids[roles.ESCALATION_MANAGERS]])
                escalation.assigned_at = min(escalation.created_at + timedelta(minutes=rng.randint(5, 90)), now)
        for lower, higher in pairwise(chain):
            lower.superseded_at = higher.created_at  # the customer went higher: it left the queue
        if chain:
            chain[-1].is_current = True
        case.escalations = chain

    # --- writing ----------------------------------------------------------------------------

    def write(self) -> None:
        rng = self.rng
        for case in self.case_rows:
            self._thread(case)
        case_columns = ["id", "organization_id", "requester_id", "subject", "description", "severity",
                        "customer_priority", "status", "created_at", "updated_at", "first_response_at", "assignee_id"]
        self.writer.insert(Case, case_columns, [
            (c.id, c.org.id, c.requester_id, c.subject,
             f"{c.subject} for our {c.org.name.split(' (')[0]} team since {c.created_at:%d %b}. {rng.choice(REPLIES)}",
             c.severity, c.customer_priority, c.status, c.created_at, c.updated_at, c.first_response_at, c.assignee_id)
            for c in self.case_rows
        ])
        columns = ["id", "case_id", "level", "requested_by_id", "reason", "summary", "status", "created_at",
                   "review_due_at", "reviewed_by_id", "reviewed_at", "decision_message", "overdue_at", "assignee_id",
                   "assigned_at", "resolved_at", "due_soon_at", "due_soon_sent_at", "superseded_at"]
        self.writer.insert(Escalation, columns, [
            (e.id, e.case.id, *(getattr(e, name) for name in columns[2:])) for e in self.escalation_rows
        ])
        for escalation in self.escalation_rows:
            self._notifications(escalation)
            if escalation.level == 4 and escalation.status == "resolved":
                self.rca_rows.append((escalation.id, "A retry storm after the deploy exhausted the connection pool.",
                                      "", "Cap retries; alert on pool saturation.", escalation.reviewed_by_id,
                                      escalation.resolved_at))
        self.comment_rows.sort(key=lambda row: row[4])  # ids in the order things were said
        comment_ids = self.writer.ids(CaseComment, len(self.comment_rows))
        self.writer.insert(CaseComment, ["id", "case_id", "author_id", "body", "public", "created_at", "kind"],
                           [(pk, *row) for pk, row in zip(comment_ids, self.comment_rows, strict=True)])
        notification_ids = self.writer.ids(Notification, len(self.notification_rows))
        self.writer.insert(
            Notification,
            ["id", "recipient_id", "kind", "subject", "body", "case_id", "escalation_id", "dedupe_key", "created_at",
             "sent_at", "read_at", "attempts", "last_error"],
            [(pk, *row) for pk, row in zip(notification_ids, self.notification_rows, strict=True)],
        )
        self.writer.insert(RootCauseAnalysis, ["escalation_id", "root_cause", "contributing_factors",
                                               "corrective_actions", "completed_by_id", "completed_at"], self.rca_rows)

    def _thread(self, case) -> None:
        """The case's conversation, its escalations' messages, and its last activity."""
        rng, now = self.rng, self.now
        comments = []
        end = min(now, case.created_at + timedelta(days=30))
        for _ in range(rng.choices((0, 1, 2, 3, 4, 5), weights=(12, 16, 26, 24, 14, 8))[0]):
            at = case.created_at + (end - case.created_at) * rng.random()
            if rng.random() < 0.1:
                comments.append((case.id, rng.choice(self.support), rng.choice(NOTES), False, at, CommentKind.REPLY))
            else:
                author = rng.choice((case.requester_id, case.assignee_id or case.requester_id))
                comments.append((case.id, author, rng.choice(REPLIES), True, at, CommentKind.REPLY))
        for e in case.escalations:
            comments.append((case.id, None, f"A customer escalated this case to Level {e.level}.", True, e.created_at,
                             CommentKind.SYSTEM))
            if e.reviewed_at:
                comments.append((case.id, e.reviewed_by_id, e.decision_message, True, e.reviewed_at, CommentKind.REPLY))
        self.comment_rows += comments
        case.updated_at = max([case.created_at, *(c[4] for c in comments)])

    def _notifications(self, e) -> None:
        case, level = e.case, self.levels[e.level]
        org = case.org
        alerts = recipients.level_alerts(
            alerted_group_ids=self.level_groups[e.level],
            alerts_region_senior_management=level.alert_region_senior_management,
            alerts_account_csm=level.alert_account_csm,
            region_senior_group_id=self.senior_groups.get(org.region_id),
            csm_id=org.csm_id,
        )
        alerted = recipients.alerted_user_ids(alerts, self.members, org.csm_id)
        tag = f"Case #{case.id}: {case.subject}"
        self._notify(e, sorted(alerted), "escalation_alert", f"[Level {e.level} escalation] {tag}", e.created_at)
        if recipients.is_csm_informed(org.csm_id, alerted):
            self._notify(e, [org.csm_id], "csm_informed", f"Level {e.level} escalation of your account's {tag}",
                         e.created_at)
        self._notify(e, [e.requested_by_id], "escalation_received",
                     f"We received your Level {e.level} escalation of case #{case.id}", e.created_at)
        if e.reviewed_at:
            kind = "escalation_not_accepted" if e.status == "not_accepted" else "escalation_accepted"
            words = "was not accepted" if kind == "escalation_not_accepted" else "was accepted"
            self._notify(e, [e.requested_by_id], kind, f"Your Level {e.level} escalation of case #{case.id} {words}",
                         e.reviewed_at, event=recipients.decision_event(e.id))
        responders = self.members[self._responder_group(e)]
        # The minute sweep warns whenever it comes before the deadline, and an escalation
        # left unanswered past it is marked overdue later as well: both messages, as the
        # responders of a real one got them.
        if e.due_soon_sent_at and e.due_soon_sent_at < e.review_due_at:
            self._notify(e, responders, "review_due_soon", f"Level {e.level} escalation of case #{case.id} is due "
                         "within the hour", e.due_soon_sent_at)
        if e.overdue_at:
            staff = sorted({*responders, *self.members[self.group_ids[recipients.OVERDUE_ALSO_TOLD]]})
            subject = f"[OVERDUE] Level {e.level} escalation of case #{case.id} missed its review deadline"
            self._notify(e, staff, "review_overdue", subject, e.overdue_at)
            self._notify(e, [e.requested_by_id], "review_overdue", subject, e.overdue_at,
                         event=recipients.requester_overdue_event(e.id))

    def _responder_group(self, e) -> int:
        """The group that decides the escalation's level: the portal's own answer, without a query."""
        group = responder_group(policy.responder_of(self.levels[e.level]), self.senior_groups.get(e.case.org.region_id))
        # A staff group comes by name (this run made sure it exists); a region's by id.
        return self.group_ids[group] if isinstance(group, str) else group

    def _notify(self, e, user_ids, kind, subject, at, *, event=None) -> None:
        rng, case = self.rng, e.case
        event = event or recipients.escalation_event(e.id)
        body = (f"Case #{case.id} of {case.org.name}: {case.subject}\nLevel {e.level}, "
                f"reason: {e.reason}. Review due by {format_instant(e.review_due_at)}.\n\n{e.summary}\n\n"
                f"Open the case: /cases/{case.id}/#escalation-{e.level}\n")
        sent = min(at + timedelta(seconds=rng.randint(1, 40)), self.now)
        for user_id in user_ids:
            read = sent + timedelta(minutes=rng.randint(1, 2000)) if rng.random() < 0.4 else None
            self.notification_rows.append((
                user_id, kind, subject[:255], body, case.id, e.id, dedupe_key(kind, event, user_id), at, sent,
                read if read and read < self.now else None, 1, "",
            ))

