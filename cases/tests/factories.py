from datetime import timedelta

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


def days_ago(n):
    """``n`` days before now: a ``created_at`` for a case that is old (or not) right now."""
    return timezone.now() - timedelta(days=n)


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
