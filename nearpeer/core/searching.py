"""The site-wide search's provider interface: the types an app's `<app>/search.py` hook module
uses, kept in core so that an app lower than `nearpeer.search` can offer things to search without
importing it (see docs/library.md, "Search").

An app's hook module exposes `PROVIDERS`, a list of `SearchProvider` subclasses' instances. The
search app keeps one row per searchable object in its own index table (`search.Document`), filled
from `entries()`, and asks `reach(user)` which groups of readers the user belongs to; each
document carries the groups that may open it as terms of the full-text index, so permission
filtering happens inside the index itself, before ranking and pagination.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# Who may open an indexed object, the default group of an entry.
EVERYONE = "everyone"  # every signed-in member
TEACHERS = "teachers"  # student-teachers, committee and faculty


@dataclass(frozen=True)
class IndexEntry:
    """One searchable object as the index stores it. Only objects that some member may open
    are indexed (drafts are not): an unpublished object is simply absent."""

    object_id: int
    title: str
    body: str = ""  # plain text; it is never rendered as HTML (snippets are escaped)
    audience: str = EVERYONE
    tag_ids: tuple[int, ...] = ()  # question-bank tags, for the tag filter
    subkind: str = ""  # e.g. a resource's kind ("guide"), shown beside the result
    # Who may open it, as group names (letters and digits), any of which suffices, e.g.
    # ("year2", "year3", "staff"); empty means (audience,).
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reach:
    """What one user may open among a provider's documents: those of any of these groups, and
    these objects besides (e.g. invite-only sessions the user holds a place in)."""

    groups: frozenset[str]
    object_ids: frozenset[int] = frozenset()


@dataclass
class SearchProvider:
    """Base class of a provider: one kind of searchable object.

    Subclasses set `kind` (a short stable word: "resource"), `label` (plural, for the filter),
    and implement `entries`, `reach` and `url`. `watch` maps a model class to a function giving,
    for a saved or deleted instance of it, the ids of this provider's objects to re-index; the
    search app connects the signals, so the owning app never calls the search app. A watched
    many-to-many through model (e.g. `Resource.tags.through`) re-indexes the changed `model` rows.
    """

    kind: str = ""
    label: str = ""
    model: type | None = None  # the model whose pk is `object_id`
    watch: dict[type, Callable[[object], Iterable[int]]] = field(default_factory=dict)

    def entries(self, ids: Iterable[int] | None = None) -> Iterable[IndexEntry]:
        """The index entries for these object ids (all objects when None). An id with no entry
        returned is removed from the index (e.g. a resource taken back to draft)."""
        raise NotImplementedError

    def reach(self, user) -> Reach | None:
        """The groups (and single objects) this user may open among this provider's documents;
        `None` for nothing at all. Called on every search: keep it to a query at most."""
        raise NotImplementedError

    def url(self, object_id: int) -> str:
        raise NotImplementedError
