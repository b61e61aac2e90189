"""A page's frame (base.html around its content), rendered once per process for each kind of
viewer and filled in per request.

Rendering base.html costs a page a third of a millisecond or more (the context processors,
`{% extends %}` collecting the parent's blocks, some forty nodes), for HTML that is the same
for every viewer of one kind except for a few values. `framed` renders the frame once per
process for each kind of viewer (signed in or not, the roles the menu shows, the URLconf, the
static address), with marked holes where a request's own values go (the title, the content,
the CSRF token, the viewer's name, the header's search box), and fills the holes by joining
strings. A request with messages to show is not framed (the caller renders its template as
before); so is a page that needs a block of base.html other than the title and the content.
tests/test_frames.py checks that a framed page is the page its template renders."""

import re
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import escape
from django.utils.safestring import mark_safe

from nearpeer.core import context_processors
from nearpeer.core.csrf import masked_token

# Private-use characters: never in a template, and left alone by escaping.
_HOLE = "\ue000{}\ue000"
_HOLES = re.compile("\ue000([a-z]+)\ue000")


class _SignedIn:
    is_authenticated = True

    def get_short_name(self) -> str:
        return _HOLE.format("name")


class _SignedOut:
    is_authenticated = False


@lru_cache(maxsize=64)
def _frame(
    urlconf: str, prefix: str, static_url: str, society: str, signed_in: bool, can: tuple
) -> tuple[list[str], list[str]]:
    """The frame cut at its holes: text, hole, text, …; returned as (texts, holes), one more
    text than holes."""
    roles = dict(can)
    html = render_to_string(
        "core/_frame.html",
        {
            "society_name": society,
            "can": roles,
            "nav_links": context_processors.nav_links(roles),
            "site_urls": context_processors.site_urls(),
            "head_links": context_processors.head_links(),
            "header_search": mark_safe(_HOLE.format("search")),  # noqa: S308 - our marker
            "csrf_token": _HOLE.format("csrf"),
            "user": _SignedIn() if signed_in else _SignedOut(),
            "messages": (),
            "title_hole": mark_safe(_HOLE.format("title")),  # noqa: S308 - our marker
            "content_hole": mark_safe(_HOLE.format("content")),  # noqa: S308 - our marker
        },
    )
    parts = _HOLES.split(html)
    return parts[0::2], parts[1::2]


def framed(
    request, *, title: str, content: Callable[[], str], status: int = 200
) -> HttpResponse | None:
    """The page: `title` (plain text, escaped here) and `content()` (safe HTML) in the frame
    for this viewer; None when the request has messages to show (render the template then)."""
    if get_messages(request):
        return None
    user = request.user
    signed_in = bool(user.is_authenticated)
    can = tuple(context_processors.viewer_can(user).items())
    texts, holes = _frame(
        str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix(),
        str(settings.STATIC_URL), settings.NEARPEER_SOCIETY_NAME, signed_in, can,
    )  # fmt: skip
    values = {
        "title": escape(title),
        "content": content(),
        "csrf": str(masked_token(request)),
        "name": escape(user.get_short_name()) if signed_in else "",
        "search": context_processors.header_search(request),
    }
    parts = [texts[0]]
    for hole, text in zip(holes, texts[1:], strict=True):
        parts += (values[hole], text)
    return HttpResponse("".join(parts), status=status)
