"""Benchmark: the grouped descriptive report over 10,000 responses × 40 questions.

Standalone: uses its own temporary SQLite database unless DATABASE_URL is set.

    /work/main/.venv/bin/python bench/evaluation.py [--responses 10000] [--runs 5]

Prints the time of the whole report (database read + statistics) and of its two parts, against the
target of 3 s, then the first lines of the report's CSV.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _summary import record  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="Keep the seeded survey for a rerun.")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    if not os.environ.get("DATABASE_URL"):
        os.environ["NEARPEER_VAR_DIR"] = tmp.name
    os.environ.setdefault("NEARPEER_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nearpeer.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from nearpeer.evaluation.models import Answer, Question, Response, Survey

    call_command("migrate", verbosity=0)
    survey = Survey.objects.filter(slug="bench").first() if args.keep else None
    if survey is not None:
        return measure(survey, args)
    Survey.objects.filter(slug="bench").delete()
    survey = Survey.objects.create(title="Benchmark", slug="bench")
    rng = random.Random(1)
    kinds = ["single"] * 5 + ["multi"] * 3 + ["likert"] * 30 + ["text"] * 2
    questions = []
    for i, kind in enumerate(kinds, start=1):
        options = {"single": ["1", "2", "3", "4", "5", "6"], "multi": ["a", "b", "c", "d"]}.get(
            kind, []
        )
        if kind == "likert":
            options = ["1", "2", "3", "4", "5"]
        questions.append(
            Question(
                survey=survey,
                qid=f"Q{i}",
                text=f"Question {i}",
                kind=kind,
                options=options,
                position=i,
            )
        )
    Question.objects.bulk_create(questions)
    questions = list(survey.questions.all())
    started = time.perf_counter()
    responses = [Response(survey=survey) for _ in range(args.responses)]
    Response.objects.bulk_create(responses, batch_size=5000)
    answers = []
    for response in responses:
        for q in questions:
            if rng.random() < 0.05:
                continue
            if q.kind == "multi":
                answers += [
                    Answer(response=response, question=q, value=o)
                    for o in q.options
                    if rng.random() < 0.4
                ]
            elif q.kind == "text":
                answers.append(
                    Answer(response=response, question=q, value="Some words about the year.")
                )
            else:
                answers.append(Answer(response=response, question=q, value=rng.choice(q.options)))
        if len(answers) > 50_000:
            Answer.objects.bulk_create(answers, batch_size=5000)
            answers = []
    Answer.objects.bulk_create(answers, batch_size=5000)
    print(f"seeded in {time.perf_counter() - started:.1f} s")
    measure(survey, args)
    if not args.keep:
        Survey.objects.filter(slug="bench").delete()
    tmp.cleanup()


def measure(survey, args) -> None:
    from django.db import connection

    from nearpeer.evaluation import exports, services
    from nearpeer.evaluation.models import Answer
    from nearpeer.evaluation.stats import grouped_report

    questions = list(survey.questions.all())
    groups = services.parse_groups(
        [
            "All=",
            "Pre-clinical=Q1:1|2",
            "Clinical=Q1:3|4|5|6",
            "Teachers=Q2:1",
            "Small=Q1:1&Q2:6&Q3:1",
        ]
    )
    n_answers = Answer.objects.filter(response__survey=survey).count()
    print(
        f"{connection.vendor}: {args.responses} responses × {len(questions)} questions, "
        f"{n_answers} answer rows"
    )

    from django.core.cache import cache

    totals, reads, computes, warm = [], [], [], []
    for _ in range(args.runs):
        cache.clear()
        t0 = time.perf_counter()
        specs, frame = services.answers_frame(survey)
        t1 = time.perf_counter()
        grouped_report(questions=specs, answers=frame, groups=groups, min_group_size=5)
        t2 = time.perf_counter()
        report = services.survey_report(survey=survey, groups=groups)
        t3 = time.perf_counter()
        services.survey_report(survey=survey, groups=groups)
        warm.append(time.perf_counter() - t3)
        reads.append(t1 - t0)
        computes.append(t2 - t1)
        totals.append(t3 - t2)
    target = 3.0
    med = statistics.median(totals)
    print(
        f"grouped report, cold cache (5 groups, read + statistics): median {med:.2f} s, "
        f"max {max(totals):.2f} s over {args.runs} runs; "
        f"target < {target:.0f} s: {'OK' if med < target else 'MISSED'}"
    )
    print(
        f"  of which database read to DataFrame: median {statistics.median(reads):.2f} s; "
        f"statistics: median {statistics.median(computes):.2f} s"
    )
    record(
        "evaluation",
        "grouped report, 10k responses, cold cache",
        f"median {med:.2f} s",
        f"< {target:.0f} s",
        med < target,
    )
    print(
        f"  same report again (cached, as for the page's chart images): "
        f"median {statistics.median(warm):.3f} s"
    )
    t4 = time.perf_counter()
    content = exports.report_csv(report)
    lines = content.decode().splitlines()
    print(f"  CSV export of {len(lines)} lines: {time.perf_counter() - t4:.2f} s")
    print("first lines of the report:")
    for line in lines[:8]:
        print("  " + line)


if __name__ == "__main__":
    main()
