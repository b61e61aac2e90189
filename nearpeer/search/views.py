import dataclasses
import hashlib
from functools import lru_cache
from html import escape

from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from nearpeer.core.frames import framed
from nearpeer.questions.models import Tag

from . import index, text
from .forms import SearchForm, quick_clean


@require_GET
def results(request):
    """The search page; with HTMX (typing in the header box or this page's box) only the
    results. Without JavaScript the forms submit here as ordinary GETs. The results' HTML is
    cached with the page of results it shows (`index.prepare`: the index's version and the
    searcher's access terms are in the key), plus what else it shows (the query string)."""
    data = quick_clean(request.GET)
    form = None  # built only to word errors (quick_clean: the plain requests need none)
    if data is None:
        form = SearchForm(request.GET)
        data = form.cleaned_data if form.is_valid() else {}
    page_number = data.get("page") or 1
    query = request.GET.copy()
    query.pop("page", None)
    q = data["q"] if data else request.GET.get("q", "")[: text.MAX_QUERY_LENGTH]
    compact = request.GET.get("from") == "header"
    context = {
        "q": q,
        "compact": compact,
        "page": None,
        "page_number": page_number,
        "first_number": (page_number - 1) * index.PER_PAGE + 1,
        "query": query.urlencode(),
    }
    whole_page = not (request.htmx and not request.htmx.boosted)
    tags = None
    if data.get("q"):
        prepared = index.prepare(
            request.user,
            data["q"],
            kinds=[data["kind"]] if data["kind"] else None,
            tag_id=data["tag"],
            page=page_number,
            per_page=index.PER_PAGE,
            # The tag filter's options, read in the same round trip as the search's own.
            also=[TAGS_SQL] if whole_page else [],
        )
        tags = [(pk, name) for pk, _, name in prepared.also[0]] if whole_page else None
        if tags is not None and data["tag"] and all(pk != data["tag"] for pk, _ in tags):
            if form is None:
                form = SearchForm(request.GET)
                form.is_valid()
            # ModelChoiceField's message, as before the tag became a plain id.
            form.add_error("tag", "Select a valid choice. That choice is not one of the "
                           "available choices.")  # fmt: skip
            prepared = dataclasses.replace(prepared, words=[], key=None)  # nothing to find

        def draw() -> str:
            context["page"] = index.run(prepared, snippets=not compact)
            context["items"] = _items(context["page"].results, compact=compact)
            return render_to_string("search/_results.html", context)

        shown = repr((compact, context["query"])).encode()
        key = prepared.key and f"{prepared.key}:html:{hashlib.sha256(shown).hexdigest()}"
        results_html = index.cached(key, draw)
    else:
        results_html = render_to_string("search/_results.html", context)
    status = 400 if form is not None and not form.is_valid() else 200
    if not whole_page:
        return HttpResponse(results_html, status=status)
    context |= {
        "form": form,
        "results_html": results_html,
        # The filters are written out here (Django's widget templates cost more than the search
        # itself); the tags are read only when the whole page is drawn.
        "kind_options": _options(SearchForm.base_fields["kind"].choices, data.get("kind", "")),
        "tag_options": _options(_tags() if tags is None else tags, data.get("tag")),
    }
    return framed(
        request,
        title=f"Search: {q}" if q else "Search",
        content=lambda: render_to_string("search/_page.html", context),
        status=status,
    ) or render(request, "search/results.html", context, status=status)


# The tag filter's choices in `index.prepare`'s shape (see index._together).
TAGS_SQL = (
    "SELECT id, CAST(NULL AS BIGINT), name, row_number() OVER (ORDER BY kind, name) "  # noqa: S608
    f"FROM {Tag._meta.db_table}"
)


def _tags() -> list[tuple[int, str]]:
    """The tag filter's choices, read with plain SQL: the ORM's compilation cost more than the
    query on this page."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, name FROM {Tag._meta.db_table} ORDER BY kind, name"  # noqa: S608
        )
        return cursor.fetchall()


def _options(choices, selected) -> str:
    """A select's options as one string of escaped values and labels: a template loop (or
    format_html per option) cost more than the search itself. Kept per process for the last
    few (choices, selected): the tags and kinds seldom change."""
    return _options_html(tuple(choices), selected)


@lru_cache(maxsize=256)
def _options_html(choices: tuple, selected) -> str:
    return mark_safe(  # noqa: S308 - every value and label escaped here
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if value == selected else ""}>'
            f"{escape(str(label))}</option>"
            for value, label in choices
        )
    )


def _items(results: list[index.Result], *, compact: bool) -> str:
    """The results' list items, every text escaped (the snippet is already safe HTML:
    `text.render_snippet`)."""
    parts = []
    for r in results:
        badge = escape(r.kind[:1].upper() + r.kind[1:]) + (
            f" · {escape(r.subkind)}" if r.subkind else ""
        )
        snippet = f'<p class="snippet">{r.snippet}</p>' if r.snippet and not compact else ""
        parts.append(
            f'<li class="search-result"><a href="{escape(r.url)}">{escape(r.title)}</a> '
            f'<span class="badge">{badge}</span>{snippet}</li>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - escaped above
