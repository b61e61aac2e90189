"""The search index: gathering providers from the apps' hook modules, keeping `Document` rows in
step with the objects they describe, and running a search with permissions inside the query."""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from nearpeer.core.hooks import app_modules
from nearpeer.core.searching import EVERYONE, IndexEntry, SearchProvider
from nearpeer.members.models import roles_query, roles_unread, set_roles_read

from . import text
from .models import Document

T = TypeVar("T")
PG_CONFIG = "nearpeer_english"  # english stemming with unaccent; created by migration 0002
FTS_TABLE = "search_document_fts"
BATCH = 2000
PER_PAGE = 20
RANK_CANDIDATES = 1000
# Part of every cache key: raise it when `Page`/`Result` or the results' HTML change shape, so a
# deploy never reads entries an older release left in a shared cache (Redis).
CACHE_FORMAT = 1
# PostgreSQL: title A, body B, access terms verbatim (weight D, never in a user's query).
PG_VECTOR_SQL = (
    "UPDATE search_document SET "
    "vector = setweight(to_tsvector('nearpeer_english', title), 'A') "
    "|| setweight(to_tsvector('nearpeer_english', body), 'B') "
    "|| array_to_tsvector(string_to_array(access, ' ')), "
    "head = to_tsvector('nearpeer_english', title) "
    "|| array_to_tsvector(string_to_array(access, ' ')) "
    "WHERE id = ANY(%s)"
)


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


_URL_PROBE = 918273645


@cache
def _url_parts(kind: str) -> tuple[str, str] | None:
    """A provider's URL around the object id, found once per process by asking for a probe id
    (reversing a URL for each of a page's 20 results cost more than a tier's SQL); None when
    the id does not appear in it as such, and then each URL is asked for."""
    probe = providers()[kind].url(_URL_PROBE)
    before, found, after = probe.partition(str(_URL_PROBE))
    return (before, after) if found and str(_URL_PROBE) not in after else None


def result_url(kind: str, object_id: int) -> str:
    parts = _url_parts(kind)
    if parts is None:
        return providers()[kind].url(object_id)
    return f"{parts[0]}{int(object_id)}{parts[1]}"


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
        access=" ".join(access_terms(kind, entry)),
    )


def _term(text_: str) -> str:
    """An index term: lower-case letters and digits only, so no tokenizer splits it."""
    return "".join(c for c in text_.lower() if c.isascii() and c.isalnum())


@cache
def group_term(kind: str, group: str) -> str:
    return _term(f"{kind}{group}")


@cache
def _object_prefix(kind: str) -> str:
    return _term(f"{kind}id")


def object_term(kind: str, object_id: int) -> str:
    # _term(f"{kind}id{n}"), with the kind's part made once (a search makes one per held session).
    return f"{_object_prefix(kind)}{int(object_id)}"


def tag_term(tag_id: int) -> str:
    return f"tag{int(tag_id)}"


def access_terms(kind: str, entry: IndexEntry) -> list[str]:
    """Who may open the entry (its groups), the entry itself (for single grants) and its tags."""
    groups = entry.groups or (entry.audience,)
    return [
        *(group_term(kind, g) for g in groups),
        object_term(kind, entry.object_id),
        *(tag_term(t) for t in sorted(set(entry.tag_ids))),
    ]


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
    fields = ["subkind", "title", "title_key", "body", "audience", "tags", "access"]
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
        with connection.cursor() as cursor:
            for start in range(0, len(touched), BATCH):
                cursor.execute(PG_VECTOR_SQL, [touched[start : start + BATCH]])
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


@cache
def broad_terms() -> frozenset[str]:
    """The access terms of each kind's EVERYONE group: held by every member, carried by most
    documents."""
    return frozenset(group_term(kind, EVERYONE) for kind in providers())


def access_for(user, *, kinds: Iterable[str] | None = None) -> list[str]:
    """The access terms this user holds among the wanted kinds' documents: a document is open to
    the user when it carries any of them. The providers' queries are one round trip at most."""
    return _access_and(user, kinds, [])[0]


