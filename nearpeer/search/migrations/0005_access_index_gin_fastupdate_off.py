"""Search speed (bench/search.py at full scale):

- SQLite: a covering index on search_document(id, access), so the access rule checked on the
  rows FTS5 returns reads the short column from the index instead of the table's rows, whose
  `body` comes first (`index._SQLite`).
- PostgreSQL: the GIN indexes without a pending list (fastupdate off). With it, new and updated
  documents waited in an unsorted list that every search read through until (auto)vacuum
  merged it: 4-5 ms of a title-word lookup that takes 0.1 ms from the index proper. The
  documents change seldom and searches are many; the list left by earlier writes is merged now.
"""

from django.db import migrations

GIN_INDEXES = ("search_document_vector_gin", "search_document_head_gin")
SQLITE_FORWARD = [
    "CREATE INDEX IF NOT EXISTS search_doc_access ON search_document (id, access)",
]
SQLITE_BACKWARD = ["DROP INDEX IF EXISTS search_doc_access"]
POSTGRES_FORWARD = [
    *(f"ALTER INDEX {name} SET (fastupdate = off)" for name in GIN_INDEXES),
    *(f"SELECT gin_clean_pending_list('{name}'::regclass)" for name in GIN_INDEXES),
]
POSTGRES_BACKWARD = [f"ALTER INDEX {name} RESET (fastupdate)" for name in GIN_INDEXES]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0004_index_version")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
