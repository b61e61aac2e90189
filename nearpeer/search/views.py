from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import index
from .forms import SearchForm


@require_GET
def results(request):
    """The search page; with HTMX (typing in the header box or this page's box) only the
    results. Without JavaScript the forms submit here as ordinary GETs."""
    form = SearchForm(request.GET or None)
    page = None
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        page = index.search(
            request.user,
            data["q"],
            kinds=[data["kind"]] if data["kind"] else None,
            tag_id=data["tag"].pk if data["tag"] else None,
            page=data["page"] or 1,
            per_page=index.PER_PAGE,
        )
    page_number = (form.cleaned_data.get("page") if form.is_valid() else None) or 1
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "page_number": page_number,
        "first_number": (page_number - 1) * index.PER_PAGE + 1,
        "query": query.urlencode(),
        "q": form.cleaned_data.get("q", "") if form.is_valid() else "",
        "compact": request.GET.get("from") == "header",
    }
    template = "search/results.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, template, context, status=status)