def _access_and(
    user, kinds: Iterable[str] | None, statements: list[str]
) -> tuple[list[str], list[list[tuple]]]:
    """`access_for`, and the rows of `statements` (see `_together`), in one round trip with
    the queries of the providers offering theirs (`reach_query` / `reach_from_rows`; the
    others answer `reach`) and, unless this request has read them already, the user's roles
    (which the providers' rules and the page's menu ask for: read here from the database,
    they cost no round trip to the shared cache)."""
    wanted = set(kinds) if kinds else None
    chosen = [(k, p) for k, p in providers().items() if wanted is None or k in wanted]
    queries = {}
    for kind, provider in chosen:
        if hasattr(provider, "reach_query") and (query := provider.reach_query(user)):
            queries[kind] = query
    parts = [(sql, []) for sql in statements]
    # A provider's query selects (id, an integer): the union's first two columns.
    parts += [
        (f"SELECT held.*, CAST(NULL AS TEXT), 0 FROM ({sql}) AS held", params)  # noqa: S608
        for sql, params in queries.values()
    ]
    unread = roles_unread(user)
    if unread is not None:
        sql, params = roles_query(unread.pk)
        parts.append(
            (f"SELECT CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), r.*, 0 FROM ({sql}) AS r", params)  # noqa: S608
        )
    found = _together(parts) if parts else []
    if unread is not None:
        set_roles_read(unread, [role for _, _, role in found[-1]])
    rows = dict(zip(queries, found[len(statements) : len(statements) + len(queries)], strict=True))
    held: list[str] = []
    for kind, provider in chosen:
        if hasattr(provider, "reach_query"):
            reach = provider.reach_from_rows(user, [r[:2] for r in rows.get(kind, [])])
        else:
            reach = provider.reach(user)
        if reach is None:
            continue
        held += [group_term(kind, g) for g in sorted(reach.groups)]
        held += [object_term(kind, i) for i in sorted(reach.object_ids)]
    return held, found[: len(statements)]


