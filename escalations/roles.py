"""Who is escalation staff, and who answers each level. Group names are seeded by migration."""

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

ESCALATION_MANAGERS = "Escalation Managers"
SUPPORT_MANAGEMENT = "Support Management"
VP_OF_SUPPORT = "VP of Support"
ON_CALL = "On-call"
STAFF_GROUP_NAMES = (ESCALATION_MANAGERS, SUPPORT_MANAGEMENT, VP_OF_SUPPORT, ON_CALL)


def _memberships(user) -> tuple[frozenset[int], bool]:
    """(group ids, whether a group makes the user escalation staff): one query per user object.

    A request reuses its user object, so every role check of the request shares the query.
    """
    cached = getattr(user, "_portal_memberships", None)
    if cached is None:
        from cases.models import Region

        rows = list(
            user.groups.annotate(
                senior=Exists(Region.objects.filter(senior_management=OuterRef("pk")))
            ).values_list("id", "name", "senior")
        )
        cached = (
            frozenset(group_id for group_id, _, _ in rows),
            any(name in STAFF_GROUP_NAMES or senior for _, name, senior in rows),
        )
        user._portal_memberships = cached
    return cached


def user_group_ids(user) -> frozenset[int]:
    """The user's group ids, loaded once per user object (a request reuses it)."""
    return _memberships(user)[0] if user.is_authenticated else frozenset()


def is_escalation_staff(user) -> bool:
    """Members of the staff groups or of any region's Senior Management, and Django staff."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or _memberships(user)[1]


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
