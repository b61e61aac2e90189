import django.db.models.deletion
from django.db import migrations, models

# The index Django made for the foreign key (same name on PostgreSQL and SQLite). Dropping it
# alone leaves the foreign key constraint as it is (AlterField would drop the constraint and
# add it again, checking every stored answer).
INDEX = "live_answer_item_id_69c4e5a8"


class Migration(migrations.Migration):
    """Answer.item loses its own index: live_answer_once (item, participant) starts with the
    item and serves every lookup by item; each stored answer maintains one index fewer."""

    dependencies = [
        ("live", "0002_live_leaderboard_nicknames"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="answer",
                    name="item",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="live.item",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    reverse_sql=f"CREATE INDEX {INDEX} ON live_answer (item_id)",
                ),
            ],
        ),
    ]
