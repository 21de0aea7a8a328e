"""Who hears of a new escalation (escalations.recipients) and who decides it (roles.responder_group): pure."""

import pytest

from cases.people import ESCALATION_MANAGERS, VP_OF_SUPPORT
from escalations.models import Responder
from escalations.recipients import alerted_user_ids, is_csm_informed, level_alerts
from escalations.roles import responder_group

MANAGERS, SUPPORT, SENIOR = 1, 2, 3
MEMBERS = {MANAGERS: [10, 11], SUPPORT: [20], SENIOR: [30, 11]}
CSM = 40


def alerted(groups, *, senior_flag=False, csm_flag=False, senior=SENIOR, csm=CSM):
    alerts = level_alerts(alerted_group_ids=groups, alerts_region_senior_management=senior_flag,
                          alerts_account_csm=csm_flag, region_senior_group_id=senior, csm_id=csm)
    return alerted_user_ids(alerts, MEMBERS, csm)


@pytest.mark.parametrize(
    ("groups", "flags", "expected"),
    [
        ([MANAGERS], {}, {10, 11}),
        ([MANAGERS, SUPPORT], {"csm_flag": True}, {10, 11, 20, CSM}),
        ([MANAGERS, SUPPORT], {"csm_flag": True, "senior_flag": True}, {10, 11, 20, 30, CSM}),
        # No region, no CSM on the account: the flags alert nobody more.
        ([MANAGERS], {"csm_flag": True, "senior_flag": True, "senior": None, "csm": None}, {10, 11}),
        ([], {}, set()),
    ],
)
def test_a_level_alerts_its_groups_and_what_its_flags_add(groups, flags, expected):
    assert alerted(groups, **flags) == expected


def test_the_csm_is_informed_unless_the_level_already_alerts_them():
    assert is_csm_informed(CSM, alerted([MANAGERS]))
    assert not is_csm_informed(CSM, alerted([MANAGERS], csm_flag=True))
    # A CSM who is also in an alerted group hears of it once, through the alert.
    assert not is_csm_informed(11, alerted([MANAGERS]))
    assert not is_csm_informed(None, alerted([MANAGERS]))


@pytest.mark.parametrize(
    ("responder", "senior", "expected"),
    [
        (Responder.ESCALATION_MANAGERS, SENIOR, ESCALATION_MANAGERS),
        (Responder.VP_OF_SUPPORT, SENIOR, VP_OF_SUPPORT),
        (Responder.REGION_SENIOR_MANAGEMENT, SENIOR, SENIOR),
        (Responder.REGION_SENIOR_MANAGEMENT, None, None),
    ],
)
def test_each_responder_maps_to_a_staff_group_by_name_or_the_regions_group(responder, senior, expected):
    assert responder_group(responder, senior) == expected
