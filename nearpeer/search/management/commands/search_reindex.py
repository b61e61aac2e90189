"""`nearpeer search_reindex`: rebuild the whole search index from the providers (after an
upgrade, a restore, or bulk changes made without saving objects one by one)."""

from django.core.management.base import BaseCommand

from nearpeer.search import index


class Command(BaseCommand):
    help = "Rebuild the site-wide search index from every app's providers."

    def handle(self, *args, **options):
        for kind, count in index.rebuild().items():
            self.stdout.write(f"{kind}: {count} indexed")
