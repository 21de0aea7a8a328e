"""Seed the rules from the article, so every fresh database (the test one too) has them."""

from datetime import time, timedelta

from django.db import migrations

STAFF_GROUPS = ["Escalation Managers", "Support Management", "VP of Support", "On-call"]

TIERS = [("premium", "Premium", 10), ("standard", "Standard", 20)]

# severity: (premium, standard) wait before the first escalation, wall-clock from creation.
WINDOWS = {2: (4, 8), 3: (8, 16), 4: (16, 24)}

LEVELS = [
    {
        "number": 1,
        "name": "Escalation Managers",
        "description": "A team of Escalation Managers reviews your case and replies in it.",
        "groups": ["Escalation Managers"],
        "alert_account_csm": False,
        "alert_region_senior_management": False,
        "responder": "escalation_managers",
        "requires_rca": False,
    },
    {
        "number": 2,
        "name": "Support Management",
        "description": (
            "The Escalation Managers, Support Management and your account's Customer "
            "Success Manager are alerted; the Escalation Managers review and respond."
        ),
        "groups": ["Escalation Managers", "Support Management"],
        "alert_account_csm": True,
        "alert_region_senior_management": False,
        "responder": "escalation_managers",
        "requires_rca": False,
    },
    {
        "number": 3,
        "name": "Regional Senior Management",
        "description": (
            "Everyone from Level 2 is alerted, and your region's Senior Management "
            "reviews and replies to your case personally."
        ),
        "groups": ["Escalation Managers", "Support Management"],
        "alert_account_csm": True,
        "alert_region_senior_management": True,
        "responder": "region_senior_management",
        "requires_rca": False,
    },
    {
        "number": 4,
        "name": "VP of Support",
        "description": (
            "Everyone from Level 3 is alerted, and the VP of Support reviews and replies "
            "directly in your case. A full root cause analysis follows."
        ),
        "groups": ["Escalation Managers", "Support Management", "VP of Support"],
        "alert_account_csm": True,
        "alert_region_senior_management": True,
        "responder": "vp_of_support",
        "requires_rca": True,
    },
]


def seed(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    SupportTier = apps.get_model("cases", "SupportTier")
    EscalationWindow = apps.get_model("escalations", "EscalationWindow")
    EscalationLevel = apps.get_model("escalations", "EscalationLevel")
    BusinessCalendar = apps.get_model("escalations", "BusinessCalendar")

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in STAFF_GROUPS}
    tiers = {}
    for slug, name, rank in TIERS:
        tiers[slug], _ = SupportTier.objects.get_or_create(slug=slug, defaults={"name": name, "rank": rank})
    for severity, (premium_hours, standard_hours) in WINDOWS.items():
        for slug, hours in (("premium", premium_hours), ("standard", standard_hours)):
            EscalationWindow.objects.get_or_create(
                severity=severity, tier=tiers[slug], defaults={"wait": timedelta(hours=hours)}
            )
    for spec in LEVELS:
        spec = dict(spec)
        group_names = spec.pop("groups")
        level, _ = EscalationLevel.objects.get_or_create(number=spec.pop("number"), defaults=spec)
        level.alerted_groups.add(*(groups[name] for name in group_names))
    BusinessCalendar.objects.get_or_create(
        name="Default (Mon-Fri 09:00-17:00 UTC)",
        defaults={
            "timezone": "UTC",
            "working_days": [0, 1, 2, 3, 4],
            "opens_at": time(9),
            "closes_at": time(17),
            "is_default": True,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0001_initial"),
        ("cases", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
