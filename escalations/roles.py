"""Who answers each escalation level, among the groups of cases.people."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cases.people import ESCALATION_MANAGERS, VP_OF_SUPPORT, user_group_ids
from escalations.models import Responder


def responder_group(responder: str, region_senior_group_id: int | None) -> int | str | None:
    """The group whose members decide at a level with this responder, without a query: the id
    of the region's Senior Management group (``region_senior_group_id``, None when the
    organization has no region, and then nobody decides), or the name of a staff group."""
    if responder == Responder.REGION_SENIOR_MANAGEMENT:
        return region_senior_group_id
    return VP_OF_SUPPORT if responder == Responder.VP_OF_SUPPORT else ESCALATION_MANAGERS


def responder_group_id(responder: str, case) -> int | None:
    """The group whose members decide an escalation at a level with this responder."""
    group = responder_group(responder, _region_senior_group_id(case, responder))
    if group is None or isinstance(group, int):
        return group
    return Group.objects.filter(name=group).values_list("id", flat=True).first()


def _region_senior_group_id(case, responder: str) -> int | None:
    # The region row is read only for the responder that needs it: callers that decide at
    # the other levels need not have loaded it.
    if responder != Responder.REGION_SENIOR_MANAGEMENT or case.organization.region_id is None:
        return None
    return case.organization.region.senior_management_id


def is_responder(user, responder: str, case) -> bool:
    group_id = responder_group_id(responder, case)
    return group_id is not None and group_id in user_group_ids(user)


def responder_users(responder: str, case):
    """The active people who decide at a level with this responder, for this case."""
    group_id = responder_group_id(responder, case)
    if group_id is None:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(groups=group_id, is_active=True).order_by("pk")
