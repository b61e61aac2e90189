"""`nearpeer osce rotation IN.json -o OUT.json` (format: docs/osce.md).

`nearpeer.cli` runs this subcommand without loading Django (nearpeer/osce/cli.py); this
management command is the same code for `manage.py`-style use and `nearpeer help osce`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nearpeer.osce import cli, rotation


class Command(BaseCommand):
    help = "Mock OSCE tools. Subcommands: rotation."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rot = sub.add_parser("rotation", help="Build the rotation with the fewest rounds.")
        rot.add_argument("input", help="input JSON file (see docs/osce.md)")
        rot.add_argument("-o", "--output", required=True, help="output file, or - for stdout")
        rot.add_argument("--time-limit", type=float, default=rotation.DEFAULT_TIME_LIMIT_S)

    def handle(self, *args, action, **options):
        try:
            text, summary = cli.run(options["input"], options["output"], options["time_limit"])
        except cli.Failure as exc:
            raise CommandError(str(exc), returncode=exc.code) from exc
        if options["output"] == "-":
            self.stdout.write(text, ending="")
        else:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"{summary} → {options['output']}")
