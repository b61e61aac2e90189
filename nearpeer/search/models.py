from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone


class Document(models.Model):
    """One searchable object of some provider, as the index keeps it (see docs/library.md).

    Full-text matching does not use these columns directly: on PostgreSQL `vector` (weighted
    title A, body B, English stemming with unaccent) has a GIN index; on SQLite the FTS5 table
    `search_document_fts` mirrors `title`, `body` and `access` (kept in step by triggers).
    `vector` and `head` stay empty on SQLite.
    """

    kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    subkind = models.CharField(max_length=30, blank=True)
    title = models.CharField(max_length=300)
    # Folded title (case, accents, punctuation) for "exact title match first".
    title_key = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    audience = models.CharField(max_length=10)
    tags = models.CharField(max_length=500, blank=True, help_text='Tag ids as "|3|17|".')
    # Index terms for who may open it and for the filters ("resourceeveryone sessionyear2
    # tag17 session15"): permissions and filters are matched inside the full-text index.
    access = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    vector = SearchVectorField(null=True, editable=False)
    # PostgreSQL only: the title's words and the access terms, small enough never to be
    # moved out of the row (TOAST), for the title-first tier and its ranking.
    head = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="unique_search_document")
        ]
        indexes = [models.Index(fields=["title_key"], name="search_doc_title_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title}"


class IndexVersion(models.Model):
    """One row (id 1) whose `token` the database changes, by trigger, with every statement that
    writes `Document` rows, in the writing transaction (migration 0004): the search's result
    cache is keyed by it, so the next search after a change never reads results from before
    it. Random rather than a counter, so a rolled-back, restored or emptied database never
    meets results cached for another state under the same number."""

    id = models.BigIntegerField(primary_key=True)
    token = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"search index version {self.token}"
