"""Seed the demo society. Idempotent: a second run changes nothing.

Each app contributes through an optional `nearpeer.<app>.demo.seed(*, rng, stdout)` function,
called in INSTALLED_APPS order (members before teaching before the rest).
"""

import importlib
import random

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create the demo society (members, teachers, a term of teaching, …) if it is not there."

    def handle(self, *args, **options):
        rng = random.Random(2026)  # the same demo every time
        for app in settings.INSTALLED_APPS:
            if not app.startswith("nearpeer."):
                continue
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            with transaction.atomic():
                module.seed(rng=rng, stdout=self.stdout)
