"""Who is who in a support organisation: escalation staff and their groups.

Group names are seeded by migration. Who answers an escalation level is the escalation
policy's (escalations.policy); this module only knows groups and memberships.
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from cases.models import Region

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


def group_members(name: str):
    return get_user_model().objects.filter(groups__name=name, is_active=True).order_by("pk")
