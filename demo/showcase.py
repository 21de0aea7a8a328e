"""load_demo's work: the demo's people and cases, brought back to their demo state.

Idempotent. Users, groups, regions, calendars and organizations are found by name and
brought back to their demo settings (the demo password included, so the printed
sign-ins always work). Each demo case is found by its organization and subject, a key
that never changes; on every run its time-relative fields move to "now" and its
history (comments, escalations, notifications) is rebuilt, so that the same states
hold again when the command runs days later, and whatever a visitor did to a demo
case is undone. Case ids stay the same; nothing is ever duplicated.

Escalations and decisions go through the real services (``escalate``, ``decide``,
``case_update`` for the outage) with ``now`` in the past, so eligibility, review
deadlines, thread messages and outbox rows are what the portal itself would have
written. The outbox rows of that history are marked sent, so nobody is mailed about
last week's demo escalations. What the demo holds is demo.content.
"""

from datetime import datetime, time

import holidays
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import Q

from cases import people as roles
from cases.models import Case, CaseComment, CommentKind, Organization, Region, Severity, SupportTier
from cases.services import case_update
from demo.content import (
    CASES,
    DEMO_PASSWORD,
    EMAIL_DOMAIN,
    ORGANIZATIONS,
    REGIONS,
    USERS,
    Decide,
    DemoCalendar,
    DemoCase,
    Escalate,
    RaiseToOutage,
    Say,
)
from escalations.models import BusinessCalendar, Holiday
from escalations.services import current_escalation, decide, escalate
from notifications.models import Notification


def load_people(now: datetime) -> dict:
    """Groups, calendars, regions, users and organizations; returns the users by username."""
    for demo_region in REGIONS:
        group, _ = Group.objects.get_or_create(name=demo_region.senior_management)
        calendar = load_calendar(demo_region.calendar, now)
        Region.objects.update_or_create(
            name=demo_region.name, defaults={"senior_management": group, "calendar": calendar}
        )
    users = {}
    # One hash for all: hashing is deliberately slow, and every demo account shares the password.
    password = make_password(DEMO_PASSWORD)
    for demo_user in USERS:
        user, _ = get_user_model().objects.update_or_create(
            username=demo_user.username,
            defaults={
                "first_name": demo_user.first_name,
                "last_name": demo_user.last_name,
                "email": f"{demo_user.username}@{EMAIL_DOMAIN}",
                "password": password,
                "is_active": True,
                "is_staff": demo_user.is_superuser,
                "is_superuser": demo_user.is_superuser,
            },
        )
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in demo_user.groups])
        users[demo_user.username] = user
    for demo_org in ORGANIZATIONS:
        organization, _ = Organization.objects.update_or_create(
            name=demo_org.name,
            defaults={
                "tier": SupportTier.objects.get(slug=demo_org.tier),
                "region": Region.objects.get(name=demo_org.region),
                "csm": users[demo_org.csm] if demo_org.csm else None,
            },
        )
        organization.members.add(*(users[name] for name in demo_org.members))
    return users


def load_calendar(demo: DemoCalendar, now: datetime) -> BusinessCalendar:
    """Mon-Fri 09:00-17:00 local time, with the country's public holidays.

    Holidays are imported from the year of the oldest demo event to next year, so the
    historical review deadlines skip them too.
    """
    calendar, _ = BusinessCalendar.objects.update_or_create(
        name=demo.name,
        defaults={
            "timezone": demo.timezone,
            "working_days": [0, 1, 2, 3, 4],
            "opens_at": time(9),
            "closes_at": time(17),
            "is_default": False,
        },
    )
    oldest = now - max(case.opened for case in CASES)
    years = range(oldest.year, now.year + 2)
    public_holidays = holidays.country_holidays(demo.country, years=years, language="en_US")
    # ignore_conflicts: one holiday per calendar and date, and an admin's renaming stays.
    Holiday.objects.bulk_create(
        [Holiday(calendar=calendar, date=day, name=name[:200]) for day, name in sorted(public_holidays.items())],
        ignore_conflicts=True,
    )
    return calendar


def load_cases(now: datetime, users: dict) -> dict:
    """Create or reset every demo case and replay its story; returns the cases by key."""
    organizations = {org.name: org for org in Organization.objects.filter(name__in=[o.name for o in ORGANIZATIONS])}
    cases = {}
    for spec in CASES:
        case = reset_case(spec, organizations[spec.organization], users, now)
        for step in spec.story:
            replay(step, case, users, now)
        cases[spec.key] = case
    case_ids = [case.pk for case in cases.values()]
    # Last week's demo escalations must not reach anyone's mailbox, now or from the outbox sweep.
    Notification.objects.filter(case_id__in=case_ids, sent_at=None).update(sent_at=now)
    fresh = Case.objects.select_related("organization__tier", "requester").in_bulk(case_ids)
    return {key: fresh[case.pk] for key, case in cases.items()}


def reset_case(spec: DemoCase, organization, users: dict, now: datetime) -> Case:
    """The demo case as at its opening, its history erased; created the first time."""
    fields = {
        "requester": users[spec.requester],
        "description": spec.description,
        "severity": spec.severity,
        "customer_priority": spec.priority,
        "status": spec.status,
        "created_at": now - spec.opened,
        "first_response_at": None,
        "assignee": users["oncall"],
    }
    case = Case.objects.filter(organization=organization, subject=spec.subject).order_by("pk").first()
    if case is None:
        return Case.objects.create(organization=organization, subject=spec.subject, **fields)
    for name, value in fields.items():
        setattr(case, name, value)
    case.save()
    # Escalations cascade to their notifications and RCA; the outage page hangs on the case.
    Notification.objects.filter(Q(case=case) | Q(escalation__case=case)).delete()
    case.escalations.all().delete()
    case.comments.all().delete()
    return case


def replay(step, case: Case, users: dict, now: datetime) -> None:
    at = now - step.ago
    if isinstance(step, Say):
        author = users[step.author]
        CaseComment.objects.create(case=case, author=author, body=step.body, public=step.public,
                                   kind=CommentKind.REPLY, created_at=at)
        if step.public and case.first_response_at is None and roles.is_escalation_staff(author):
            case.first_response_at = at
            Case.objects.filter(pk=case.pk).update(first_response_at=at)
    elif isinstance(step, Escalate):
        escalate(case, users[step.by], step.reason, step.summary, now=at)
    elif isinstance(step, Decide):
        decide(current_escalation(case), users[step.by], step.decision, step.message, now=at)
    elif isinstance(step, RaiseToOutage):
        case_update(case=case, user=users[step.by], severity=Severity.OUTAGE, now=at)
    else:
        raise TypeError(f"unknown demo step {step!r}")
