"""`nearpeer tutorials allocate INPUT.json -o OUTPUT.json` (format: docs/allocation.md)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nearpeer.tutorials import allocation

MAX_INPUT_BYTES = 20 * 1024 * 1024


class Command(BaseCommand):
    help = "Tutorial group tools. Subcommands: allocate."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        allocate = sub.add_parser(
            "allocate",
            help="Form groups from a JSON file of slots, tutors and tutees (exact, HiGHS).",
        )
        allocate.add_argument("input", help="input JSON file (see docs/allocation.md)")
        allocate.add_argument(
            "-o", "--output", required=True, help="output JSON file, or - for standard output"
        )
        allocate.add_argument(
            "--time-limit", type=float, help="seconds; overrides time_limit_s in the input"
        )

    def handle(self, *args, action, **options):
        if action == "allocate":
            self.allocate(options["input"], options["output"], options.get("time_limit"))

    def allocate(self, input_path: str, output_path: str, time_limit: float | None) -> None:
        path = Path(input_path)
        if not path.is_file():
            raise CommandError(f"{input_path}: no such file")
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise CommandError(f"{input_path}: larger than {MAX_INPUT_BYTES // 2**20} MB")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{input_path}: not valid JSON ({exc})") from exc
        if time_limit is not None and isinstance(data, dict):
            if time_limit <= 0:
                raise CommandError("--time-limit must be positive")
            data["time_limit_s"] = time_limit
        try:
            problem = allocation.parse_problem(data)
        except allocation.InputError as exc:
            raise CommandError(f"{input_path}: {exc}") from exc
        result = allocation.solve(problem)
        text = json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
        if output_path == "-":
            self.stdout.write(text, ending="")
        else:
            Path(output_path).write_text(text, encoding="utf-8")
            status = "optimal" if result.optimal else f"gap {result.gap:.2%}"
            self.stderr.write(
                f"{result.placed} placed, {len(result.unplaced)} unplaced, "
                f"{result.friend_pairs_together} friend pairs together ({status}, "
                f"{result.seconds:.2f} s) → {output_path}"
            )
