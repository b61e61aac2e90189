"""The index's version token: one row whose token the database itself changes, by trigger, with
every statement that writes the documents (in the writing transaction), so a result cache keyed
by it (see `index.search`) can never serve results from before a change. A random token rather
than a counter: a rolled-back, restored or emptied database never meets results cached for
another state under the same number. The row is written back if it was removed (a flush)."""

from django.db import migrations, models

UPSERT = (
    "INSERT INTO search_indexversion (id, token) VALUES (1, {random}) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token"
)
SQLITE_RANDOM = "random()"
POSTGRES_RANDOM = "floor(random() * 4611686018427387903)::bigint"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER search_document_version_{event.lower()} AFTER {event} ON search_document
    BEGIN {UPSERT.format(random=SQLITE_RANDOM)}; END"""
    for event in ("INSERT", "UPDATE", "DELETE")
] + [UPSERT.format(random=SQLITE_RANDOM)]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS search_document_version_{event}"
    for event in ("insert", "update", "delete")
]
POSTGRES_FORWARD = [
    f"""CREATE FUNCTION search_document_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {UPSERT.format(random=POSTGRES_RANDOM)}; RETURN NULL; END $$""",
    """CREATE TRIGGER search_document_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON search_document
    FOR EACH STATEMENT EXECUTE FUNCTION search_document_version()""",
    UPSERT.format(random=POSTGRES_RANDOM),
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_document_version ON search_document",
    "DROP FUNCTION IF EXISTS search_document_version()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_access_terms")]

    operations = [
        migrations.CreateModel(
            name="IndexVersion",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("token", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
