"""Home panels: what is next for a member across the society, on one page.

The teaching app owns the home page but must not import the apps built on it, so those apps
contribute instead: an optional module `nearpeer.<app>.home` with
`def panels(request) -> list[Panel]`. A panel is a small template partial plus its context;
each app keeps its panels to a fixed, small number of queries whatever the number of items,
and returns no panel when it has nothing to say to this member.

An app whose panels read cached fragments (nearpeer.core.cache.fragment) names them in
`def fragments(request) -> list[spec]` beside `panels`: the home page reads them all with its
own in one round trip (`panel_fragments`, then `home_panels` inside `core.cache.reusing`).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

from django.http import HttpRequest

from .hooks import app_modules


@dataclass(frozen=True)
class Panel:
    """`template` is rendered in the home page with `panel` bound to `context`."""

    template: str
    context: Mapping = field(default_factory=dict)


@cache
def _providers() -> tuple[Callable[[HttpRequest], list[Panel]], ...]:
    # Looked up once per process: a missing module costs a file-system search each time.
    return tuple(module.panels for _, module in app_modules("home"))


@cache
def _fragment_namers() -> tuple[Callable[[HttpRequest], list[tuple]], ...]:
    return tuple(
        module.fragments for _, module in app_modules("home") if hasattr(module, "fragments")
    )


def panel_fragments(request: HttpRequest) -> list[tuple]:
    """The fragment specs (key, topics, build) every app's panels will read for this member."""
    return [spec for namer in _fragment_namers() for spec in namer(request)]


def home_panels(request: HttpRequest) -> list[Panel]:
    """Every app's panels for this member, in INSTALLED_APPS order."""
    return [panel for provider in _providers() for panel in provider(request)]
