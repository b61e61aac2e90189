from django.shortcuts import render
from django.utils.html import format_html_join
from django.views.decorators.http import require_GET

from nearpeer.questions.models import Tag

from . import index
from .forms import SearchForm


@require_GET
def results(request):
    """The search page; with HTMX (typing in the header box or this page's box) only the
    results. Without JavaScript the forms submit here as ordinary GETs."""
    form = SearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    page = None
    if data.get("q"):
        page = index.search(
            request.user,
            data["q"],
            kinds=[data["kind"]] if data["kind"] else None,
            tag_id=data["tag"].pk if data["tag"] else None,
            page=data["page"] or 1,
            per_page=index.PER_PAGE,
        )
    page_number = data.get("page") or 1
    query = request.GET.copy()
    query.pop("page", None)
    full_page = not (request.htmx and not request.htmx.boosted)
    context = {
        "form": form,
        "page": page,
        "page_number": page_number,
        "first_number": (page_number - 1) * index.PER_PAGE + 1,
        "query": query.urlencode(),
        "q": data["q"] if data else request.GET.get("q", "")[: form.fields["q"].max_length],
        "compact": request.GET.get("from") == "header",
        # The filters are written out in the template (Django's widget templates cost more
        # than the search itself); the tags are read only when the whole page is drawn.
        "kind_choices": form.fields["kind"].choices,
        "kind": data.get("kind", ""),
        "tag_id": data["tag"].pk if data.get("tag") else None,
        "tag_options": _tag_options(data["tag"].pk if data.get("tag") else None)
        if full_page
        else "",
    }
    template = "search/results.html" if full_page else "search/results.html#results"
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, template, context, status=status)


def _tag_options(selected: int | None) -> str:
    """The tag filter's options as one string: a template loop over tag objects cost more than
    the search itself on a short page."""
    rows = Tag.objects.order_by("kind", "name").values_list("pk", "name")
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((str(pk), " selected" if pk == selected else "", name) for pk, name in rows),
    )
