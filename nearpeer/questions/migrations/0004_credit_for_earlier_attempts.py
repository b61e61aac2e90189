from django.db import migrations


def give_full_credit_to_right_attempts(apps, schema_editor):
    # Attempts before partial credit were right or wrong: right is full credit.
    Attempt = apps.get_model("questions", "Attempt")
    Attempt.objects.filter(correct=True).update(credit=1.0)


class Migration(migrations.Migration):
    dependencies = [("questions", "0003_question_types_feedback_and_free_tags")]

    operations = [
        migrations.RunPython(give_full_credit_to_right_attempts, migrations.RunPython.noop),
    ]