def _together(parts: list[tuple[str, list]]) -> list[list[tuple]]:
    """Several small SELECTs in one statement (one round trip): each selects (integer, integer,
    text, order), NULLs written with their type (CAST(NULL AS BIGINT)); their rows come back
    apart, each statement's in its `order`."""
    sql = " UNION ALL ".join(
        f"SELECT {n} AS part, s{n}.* FROM ({part}) AS s{n}"  # noqa: S608 - our constant SQL
        for n, (part, _) in enumerate(parts)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY 1, 5", [p for _, params in parts for p in params])
        rows = cursor.fetchall()
    found: list[list[tuple]] = [[] for _ in parts]
    for row in rows:
        found[row[0]].append(row[1:4])
    return found


Row = tuple[int, str, int, str, str, str]  # id, kind, object_id, title, subkind, raw snippet


class _SQLite:
    """FTS5 matches the words alone; who may open a row is checked on the rows FTS5 returns,
    from the `access` column through a covering index (migration 0005). With the access terms
    inside the MATCH, FTS5 merged their posting lists (as long as the index) for every search,
    and bm25 weighed them as phrases: 3-4 ms of fixed cost even for a word found in a few
    documents. `ORDER BY rank` makes FTS5 compute snippets for the returned rows only."""

    SELECT = (
        f"SELECT f.rowid, f.kind, f.object_id, f.title, f.subkind, "  # noqa: S608 - constants
        f"snippet({FTS_TABLE}, 1, char(2), char(3), ' … ', 24) FROM {FTS_TABLE} f "
        "JOIN search_document d INDEXED BY search_doc_access ON d.id = f.rowid "
    )
    # The header's short list shows no snippets: none made.
    SELECT_NO_SNIPPETS = SELECT.replace(
        f"snippet({FTS_TABLE}, 1, char(2), char(3), ' … ', 24)", "''"
    )

    def __init__(
        self, words: list[str], held: list[str], tag: str | None, *, snippets: bool = True
    ):
        if not snippets:
            self.SELECT = self.SELECT_NO_SNIPPETS
        match = text.fts5_match(words)
        in_title = f"{{title}} : ({match})"
        everywhere = f"{{title body}} : ({match})"
        self.everywhere = everywhere
        # Short posting lists are cheap for FTS5 to intersect with the words' (a tag; a kind
        # filter leaving only sessions' or series' groups); every member's "everyone" terms
        # are as long as their kind's part of the index, so those are checked on the rows.
        has = "instr(' ' || {d}.access || ' ', %s) > 0"
        if broad_terms() & set(held):
            self.allowed = "(" + " OR ".join(has for _ in held) + ")"
            self.allowed_params = [f" {t} " for t in held]
            narrow = f' AND access : "{tag}"' if tag else ""
        else:
            self.allowed, self.allowed_params = "1", []
            narrow = " AND access : (" + " OR ".join(f'"{t}"' for t in held) + ")"
            narrow += f' AND access : "{tag}"' if tag else ""
        # The second tier is every match but the first tier's rows, excluded by rowid: with
        # `NOT {title} : (…)` FTS5 expanded a prefix (the last word) twice more.
        self.tiers = {1: in_title + narrow, 2: everywhere + narrow}

    def _run(self, sql: str, params: list) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    @staticmethod
    def _excluding(column: str, ids: list[int]) -> str:
        # Integers from our own database, written into the SQL (exact title matches, and the
        # first tier's rows: at most RANK_CANDIDATES).
        return f" AND {column} NOT IN ({','.join(str(int(i)) for i in ids)})" if ids else ""

    def _candidates(self, exclude: list[int]) -> str:
        """The tier's newest RANK_CANDIDATES matches the user may open (FTS5 reads rowids in
        descending order and stops there)."""
        return (
            f"SELECT c.rowid FROM {FTS_TABLE} c "  # noqa: S608 - constant SQL, integers
            "JOIN search_document cd INDEXED BY search_doc_access ON cd.id = c.rowid "
            f"WHERE c.{FTS_TABLE} MATCH %s AND {self.allowed.format(d='cd')}"
            f"{self._excluding('c.rowid', exclude)} ORDER BY c.rowid DESC LIMIT {RANK_CANDIDATES}"
        )

    def candidates(self, tier: int, exclude: list[int]) -> list[int]:
        """The rows the tier ranks (only needed to page past it)."""
        sql = self._candidates(exclude)
        return [row[0] for row in self._run(sql, [self.tiers[tier], *self.allowed_params])]

    def page(self, tier: int, exclude: list[int], limit: int, offset: int) -> list[Row]:
        """One statement: the lowest rowid of the tier's candidates, the ranking of the matches
        above it, the access rule on the ranked rows, the page and its snippets."""
        words = self.tiers[tier]
        sql = (
            self.SELECT + f"WHERE f.{FTS_TABLE} MATCH %s AND rank MATCH 'bm25(10.0, 1.0, 0.0)' "  # noqa: S608
            f"AND f.rowid >= (SELECT coalesce(min(rowid), 0) FROM ({self._candidates(exclude)})) "
            f"AND {self.allowed.format(d='d')}{self._excluding('f.rowid', exclude)} "
            "ORDER BY rank LIMIT %s OFFSET %s"
        )
        params = [words, words, *self.allowed_params, *self.allowed_params, limit, offset]
        return self._run(sql, params)

    def rows(self, ids: list[int]) -> list[Row]:
        """The exact title matches' rows with their snippets (their access already checked)."""
        found = []
        for pk in ids:
            sql = self.SELECT + f"WHERE f.{FTS_TABLE} MATCH %s AND f.rowid = %s"  # noqa: S608
            found += self._run(sql, [self.everywhere, pk])
        return found


class _Postgres:
    """tsvector: `head` (the title's words, small) for the title-first tier, `vector` (title A,
    body B) for the rest; both with GIN indexes (fastupdate off, migration 0005: a pending list
    is read through on every search), which find the rows holding the words. The access terms
    and the tag are checked on those rows, from the short `access` column, and never given to
    the GIN index: every member shares the common access terms, whose posting lists are as long
    as the index. The exact title matches and the title tier come in one statement, the other
    tier in a second only when the page needs it; each ranks its newest RANK_CANDIDATES
    candidates, reading each row once. Snippets are made in Python (`text.highlight`) from an
    excerpt around the first word: ts_headline parsed and stemmed every word of each shown body
    (7 ms of a 15 ms query at full scale).

    The query's tsquery is a scalar subquery (an InitPlan, made once per execution): the planner
    then estimates the words' rows alike for every search, so after its first five executions
    on a connection a prepared statement keeps one generic plan (the same plan: the GIN index,
    the newest candidates, the rank) instead of planning each search afresh; and a generic plan
    does not parse the words again for each ranked row."""

    WORDS = f"(SELECT to_tsquery('{PG_CONFIG}', %s))"
    ACCESS = "string_to_array(access, ' ') && %s::text[]"
    TAG = " AND string_to_array(access, ' ') @> %s::text[]"
    COLUMNS = "id, kind, object_id, title, subkind"
    # Enough of the body around the first word's first occurrence for `text.highlight`.
    EXCERPT = "substr(body, greatest(1, strpos(lower(body), %s) - 200), 1200)"

    def __init__(
        self, words: list[str], held: list[str], tag: str | None, key: str, *,
        snippets: bool = True,
    ):  # fmt: skip
        self.words = words
        self.snippets = snippets
        self.query = text.tsquery(words)
        self.key = key
        self.access = self.ACCESS + (self.TAG if tag else "")
        # The terms most rows carry first: `&&` compares each of a row's terms with the array's
        # in order until one is equal (a broad term last made most rows read the whole array).
        broad = broad_terms()
        terms = sorted(held, key=lambda t: t not in broad)
        self.access_params = [terms, [tag]] if tag else [terms]
        self.first_word = text.stem(words[0])
        # Short access lists go to the GIN index with the words (a tag; a kind filter leaving
        # only sessions' or series' groups): found by intersecting posting lists rather than by
        # reading every row holding the words. The rank still weighs the words alone.
        narrow = [] if broad & set(held) else ["(" + " | ".join(f"'{t}'" for t in held) + ")"]
        narrow += [f"'{tag}'"] if tag else []
        self.found = (
            f"(SELECT to_tsquery('{PG_CONFIG}', %s) && %s::tsquery)" if narrow else self.WORDS
        )
        self.found_params = [self.query, " & ".join(narrow)] if narrow else [self.query]

    def _run(self, sql: str, params: list) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _candidates(self, tier: int) -> tuple[str, list]:
        """The tier's newest candidates (by an expression, not the key itself: otherwise the
        planner walks the key's index backwards testing @@ row by row) with their rank."""
        match = f"head @@ {self.found}" if tier == 1 else (
            f"vector @@ {self.found} AND NOT head @@ {self.WORDS}"
        )  # fmt: skip
        params = [*self.found_params] if tier == 1 else [*self.found_params, self.query]
        sql = (
            f"SELECT {self.COLUMNS}, body, {tier} AS tier, ts_rank(vector, {self.WORDS}) AS r "  # noqa: S608
            f"FROM (SELECT {self.COLUMNS}, body, vector FROM search_document WHERE {match} "
            f"AND title_key <> %s AND {self.access} ORDER BY id + 0 DESC "
            f"LIMIT {RANK_CANDIDATES}) AS c{tier}"
        )
        return sql, [self.query, *params, self.key, *self.access_params]

    def _page(self, inner: str, params: list, limit: int, offset: int) -> list[Row]:
        """The page's rows, each with an excerpt of its body (highlighted by the caller, for
        the rows shown only) or "" without snippets."""
        excerpt, first = (self.EXCERPT, [self.first_word]) if self.snippets else ("''", [])
        sql = (
            f"SELECT {self.COLUMNS}, {excerpt} FROM ({inner} "  # noqa: S608
            f"ORDER BY tier, r DESC, id DESC LIMIT %s OFFSET %s) AS page "
            "ORDER BY tier, r DESC, id DESC"
        )
        return self._run(sql, [*first, *params, limit, offset])

    def title_tiers(self, limit: int, offset: int) -> list[Row]:
        """Exact title matches (newest first), then the title tier by rank."""
        candidates, params = self._candidates(1)
        exact = (
            f"SELECT {self.COLUMNS}, body, 0 AS tier, 0::real AS r FROM search_document "  # noqa: S608
            f"WHERE title_key = %s AND {self.access}"
        )
        inner = f"{exact} UNION ALL {candidates}"
        return self._page(inner, [self.key, *self.access_params, *params], limit, offset)

    def count_title_tiers(self) -> int:
        sql = (
            "SELECT (SELECT count(*) FROM search_document WHERE title_key = %s AND "  # noqa: S608
            f"{self.access}) + (SELECT count(*) FROM (SELECT 1 FROM search_document WHERE "
            f"head @@ {self.found} AND title_key <> %s AND {self.access} "
            f"LIMIT {RANK_CANDIDATES}) AS c)"
        )
        params = [self.key, *self.access_params, *self.found_params, self.key]
        params += self.access_params
        return self._run(sql, params)[0][0]

    def other_tier(self, limit: int, offset: int) -> list[Row]:
        candidates, params = self._candidates(2)
        return self._page(candidates, params, limit, offset)


def _exact_ids(key: str, held: list[str], tag: str | None) -> list[int]:
    """SQLite: documents whose folded title is the folded query, that the user may open
    (checked here against their access terms: there are few), newest first."""
    if not key:
        return []
    allowed = set(held)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, access FROM search_document WHERE title_key = %s ORDER BY id DESC", [key]
        )
        rows = cursor.fetchall()
    found = []
    for pk, access in rows:
        terms = set(access.split())
        if terms & allowed and (tag is None or tag in terms):
            found.append(pk)
    return found[:RANK_CANDIDATES]


