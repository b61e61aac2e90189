"""Markdown to safe HTML for everything members write. No Django import.

markdown-it-py renders CommonMark with raw HTML disabled (typed HTML comes out as text), then nh3
cleans the result against an allow-list, so a payload that slips through one layer is stopped by
the other.
"""

import functools

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a", "sub", "sup",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


@functools.lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Sanitised HTML for member-written Markdown. Headings shift down to h3 and below, so a
    question never breaks the page's heading order."""
    html = _md.render(text or "")
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


@functools.lru_cache(maxsize=8192)
def render_inline(text: str) -> str:
    """An option or a short line: Markdown without the wrapping paragraph."""
    html = render_markdown(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
