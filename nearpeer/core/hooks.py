"""Finding the optional per-app modules through which apps contribute to shared features
(`demo` for seed_demo, `privacy` for data download and erasure, `home` for the home page,
`session_page` for what other apps show on a session's page)."""

import importlib
from collections.abc import Iterator
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> Iterator[tuple[str, ModuleType]]:
    """Yield (app label, module) for every Nearpeer app that has a module `<app>.<name>`, in
    INSTALLED_APPS order. Apps without one are skipped; an import error raised inside an
    existing module is not hidden."""
    for app in apps.get_app_configs():
        if not app.name.startswith("nearpeer."):
            continue
        try:
            module = importlib.import_module(f"{app.name}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app.name}.{name}":
                raise
            continue
        yield app.label, module