VERSION_SQL = (
    "SELECT token, CAST(NULL AS BIGINT), CAST(NULL AS TEXT), 0 FROM search_indexversion "
    "WHERE id = 1"
)


def index_version() -> int | None:
    """The index's version token (changed by the database with every write to the documents,
    migration 0004); None when its row is missing (until the next write puts it back)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM search_indexversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def _cache_key(version: int, held: list[str], words: list[str], *parts) -> str:
    """Everything a page of results depends on: the index's state, the searcher's access terms
    (not who they are: members with the same access share pages), the query and the page."""
    raw = repr((connection.alias, version, held, words, parts)).encode()
    return f"search:page:{CACHE_FORMAT}:" + hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Prepared:
    """A search made ready for one user: the query's words, the access terms the user holds,
    and the key its page is cached under (None when the cache is off or nothing can match)."""

    query: str
    words: list[str]
    held: list[str]
    tag_id: int | None
    page: int
    per_page: int
    key: str | None
    also: tuple = ()  # the rows of each of `prepare`'s `also` statements


def prepare(
    user, query: str, *, kinds: Iterable[str] | None = None, tag_id: int | None = None,
    page: int = 1, per_page: int = 20, also: Iterable[str] = (),
) -> Prepared:  # fmt: skip
    """The words, the user's access terms and, with the cache on, the index's version folded
    into the cache key: one round trip with the providers' queries and the caller's `also`
    statements (without parameters; see `_together`), whose rows come back in `also`."""
    words = text.terms(query)
    also = list(also)
    caching = bool(words) and settings.NEARPEER_SEARCH_CACHE_SECONDS > 0
    statements = [*also, *([VERSION_SQL] if caching else [])]
    if words:
        held, found = _access_and(user, kinds, statements)
    else:
        held, found = [], _together([(sql, []) for sql in statements]) if statements else []
    key = None
    version = found[len(also)] if caching else []
    if held and version:
        key = _cache_key(
            version[0][0], held, words, text.title_key(query), sorted(kinds or ()), tag_id,
            page, per_page,
        )  # fmt: skip
    return Prepared(query, words, held, tag_id, page, per_page, key, tuple(found[: len(also)]))


def cached(key: str | None, build: Callable[[], T]) -> T:
    """`build()`'s value, kept under `key` (see `prepare`) for NEARPEER_SEARCH_CACHE_SECONDS;
    without a key, built every time. Anything built from a prepared search's page (the page
    itself, its HTML) may be kept under its key plus a suffix for what else it depends on."""
    if key is None:
        return build()
    found = shared_cache.get(key)
    if found is None:
        found = build()
        shared_cache.set(key, found, settings.NEARPEER_SEARCH_CACHE_SECONDS)
    return found


def run(prepared: Prepared, *, snippets: bool = True) -> Page:
    """The page of a prepared search, from the database (no cache); without snippets (every
    result's `snippet` empty) when the caller shows none."""
    if not prepared.words or not prepared.held:
        return Page([], False, prepared.words)
    return _search(
        prepared.words, prepared.query, prepared.held, prepared.tag_id, prepared.page,
        prepared.per_page, snippets=snippets,
    )  # fmt: skip


def search(
    user, query: str, *, kinds: Iterable[str] | None = None, tag_id: int | None = None,
    page: int = 1, per_page: int = 20,
) -> Page:  # fmt: skip
    """Ranked results the user may open: an exact (folded) title match first, then documents
    whose title holds every word, then the others; within each tier by relevance (title words
    weigh more than body words). Each tier ranks at most its RANK_CANDIDATES newest matches.
    Permissions and filters are terms matched inside the full-text index; snippets are made for
    the page's rows only; no count of all matches.

    Pages are cached (NEARPEER_SEARCH_CACHE_SECONDS) under the index's version token and the
    user's access terms, so a change to the index or to what the user may open is seen by the
    next search, and members who may open the same things share cached pages."""
    prepared = prepare(user, query, kinds=kinds, tag_id=tag_id, page=page, per_page=per_page)
    return cached(prepared.key, lambda: run(prepared))


def _search(
    words: list[str], query: str, held: list[str], tag_id: int | None, page: int, per_page: int,
    *, snippets: bool = True,
) -> Page:  # fmt: skip
    tag = tag_term(tag_id) if tag_id else None
    key = text.title_key(query)
    skip = (max(page, 1) - 1) * per_page
    want = per_page + 1  # one more than shown: is there a next page?
    rows: list[Row]
    if is_postgres():
        pg = _Postgres(words, held, tag, key, snippets=snippets)
        rows = pg.title_tiers(want, skip)
        if len(rows) < want:
            # The page runs on into the other tier: how far in (without a count when the page
            # began in the title tiers, as it does unless the user paged past them).
            ahead = pg.count_title_tiers() if not rows and skip else skip + len(rows)
            rows += pg.other_tier(want - len(rows), max(0, skip - ahead))
    else:
        lite = _SQLite(words, held, tag, snippets=snippets)
        exact = _exact_ids(key, held, tag)
        rows = lite.rows(exact[skip : skip + want]) if skip < len(exact) else []
        skip = max(0, skip - len(exact))
        if len(rows) < want:
            got = lite.page(1, exact, want - len(rows), skip)
            if len(rows) + len(got) < want:
                # The page runs on into the other tier, which leaves out the first tier's rows:
                # all of them on this page when it began there, else read again.
                ranked = [r[0] for r in got] if not skip else lite.candidates(1, exact)
                skip = max(0, skip - len(ranked))
                got += lite.page(2, exact + ranked, want - len(rows) - len(got), skip)
            rows += got
    has_next = len(rows) > per_page
    all_providers = providers()
    # PostgreSQL gives an excerpt, highlighted here for the rows shown only (not the one past
    # the page); SQLite gives FTS5's snippet, already marked.
    mark = (lambda raw: text.highlight(raw, words)) if is_postgres() else (lambda raw: raw)
    results = [
        Result(
            kind=kind,
            label=all_providers[kind].label,
            object_id=int(object_id),
            title=title,
            subkind=subkind,
            url=result_url(kind, int(object_id)),
            snippet=text.render_snippet(mark(snippet)) if snippet else "",
        )
        for _, kind, object_id, title, subkind, snippet in rows[:per_page]
    ]
    return Page(results, has_next, words)
