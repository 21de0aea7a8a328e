"""Who answers each escalation level, among the groups of cases.people."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cases.people import ESCALATION_MANAGERS, VP_OF_SUPPORT, user_group_ids
from escalations.models import Responder


def responder_group_id(responder: str, case) -> int | None:
    """The group whose members decide an escalation at a level with this responder."""
    if responder == Responder.REGION_SENIOR_MANAGEMENT:
        region = case.organization.region
        return region.senior_management_id if region else None
    name = VP_OF_SUPPORT if responder == Responder.VP_OF_SUPPORT else ESCALATION_MANAGERS
    return Group.objects.filter(name=name).values_list("id", flat=True).first()


def is_responder(user, responder: str, case) -> bool:
    group_id = responder_group_id(responder, case)
    return group_id is not None and group_id in user_group_ids(user)


def responder_users(responder: str, case):
    """The active people who decide at a level with this responder, for this case."""
    group_id = responder_group_id(responder, case)
    if group_id is None:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(groups=group_id, is_active=True).order_by("pk")
