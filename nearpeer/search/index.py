"""The search index: gathering providers from the apps' hook modules, keeping `Document` rows in
step with the objects they describe, and running a search with permissions inside the query."""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.db.models.signals import m2m_changed, post_delete, post_save

from nearpeer.core.hooks import app_modules
from nearpeer.core.searching import IndexEntry, SearchProvider

from . import text
from .models import Document

PG_CONFIG = "nearpeer_english"  # english stemming with unaccent; created by migration 0002
FTS_TABLE = "search_document_fts"
BATCH = 2000
PER_PAGE = 20
RANK_CANDIDATES = 1000


@cache
def providers() -> dict[str, SearchProvider]:
    """Every app's providers by kind, in INSTALLED_APPS order."""
    found: dict[str, SearchProvider] = {}
    for label, module in app_modules("search"):
        for provider in getattr(module, "PROVIDERS", []):
            if provider.kind in found:
                raise ValueError(f"search kind {provider.kind!r} offered twice ({label})")
            found[provider.kind] = provider
    return found


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- Keeping the index ----------------------------------------------------------------------------


def _row(kind: str, entry: IndexEntry) -> Document:
    return Document(
        kind=kind,
        object_id=entry.object_id,
        subkind=entry.subkind[:30],
        title=entry.title[:300],
        title_key=text.title_key(entry.title),
        # The highlight markers must only ever come from the database's snippet function.
        body=entry.body.replace(text.HIGHLIGHT_START, "").replace(text.HIGHLIGHT_END, ""),
        audience=entry.audience,
        tags="".join(f"|{t}" for t in sorted(entry.tag_ids)) + ("|" if entry.tag_ids else ""),
    )


@transaction.atomic
def reindex(kind: str, ids: Iterable[int] | None = None) -> int:
    """Bring the documents of one provider up to date for these object ids (all when None).

    Side effects: creates, updates and deletes Document rows (and, on PostgreSQL, their search
    vectors; on SQLite the FTS5 triggers follow). Returns the number of documents written.
    """
    provider = providers()[kind]
    ids = None if ids is None else sorted(set(ids))
    entries = {e.object_id: e for e in provider.entries(ids)}
    existing = Document.objects.filter(kind=kind)
    if ids is not None:
        existing = existing.filter(object_id__in=ids)
    current = dict(existing.values_list("object_id", "pk"))
    gone = [pk for object_id, pk in current.items() if object_id not in entries]
    if gone:
        Document.objects.filter(pk__in=gone).delete()
    rows = [_row(kind, e) for e in entries.values()]
    fields = ["subkind", "title", "title_key", "body", "audience", "tags"]
    touched: list[int] = []
    for row in rows:
        row.pk = current.get(row.object_id)
    updates = [r for r in rows if r.pk]
    creates = [r for r in rows if not r.pk]
    for start in range(0, len(updates), BATCH):
        batch = updates[start : start + BATCH]
        Document.objects.bulk_update(batch, fields)
        touched += [r.pk for r in batch]
    for start in range(0, len(creates), BATCH):
        created = Document.objects.bulk_create(creates[start : start + BATCH])
        touched += [r.pk for r in created if r.pk]
    if is_postgres() and touched:
        if not all(touched) or len(touched) != len(rows):
            touched = list(
                Document.objects.filter(kind=kind, object_id__in=list(entries)).values_list(
                    "pk", flat=True
                )
            )
        for start in range(0, len(touched), BATCH):
            Document.objects.filter(pk__in=touched[start : start + BATCH]).update(
                vector=SearchVector("title", weight="A", config=PG_CONFIG)
                + SearchVector("body", weight="B", config=PG_CONFIG)
            )
    return len(rows)


def rebuild() -> dict[str, int]:
    """Re-index every provider from scratch. Side effects: see `reindex`."""
    return {kind: reindex(kind) for kind in providers()}


def connect_signals() -> None:
    """Re-index on every save and delete of the models each provider watches, in the same
    transaction as the change (so a rolled-back change leaves the index as it was)."""
    for kind, provider in providers().items():
        for model, ids_of in provider.watch.items():

            def handler(sender, instance, _kind=kind, _ids_of=ids_of, **kwargs):
                if kwargs.get("raw"):
                    return
                ids = [i for i in _ids_of(instance) if i is not None]
                if ids:
                    reindex(_kind, ids)

            uid = f"search:{kind}:{model._meta.label}"
            post_save.connect(handler, sender=model, weak=False, dispatch_uid=uid + ":save")
            post_delete.connect(handler, sender=model, weak=False, dispatch_uid=uid + ":delete")
            if getattr(model._meta, "auto_created", False):
                # An m2m through table (tags, authors): changes arrive as m2m_changed.
                m2m_changed.connect(
                    _m2m_handler(kind, model), sender=model, weak=False, dispatch_uid=uid + ":m2m"
                )


def _m2m_handler(kind: str, through):
    provider_model = providers()[kind].model

    def handler(sender, instance, action, pk_set, **kwargs):
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        # Forward (resource.tags.set(...)) names the object; reverse (tag.resources.add(...))
        # names the objects in pk_set.
        ids = [instance.pk] if isinstance(instance, provider_model) else list(pk_set or [])
        if ids:
            reindex(kind, ids)

    return handler


# --- Searching ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    kind: str
    label: str
    object_id: int
    title: str
    subkind: str
    url: str
    snippet: str  # safe HTML: escaped text with <mark> around matched words


@dataclass(frozen=True)
class Page:
    results: list[Result]
    has_next: bool
    terms: list[str]


