"""The one home of the escalation rules that more than one place needs.

Services, views, the API, templates, emails and loaders read their answers here and never
restate them (DESIGN.md, "One home per rule"): a template asks ``can_escalate_higher``
rather than comparing a level with 4. Pure, like eligibility.py: no ORM and no clock;
whoever calls gathers the facts.
"""

# The top of the ladder: Level 4, the VP of Support.
MAX_LEVEL = 4


def can_escalate_higher(level: int) -> bool:
    """True when a level exists above ``level``, so a customer may be offered "one level higher"."""
    return level < MAX_LEVEL
