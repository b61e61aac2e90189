from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "nearpeer.search"
    label = "search"
    verbose_name = "Site-wide search"

    def ready(self) -> None:
        # Providers name the models whose changes re-index them; connect those signals here, so
        # the owning apps never call the search app.
        from . import index

        index.connect_signals()
