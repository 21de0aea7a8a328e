"""Level names say who decides, and who is alerted without deciding (issue 12).

"Support Management" named Level 2 though the Escalation Managers decide it: Support
Management is only alerted there. A name an admin has changed since the seed is kept.
"""

from django.db import migrations

# number: (seeded name, name that says who decides and who is alerted)
RENAMES = {
    1: ("Escalation Managers", "Escalation Managers decide"),
    2: ("Support Management", "Escalation Managers decide, Support Management alerted"),
    3: ("Regional Senior Management", "Regional Senior Management decides"),
    4: ("VP of Support", "VP of Support decides"),
}


def rename(apps, *, forwards: bool):
    EscalationLevel = apps.get_model("escalations", "EscalationLevel")
    for number, (old, new) in RENAMES.items():
        before, after = (old, new) if forwards else (new, old)
        EscalationLevel.objects.filter(number=number, name=before).update(name=after)


def name_who_decides(apps, schema_editor):
    rename(apps, forwards=True)


def restore_seeded_names(apps, schema_editor):
    rename(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0006_superseded_at"),
    ]

    operations = [migrations.RunPython(name_who_decides, restore_seeded_names)]
