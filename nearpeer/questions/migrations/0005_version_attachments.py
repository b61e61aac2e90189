from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("questions", "0004_credit_for_earlier_attempts"),
    ]

    operations = [
        migrations.AddField(
            model_name="questionversion",
            name="attachments",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
