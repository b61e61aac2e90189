"""`nearpeer osce rotation IN.json -o OUT.json` (format: docs/osce.md)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nearpeer.osce import rotation

MAX_INPUT_BYTES = 5 * 1024 * 1024
EXIT_BAD_INPUT = 1
EXIT_RULE = 2


class Command(BaseCommand):
    help = "Mock OSCE tools. Subcommands: rotation."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rot = sub.add_parser(
            "rotation",
            help="Build the mock OSCE rotation with the fewest rounds (see docs/osce.md).",
        )
        rot.add_argument("input", help="input JSON file (see docs/osce.md)")
        rot.add_argument(
            "-o", "--output", required=True, help="output JSON file, or - for standard output"
        )
        rot.add_argument(
            "--time-limit",
            type=float,
            default=rotation.DEFAULT_TIME_LIMIT_S,
            help="seconds for the solver (default %(default)s)",
        )

    def handle(self, *args, action, **options):
        if action == "rotation":
            self.rotation(options["input"], options["output"], options["time_limit"])

    def rotation(self, input_path: str, output_path: str, time_limit: float) -> None:
        path = Path(input_path)
        if not path.is_file():
            raise CommandError(f"{input_path}: no such file", returncode=EXIT_BAD_INPUT)
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise CommandError(
                f"{input_path}: larger than {MAX_INPUT_BYTES // 2**20} MB",
                returncode=EXIT_BAD_INPUT,
            )
        if time_limit <= 0:
            raise CommandError("--time-limit must be positive", returncode=EXIT_BAD_INPUT)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(
                f"{input_path}: not valid JSON ({exc})", returncode=EXIT_BAD_INPUT
            ) from exc
        try:
            result = rotation.solve_json(data, time_limit_s=time_limit)
        except rotation.InputError as exc:
            raise CommandError(f"{input_path}: {exc}", returncode=EXIT_BAD_INPUT) from exc
        except rotation.RuleError as exc:
            raise CommandError(f"impossible: {exc}", returncode=EXIT_RULE) from exc
        except TimeoutError as exc:
            raise CommandError(
                f"no answer within {time_limit:g} s; raise --time-limit", returncode=EXIT_RULE
            ) from exc
        text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
        if output_path == "-":
            self.stdout.write(text, ending="")
        else:
            Path(output_path).write_text(text, encoding="utf-8")
            self.stderr.write(
                f"{len(data['candidates'])} candidates in {len(result['runs'])} run(s), "
                f"{result['rounds_total']} rounds in total → {output_path}"
            )
