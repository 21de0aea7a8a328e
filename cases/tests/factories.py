import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from cases.models import Case, CaseStatus, CustomerPriority, Organization, Region, SupportTier


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        """``UserFactory(groups=["Escalation Managers"])`` adds the user to those groups."""
        for group in extracted or ():
            if isinstance(group, str):
                group, _ = Group.objects.get_or_create(name=group)
            self.groups.add(group)


def tier(slug="premium"):
    """The seeded tiers (data migration): premium and standard."""
    return SupportTier.objects.get(slug=slug)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"Region {n}")
    senior_management = factory.LazyAttribute(
        lambda r: Group.objects.get_or_create(name=f"{r.name} Senior Management")[0]
    )


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organization {n}")
    tier = factory.LazyFunction(lambda: tier("premium"))
    region = None
    csm = None

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        for user in extracted or ():
            self.members.add(user)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    organization = factory.SubFactory(OrganizationFactory)
    requester = factory.SubFactory(UserFactory)
    subject = factory.Sequence(lambda n: f"Case subject {n}")
    description = "Something is not working as expected."
    severity = 3
    customer_priority = CustomerPriority.NORMAL
    status = CaseStatus.OPEN
    created_at = factory.LazyFunction(timezone.now)


# Every answer check_eligibility can give: name -> (the code, how many hours old the case
# is, its other fields, its escalations as (level, status, hours from now to the review
# deadline), and who asks). Tests compare what each page and endpoint loads to the
# service's own reading, situation by situation.
ELIGIBILITY_SITUATIONS = {
    "not_permitted": ("not_permitted", 72, {}, [], "staff"),
    "case_closed": ("case_closed", 72, {"status": CaseStatus.SOLVED}, [], "member"),
    "severity_1": ("severity_1", 72, {"severity": 1}, [], "member"),
    "too_early": ("too_early", 1, {"severity": 2}, [], "member"),
    "no_window": ("eligible", 0, {"severity": 4}, [], "member"),
    "first_level": ("eligible", 72, {}, [], "member"),
    "review_pending": ("review_pending", 72, {}, [(1, "pending", 2)], "member"),
    "review_overdue": ("eligible", 72, {}, [(1, "pending", -2)], "member"),
    "after_a_decision": ("eligible", 72, {}, [(1, "not_accepted", -20), (2, "not_accepted", -2)], "member"),
    "max_level": (
        "max_level",
        72,
        {},
        [(1, "not_accepted", -30), (2, "not_accepted", -20), (3, "not_accepted", -10), (4, "accepted", -1)],
        "member",
    ),
}


def case_in_situation(name, *, organization, member, staff, now):
    """(case, who asks) for ELIGIBILITY_SITUATIONS[name]; "no_window" deletes its window."""
    from datetime import timedelta

    from escalations.models import Escalation, EscalationWindow

    _, hours_old, fields, escalations, asker = ELIGIBILITY_SITUATIONS[name]
    case = CaseFactory(
        organization=organization, requester=member, created_at=now - timedelta(hours=hours_old), **fields
    )
    if name == "no_window":
        EscalationWindow.objects.filter(severity=case.severity, tier=organization.tier).delete()
    for level, status, due_in_hours in escalations:
        Escalation.objects.create(
            case=case,
            level=level,
            requested_by=member,
            reason="other",
            summary="Help.",
            status=status,
            created_at=now - timedelta(hours=40 - level),
            review_due_at=now + timedelta(hours=due_in_hours),
        )
    return case, staff if asker == "staff" else member
