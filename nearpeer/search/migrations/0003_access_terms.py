"""Permissions and filters inside the full-text index: an `access` column of index terms (who
may open a document, its kind's groups, its tags), indexed by FTS5 on SQLite (a third column,
with kind, object_id and subkind readable from the index's rows) and by the search vectors on
PostgreSQL (plus `head`, the title's vector, with its own GIN index).

Documents indexed before it have no access terms, so nobody would find them: the search app
rebuilds the index after `migrate` when it finds any (`SearchConfig`).
"""

import django.contrib.postgres.search
from django.db import migrations, models

SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS search_document_fts_update",
    "DROP TRIGGER IF EXISTS search_document_fts_delete",
    "DROP TRIGGER IF EXISTS search_document_fts_insert",
    "DROP TABLE IF EXISTS search_document_fts",
    """CREATE VIRTUAL TABLE search_document_fts USING fts5(
        title, body, access, kind UNINDEXED, object_id UNINDEXED, subkind UNINDEXED,
        content='search_document', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_document_fts_insert AFTER INSERT ON search_document BEGIN
        INSERT INTO search_document_fts(rowid, title, body, access, kind, object_id, subkind)
        VALUES (new.id, new.title, new.body, new.access, new.kind, new.object_id, new.subkind);
    END""",
    """CREATE TRIGGER search_document_fts_delete AFTER DELETE ON search_document BEGIN
        INSERT INTO search_document_fts(
            search_document_fts, rowid, title, body, access, kind, object_id, subkind)
        VALUES ('delete', old.id, old.title, old.body, old.access, old.kind, old.object_id,
                old.subkind);
    END""",
    """CREATE TRIGGER search_document_fts_update AFTER UPDATE ON search_document BEGIN
        INSERT INTO search_document_fts(
            search_document_fts, rowid, title, body, access, kind, object_id, subkind)
        VALUES ('delete', old.id, old.title, old.body, old.access, old.kind, old.object_id,
                old.subkind);
        INSERT INTO search_document_fts(rowid, title, body, access, kind, object_id, subkind)
        VALUES (new.id, new.title, new.body, new.access, new.kind, new.object_id, new.subkind);
    END""",
    "INSERT INTO search_document_fts(search_document_fts) VALUES ('rebuild')",
]
POSTGRES_FORWARD = [
    "CREATE INDEX search_document_head_gin ON search_document USING gin (head)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS search_document_head_gin"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_full_text_index")]

    operations = [
        migrations.AddField(
            model_name="document",
            name="access",
            field=models.TextField(blank=True, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="document",
            name="head",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD}),
        ),
    ]
