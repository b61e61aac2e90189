from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "nearpeer.library"
    label = "library"
    verbose_name = "Resource library"

    def ready(self) -> None:
        from nearpeer.core.cache import bump_on_writes

        from .models import Resource

        # The session page's cached resources (templatetags/library_tags.py). Counters updated
        # through update() (views, downloads) show nowhere cached and bump nothing.
        bump_on_writes("library", Resource)
