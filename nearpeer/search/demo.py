"""Demo data: index everything the other apps' demo seeds created (some with bulk_create, which
sends no signals). Runs after them: `search` comes after the providing apps in INSTALLED_APPS."""

from . import index


def seed(*, rng, stdout) -> None:
    counts = index.rebuild()
    stdout.write("Search index: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
