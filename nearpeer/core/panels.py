"""Home panels: what is next for a member across the society, on one page.

The teaching app owns the home page but must not import the apps built on it, so those apps
contribute instead: an optional module `nearpeer.<app>.home` with
`def panels(request) -> list[Panel]`. A panel is a small template partial plus its context;
each app keeps its panels to a fixed, small number of queries whatever the number of items,
and returns no panel when it has nothing to say to this member.
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


def home_panels(request: HttpRequest) -> list[Panel]:
    """Every app's panels for this member, in INSTALLED_APPS order."""
    return [panel for provider in _providers() for panel in provider(request)]
