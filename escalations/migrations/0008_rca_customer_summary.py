"""The root cause analysis's summary for the customer, readable on the case page (issue 12)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0007_level_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="rootcauseanalysis",
            name="customer_summary",
            field=models.TextField(
                blank=True,
                db_default="",
                default="",
                help_text="What happened and what changes, in words the customer reads on the case page.",
                max_length=20000,
                verbose_name="summary for the customer",
            ),
        ),
    ]