def visible_documents(user, *, kinds: Iterable[str] | None = None):
    """Documents the user may open, as one queryset (each provider's rule ORed together)."""
    wanted = set(kinds) if kinds else None
    allowed = Q(pk__in=[])
    for kind, provider in providers().items():
        if wanted is not None and kind not in wanted:
            continue
        rule = provider.visible(user)
        if rule is not None:
            allowed |= Q(kind=kind) & rule
    return Document.objects.filter(allowed)


def search(
    user, query: str, *, kinds: Iterable[str] | None = None, tag_id: int | None = None,
    page: int = 1, per_page: int = 20,
) -> Page:  # fmt: skip
    """Ranked results the user may open: an exact (folded) title match first, then by relevance
    (title words weigh more than body words), then newest. Two queries: the page of matches, then
    the snippets for that page only."""
    words = text.terms(query)
    if not words:
        return Page([], False, [])
    documents = visible_documents(user, kinds=kinds)
    if tag_id:
        documents = documents.filter(tags__contains=f"|{int(tag_id)}|")
    exact = ExpressionWrapper(Q(title_key=text.title_key(query)), output_field=BooleanField())
    offset = (max(page, 1) - 1) * per_page
    columns = ("pk", "kind", "object_id", "title", "subkind")
    # Ranking costs per matching document, so a broad query ranks a bounded set of candidates:
    # the RANK_CANDIDATES newest visible documents whose title matches and as many newest
    # others. Both lists are cheap index walks; a narrower query ranks all its matches.
    if is_postgres():
        ts_query = SearchQuery(text.tsquery(words), config=PG_CONFIG, search_type="raw")
        in_title = SearchQuery(text.tsquery(words, weight="A"), config=PG_CONFIG, search_type="raw")
        matching = documents.filter(vector=ts_query)
        titled = documents.filter(vector=in_title)
        # Newest by an expression, not the primary key itself: otherwise the planner walks the
        # key's index backwards testing @@ row by row instead of using the GIN index.
        newest = (F("pk") + 0).desc()
        candidates = Q(pk__in=matching.order_by(newest).values("pk")[:RANK_CANDIDATES]) | Q(
            pk__in=titled.order_by(newest).values("pk")[:RANK_CANDIDATES]
        )
        ranked = (
            matching.filter(candidates)
            .annotate(exact=exact, rank=SearchRank(F("vector"), ts_query))
            .order_by("-exact", "-rank", "-pk")
        )
    else:

        def fts(qs, match: str, **extra):
            # The ORM has no FTS5 join: the SQL is constant; the user's words are a parameter.
            return qs.extra(  # noqa: S610
                tables=[FTS_TABLE],
                where=[f"{FTS_TABLE}.rowid = search_document.id", f"{FTS_TABLE} MATCH %s"],
                params=[match],
                **extra,
            )

        match = text.fts5_match(words)
        # Candidate ids first, as two short queries: inside one statement the FTS5 table
        # would be named twice and SQLite would correlate the subqueries row by row.
        candidates: set[int] = set()
        for expression in (match, f"{{title}} : ({match})"):
            newest = fts(documents, expression).order_by("-pk").values_list("pk")
            candidates.update(_ids(newest[:RANK_CANDIDATES]))
        if not candidates:
            return Page([], False, words)
        # Integers read from the database, written into the SQL: a list of bound parameters
        # this long costs more in the ORM than the search.
        listed = ",".join(str(int(pk)) for pk in sorted(candidates))
        ranked = (
            fts(
                # The candidates passed the permission rule and the filters already.
                Document.objects.extra(where=[f"search_document.id IN ({listed})"]),  # noqa: S610
                match,
                # bm25 is lower for better matches; title words weigh ten times body words.
                select={"rank": f"bm25({FTS_TABLE}, 10.0, 1.0)"},
            )
            .annotate(exact=exact)
            .order_by("-exact", "rank", "-pk")
        )
    rows = list(ranked.values(*columns)[offset : offset + per_page + 1])
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    snippets = _snippets([r["pk"] for r in rows], words)
    all_providers = providers()
    results = [
        Result(
            kind=r["kind"],
            label=all_providers[r["kind"]].label,
            object_id=r["object_id"],
            title=r["title"],
            subkind=r["subkind"],
            url=all_providers[r["kind"]].url(r["object_id"]),
            snippet=text.render_snippet(snippets.get(r["pk"], "")),
        )
        for r in rows
    ]
    return Page(results, has_next, words)


def _ids(queryset) -> list[int]:
    """The first column of a queryset's rows, read without building Django objects."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _snippets(pks: list[int], words: list[str]) -> dict[int, str]:
    if not pks:
        return {}
    if is_postgres():
        ts_query = SearchQuery(text.tsquery(words), config=PG_CONFIG, search_type="raw")
        rows = Document.objects.filter(pk__in=pks).annotate(
            snippet=SearchHeadline(
                "body",
                ts_query,
                config=PG_CONFIG,
                start_sel=text.HIGHLIGHT_START,
                stop_sel=text.HIGHLIGHT_END,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
        return dict(rows.values_list("pk", "snippet"))
    placeholders = ", ".join(["%s"] * len(pks))
    # Constant names only; the ids and the words are parameters.
    sql = (
        f"SELECT rowid, snippet({FTS_TABLE}, 1, char(2), char(3), ' … ', 24) FROM {FTS_TABLE} "  # noqa: S608
        f"WHERE {FTS_TABLE} MATCH %s AND rowid IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [text.fts5_match(words), *pks])
        return {pk: snippet or "" for pk, snippet in cursor.fetchall()}
