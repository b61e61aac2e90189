from functools import lru_cache

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from nearpeer.core.csrf import masked_token
from nearpeer.members import permissions


@lru_cache(maxsize=64)
def _nav_links(urlconf: str, prefix: str, teach: bool, committee: bool, evaluate: bool) -> str:
    # The links depend only on the URLconf, the script prefix and these roles: rendered once
    # per process for each combination instead of reversing a dozen URLs on every page.
    can = {"teach": teach, "committee": committee, "evaluate": evaluate}
    return render_to_string("core/_nav_links.html", {"can": can})


SITE_URLS = {
    "home": "teaching:home",
    "login": "members:login",
    "profile": "members:profile",
    "logout": "members:logout",
    "privacy": "members:privacy",
    "help": "core:help",
}


@lru_cache(maxsize=8)
def _site_urls(urlconf: str, prefix: str) -> dict[str, str]:
    return {key: reverse(name) for key, name in SITE_URLS.items()}


def site_urls() -> dict[str, str]:
    """The addresses every page's header and footer link to, reversed once per process."""
    return _site_urls(str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix())


@lru_cache(maxsize=8)
def _head_links(static_url: str) -> str:
    return render_to_string("_head_links.html")


def head_links() -> SafeString:
    """Every page's stylesheet, icons and scripts (their hashed static addresses), rendered
    once per process."""
    return mark_safe(_head_links(str(settings.STATIC_URL)))  # noqa: S308 (our template)


@lru_cache(maxsize=8)
def _header_search(urlconf: str, prefix: str) -> str:
    return render_to_string(HEADER_SEARCH)


HEADER_SEARCH = "search/_header_search.html"


def header_search(request) -> SafeString:
    """The header's search box: the same on every page unless the address holds a search
    (`q`), so rendered once per process for the empty box (its two reversed addresses were a
    tenth of a page's rendering); a query (`q`) is written, escaped, into that box's empty
    value (rendering the template again with the request cost a tenth of a search page)."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    html = _header_search(str(urlconf), get_script_prefix())
    q = request.GET.get("q") if request is not None else None
    if q:
        if html.count(EMPTY_VALUE) != 1:  # the template changed: render it with the request
            return mark_safe(render_to_string(HEADER_SEARCH, {"request": request}))  # noqa: S308
        html = html.replace(EMPTY_VALUE, f' value="{escape(q)}"', 1)
    return mark_safe(html)  # noqa: S308 - our template; the query escaped


EMPTY_VALUE = ' value=""'


def nav_links(can: dict) -> SafeString:
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    html = _nav_links(
        str(urlconf), get_script_prefix(), can["teach"], can["committee"], can["evaluate"]
    )
    return mark_safe(html)  # noqa: S308 (our template, no user data)


def viewer_can(user) -> dict[str, bool]:
    """What the menu and pages ask of the viewer's roles (the context's `can`)."""
    return {
        "teach": permissions.is_teacher(user),
        "committee": permissions.is_committee(user),
        "faculty": permissions.is_faculty(user),
        "evaluate": permissions.is_evaluation_lead(user),
    }


def nearpeer(request) -> dict:
    # Plain values, not lazy ones: each is a lookup in a per-process cache, cheaper than the
    # template engine's attribute probes through a SimpleLazyObject (an AttributeError raised
    # and caught for each), which cost more than the values on every page.
    can = viewer_can(getattr(request, "user", None))
    return {
        "society_name": settings.NEARPEER_SOCIETY_NAME,
        "can": can,
        "nav_links": nav_links(can),
        "site_urls": site_urls(),
        "head_links": head_links(),
        "header_search": header_search(request),
        # In place of Django's lazy token (its built-in context processor runs before this).
        "csrf_token": masked_token(request),
    }
