"""Seed the demo society. Idempotent: a second run changes nothing.

Each app contributes through an optional `nearpeer.<app>.demo.seed(*, rng, stdout)` function,
called in INSTALLED_APPS order (members before teaching before the rest).
"""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from nearpeer.core.hooks import app_modules


class Command(BaseCommand):
    help = "Create the demo society (members, teachers, a term of teaching, …) if it is not there."

    def handle(self, *args, **options):
        rng = random.Random(2026)  # the same demo every time
        for _, module in app_modules("demo"):
            with transaction.atomic():
                module.seed(rng=rng, stdout=self.stdout)
