from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "nearpeer.search"
    label = "search"
    verbose_name = "Site-wide search"

    def ready(self) -> None:
        # Providers name the models whose changes re-index them; connect those signals here, so
        # the owning apps never call the search app.
        from . import index

        index.connect_signals()
        post_migrate.connect(_rebuild_documents_without_access_terms, sender=self)


def _rebuild_documents_without_access_terms(sender, using: str = "default", **kwargs) -> None:
    """Documents indexed before migration 0003 carry no access terms, so nobody would find them;
    every document written since carries at least its own object term. Rebuilding once here
    spares an upgrade the manual `nearpeer search_reindex` step."""
    from . import index
    from .models import Document

    if Document.objects.using(using).filter(access="").exists():
        index.rebuild()
