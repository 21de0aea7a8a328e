"""The support queue's order: tier, severity, customer priority, age."""

from datetime import timedelta

from django.utils import timezone

from cases.selectors import support_queue
from cases.tests.factories import CaseFactory, OrganizationFactory, tier


def test_raising_priority_moves_a_case_up_within_its_tier_and_severity_only(db):
    premium = OrganizationFactory(tier=tier("premium"))
    standard = OrganizationFactory(tier=tier("standard"))
    now = timezone.now()
    oldest_premium = CaseFactory(organization=premium, severity=3, created_at=now - timedelta(days=3))
    newer_premium = CaseFactory(organization=premium, severity=3, created_at=now - timedelta(days=1))
    premium_sev2 = CaseFactory(organization=premium, severity=2, created_at=now)
    standard_high = CaseFactory(organization=standard, severity=2, customer_priority="high",
                                created_at=now - timedelta(days=9))
    CaseFactory(organization=premium, severity=2, status="solved")

    assert list(support_queue()) == [premium_sev2, oldest_premium, newer_premium, standard_high]

    newer_premium.customer_priority = "high"
    newer_premium.save()

    assert list(support_queue()) == [premium_sev2, newer_premium, oldest_premium, standard_high]
    assert list(support_queue(tier="standard")) == [standard_high]
