from django.core.management.base import BaseCommand

from nearpeer.anonymity import store
from nearpeer.anonymity.models import PendingAnswer


class Command(BaseCommand):
    help = (
        "Flush every scope's pending answers to its sink (before rotating "
        "NEARPEER_ANONYMITY_KEY: sealed answers do not open with a new key)."
    )

    def handle(self, *args, **options):
        scopes = sorted(set(PendingAnswer.objects.values_list("scope", flat=True)))
        total = sum(store.close(scope=scope) for scope in scopes)
        self.stdout.write(f"Flushed {total} pending answers in {len(scopes)} scopes.")
