"""`nearpeer members import FILE [--dry-run]`: add and update members from a roster CSV."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nearpeer.members.roster import MAX_BYTES, parse_roster
from nearpeer.members.services import import_roster


class Command(BaseCommand):
    help = "Manage members from the command line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        importer = sub.add_parser(
            "import", help="Import a roster CSV (email,name,year); all rows or none."
        )
        importer.add_argument(
            "file", type=Path, help="The CSV file (UTF-8, header email,name,year)."
        )
        importer.add_argument(
            "--dry-run", action="store_true", help="Check and summarise; change nothing."
        )

    def handle(self, *args, action, **options):
        path: Path = options["file"]
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                raise CommandError(f"{path}: {size:,} bytes; the limit is {MAX_BYTES:,} bytes.")
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        rows, errors = parse_roster(data)
        if errors:
            for error in errors:
                self.stderr.write(f"{path}: {error}")
            raise CommandError(f"{len(errors)} problem(s) found; nothing was imported.")
        plan = import_roster(rows=rows, by=None, dry_run=options["dry_run"])
        s = plan.summary
        verb = "Would import" if options["dry_run"] else "Imported"
        self.stdout.write(
            f"{verb} {len(rows)} row(s): {s['created']} new, {s['updated']} updated, "
            f"{s['unchanged']} unchanged."
        )
