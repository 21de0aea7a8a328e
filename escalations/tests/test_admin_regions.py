"""A region that changes calendar, or an organization that changes region, moves the
pending deadlines with it (DESIGN.md: deadlines follow their calendar)."""

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.urls import reverse

from cases.tests.factories import RegionFactory
from escalations.models import BusinessCalendar

# Wednesday 3 June 2026, 15:00 UTC: on the default calendar (Mon-Fri 09-17 UTC) Level 1 is
# due on Thursday at 11:00 UTC. On Tokyo's 09-17 calendar (UTC+9, 00:00-08:00 UTC) the
# 4 business hours start on Thursday at 00:00 UTC and end at 04:00 UTC.
WEDNESDAY_1500 = datetime(2026, 6, 3, 15, tzinfo=UTC)
THURSDAY_1100 = datetime(2026, 6, 4, 11, tzinfo=UTC)
THURSDAY_0400 = datetime(2026, 6, 4, 4, tzinfo=UTC)


@pytest.fixture
def escalated_at():
    return WEDNESDAY_1500


@pytest.fixture
def tokyo(db):
    return BusinessCalendar.objects.create(
        name="APAC", timezone="Asia/Tokyo", opens_at=time(9), closes_at=time(17), is_default=False
    )


def test_giving_a_region_a_calendar_recomputes_its_pending_deadlines(admin_client, region, escalation, tokyo):
    assert escalation.review_due_at == THURSDAY_1100
    url = reverse("admin:cases_region_change", args=[region.pk])
    data = {"name": region.name, "senior_management": region.senior_management_id, "calendar": tokyo.pk}

    with time_machine.travel(WEDNESDAY_1500, tick=False):
        response = admin_client.post(url, data, follow=True)

    escalation.refresh_from_db()
    assert response.status_code == 200
    assert escalation.review_due_at == THURSDAY_0400
    assert "1 pending escalation deadline recomputed." in [str(m) for m in response.context["messages"]]


def test_moving_an_organization_to_another_region_recomputes_its_pending_deadlines(
    admin_client, organization, escalation, tokyo
):
    apac = RegionFactory(name="APAC", calendar=tokyo)
    url = reverse("admin:cases_organization_change", args=[organization.pk])
    data = {
        "name": organization.name,
        "tier": organization.tier_id,
        "region": apac.pk,
        "csm": organization.csm_id,
        "members": [user.pk for user in organization.members.all()],
    }

    with time_machine.travel(WEDNESDAY_1500, tick=False):
        response = admin_client.post(url, data, follow=True)

    escalation.refresh_from_db()
    assert response.status_code == 200
    assert escalation.review_due_at == THURSDAY_0400
