"""The shared escalation rules, pure: a table, no database."""

import pytest

from escalations.policy import can_escalate_higher


@pytest.mark.parametrize(("level", "higher"), [(1, True), (2, True), (3, True), (4, False), (5, False)])
def test_only_levels_below_the_top_can_go_one_level_higher(level, higher):
    assert can_escalate_higher(level) is higher
