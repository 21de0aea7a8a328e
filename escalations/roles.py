"""Who is escalation staff, and who answers each level. Group names are seeded by migration."""

from django.contrib.auth.models import Group

ESCALATION_MANAGERS = "Escalation Managers"
SUPPORT_MANAGEMENT = "Support Management"
VP_OF_SUPPORT = "VP of Support"
ON_CALL = "On-call"
STAFF_GROUP_NAMES = (ESCALATION_MANAGERS, SUPPORT_MANAGEMENT, VP_OF_SUPPORT, ON_CALL)


def user_group_ids(user) -> frozenset[int]:
    """The user's group ids, loaded once per user object (a request reuses it)."""
    cached = getattr(user, "_portal_group_ids", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("id", flat=True)) if user.is_authenticated else frozenset()
        user._portal_group_ids = cached
    return cached


def is_escalation_staff(user) -> bool:
    """Members of the staff groups or of any region's Senior Management, and Django staff."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    cached = getattr(user, "_portal_is_escalation_staff", None)
    if cached is None:
        ids = user_group_ids(user)
        cached = bool(ids) and (
            Group.objects.filter(id__in=ids, name__in=STAFF_GROUP_NAMES).exists()
            or Group.objects.filter(id__in=ids, regions__isnull=False).exists()
        )
        user._portal_is_escalation_staff = cached
    return cached


def responder_group_id(responder: str, case) -> int | None:
    """The group whose members decide an escalation at a level with this responder."""
    from escalations.models import Responder

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
    from django.contrib.auth import get_user_model

    group_id = responder_group_id(responder, case)
    if group_id is None:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(groups=group_id, is_active=True).order_by("pk")


def group_members(name: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(groups__name=name, is_active=True).order_by("pk")
