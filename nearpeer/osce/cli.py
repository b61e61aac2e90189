"""`nearpeer osce rotation IN.json -o OUT.json` without Django: the rotation is a pure
computation, so it runs without settings, a database or a SECRET_KEY (docs/osce.md).

Exit codes: 0 written; 1 bad input (the message names the entry); 2 a rule cannot hold (the
message says which) or no answer within the time limit."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import rotation

MAX_INPUT_BYTES = 5 * 1024 * 1024
EXIT_BAD_INPUT = 1
EXIT_RULE = 2


class Failure(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nearpeer osce rotation",
        description="Build the mock OSCE rotation with the fewest rounds (see docs/osce.md).",
    )
    p.add_argument("input", help="input JSON file")
    p.add_argument("-o", "--output", required=True, help="output JSON file, or - for stdout")
    p.add_argument(
        "--time-limit",
        type=float,
        default=rotation.DEFAULT_TIME_LIMIT_S,
        help="seconds for the solver (default %(default)s)",
    )
    return p


def run(input_path: str, output_path: str, time_limit: float) -> tuple[str, str]:
    """Returns (output text, summary); raises Failure."""
    path = Path(input_path)
    if not path.is_file():
        raise Failure(f"{input_path}: no such file", EXIT_BAD_INPUT)
    if path.stat().st_size > MAX_INPUT_BYTES:
        raise Failure(f"{input_path}: larger than {MAX_INPUT_BYTES // 2**20} MB", EXIT_BAD_INPUT)
    if not time_limit > 0:
        raise Failure("--time-limit must be positive", EXIT_BAD_INPUT)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Failure(f"{input_path}: not valid JSON ({exc})", EXIT_BAD_INPUT) from exc
    try:
        result = rotation.solve_json(data, time_limit_s=time_limit)
    except rotation.InputError as exc:
        raise Failure(f"{input_path}: {exc}", EXIT_BAD_INPUT) from exc
    except rotation.RuleError as exc:
        raise Failure(f"impossible: {exc}", EXIT_RULE) from exc
    except TimeoutError as exc:
        raise Failure(f"no answer within {time_limit:g} s; raise --time-limit", EXIT_RULE) from exc
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    summary = (
        f"{len(data['candidates'])} candidates in {len(result['runs'])} run(s), "
        f"{result['rounds_total']} rounds in total"
    )
    return text, summary


def rotation_main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        text, summary = run(args.input, args.output, args.time_limit)
    except Failure as exc:
        print(f"CommandError: {exc}", file=sys.stderr)
        return exc.code
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"{summary} → {args.output}", file=sys.stderr)
    return 0
