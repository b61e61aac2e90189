"""Question bank benchmark.

    /work/main/.venv/bin/python bench/questions.py            # temporary SQLite database
    DATABASE_URL=postgresql://… python bench/questions.py       # an empty PostgreSQL database

Seeds 40,000 members, 20,000 published questions, 1,000,000 attempts (25 per member) and a
review card for each member × question answered, then serves the project through gunicorn (sync
worker, as in production) and measures, one request at a time from one client:
  * "next question from my review queue" (GET /questions/queue/next/),
  * the practice page (GET /questions/<pk>/practise/),
  * a bare Django view behind the same middleware, URL conf and server, in the same run;
and prints p50/p95 and the ratio to the bare view. Finally it times item analysis of a 200-item
paper sat by 400 candidates. --scale shrinks the data for a quick try.
"""

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _django import environment, install_bare_urlconf, setup  # noqa: E402
from _summary import record  # noqa: E402

SPECIALTIES = [
    "Cardiology", "Respiratory medicine", "Gastroenterology", "Renal medicine", "Endocrinology",
    "Neurology", "Haematology", "Infectious diseases", "Pharmacology", "Anatomy", "Physiology",
    "Emergency medicine", "Paediatrics", "Obstetrics and gynaecology", "Psychiatry",
]  # fmt: skip
ATTEMPTS_PER_MEMBER = 25


def serve(port: int) -> None:
    """Run in the child process: the project (plus /bench/bare/) under gunicorn."""
    from gunicorn.app.base import BaseApplication

    class App(BaseApplication):
        def load_config(self):
            for key, value in {
                "bind": f"127.0.0.1:{port}", "workers": 1, "worker_class": "sync",
                "loglevel": "warning", "accesslog": None, "keepalive": 5,
            }.items():  # fmt: skip
                self.cfg.set(key, value)

        def load(self):
            setup("bench_questions_urls")
            install_bare_urlconf("bench_questions_urls")
            from django.core.wsgi import get_wsgi_application

            return get_wsgi_application()

    App().run()


def seed(*, members: int, questions: int, stdout) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from fsrs import Card

    from nearpeer.questions.models import Question, QuestionVersion, Tag, TagKind

    rng = random.Random(7)
    User = get_user_model()
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    users = [
        User(
            email=f"bench{n:06d}@example.ac.uk",
            name=f"Bench Member {n}",
            year=1 + n % 6,
            password="!unusable",
            date_joined=now,
        )  # fmt: skip
        for n in range(members)
    ]
    User.objects.bulk_create(users, batch_size=5000)
    user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    stdout(f"  members: {members:,} in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    tags = Tag.objects.bulk_create([Tag(kind=TagKind.SPECIALTY, name=n) for n in SPECIALTIES])
    author = user_ids[0]
    Question.objects.bulk_create(
        [
            Question(
                author_id=author,
                status="published",
                year_mask=1 << (1 + n % 6),
                created_at=now,
                updated_at=now,
            )
            for n in range(questions)
        ],  # fmt: skip
        batch_size=5000,
    )
    question_ids = list(Question.objects.order_by("pk").values_list("pk", flat=True))
    options = [{"text": f"Option {c}", "correct": c == "A"} for c in "ABCDE"]
    QuestionVersion.objects.bulk_create(
        [
            QuestionVersion(
                id=qid, question_id=qid, number=1, qtype="single", title=f"Question {qid}",
                stem=f"A 45-year-old presents with finding {qid}. What is the most likely "
                "diagnosis? **Choose one.**",
                options=options, explanation="Because the classic features point to A.",
                created_by_id=author, created_at=now,
            )
            for qid in question_ids
        ],
        batch_size=5000,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE questions_question SET latest_version_id = id, published_version_id = id"
        )
    through = Question.tags.through
    through.objects.bulk_create(
        [
            through(question_id=qid, tag_id=tags[i % len(tags)].pk)
            for i, qid in enumerate(question_ids)
        ],  # fmt: skip
        batch_size=10000,
    )
    stdout(f"  questions: {questions:,} in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    q_count = len(question_ids)
    card_state = Card().to_dict()
    attempts, cards = [], []
    postgres = connection.vendor == "postgresql"

    def stamp(value: datetime):
        return value if postgres else value.isoformat(" ")

    attempt_sql = (
        "INSERT INTO questions_attempt (member_id, question_id, version_id, selected_mask, "
        "correct, credit, confidence, source, answered_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    card_sql = (
        "INSERT INTO questions_reviewcard (member_id, question_id, state, due) "
        "VALUES (%s, %s, %s, %s)"
    )
    total = 0
    with connection.cursor() as cursor:
        # Bulk-load practice: build secondary indexes once after the load, not row by row.
        recreate = [
            sql
            for table in ("questions_attempt", "questions_reviewcard")
            for sql in _drop_secondary_indexes(cursor, table, postgres=postgres)
        ]
    with transaction.atomic(), connection.cursor() as cursor:
        for m, member_id in enumerate(user_ids):
            for k in range(ATTEMPTS_PER_MEMBER):
                qid = question_ids[(m * 7919 + k * 797) % q_count]
                right = rng.random() < 0.6
                answered = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
                attempts.append((member_id, qid, qid, 1 if right else 2, right, float(right),
                                 rng.randint(1, 3), "practice", stamp(answered)))  # fmt: skip
                due = now + timedelta(minutes=rng.randrange(-60 * 24 * 30, 60 * 24 * 30))
                cards.append((member_id, qid, json.dumps({**card_state, "due": due.isoformat()}),
                              stamp(due)))  # fmt: skip
            if len(attempts) >= 50_000 or m == len(user_ids) - 1:
                _insert(cursor, attempt_sql, attempts, postgres=postgres)
                _insert(cursor, card_sql, cards, postgres=postgres)
                total += len(attempts)
                attempts, cards = [], []
    with connection.cursor() as cursor:
        for sql in recreate:
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    stdout(f"  attempts and review cards: {total:,} each in {time.perf_counter() - t0:.1f} s")
    return {"user_ids": user_ids, "question_ids": question_ids}


def _insert(cursor, sql: str, rows: list[tuple], *, postgres: bool) -> None:
    """executemany on SQLite; COPY on PostgreSQL, where row-by-row inserts are far slower."""
    if not postgres:
        cursor.executemany(sql, rows)
        return
    table_and_columns = sql.split("INSERT INTO ", 1)[1].split(" VALUES", 1)[0]
    with cursor.cursor.copy(f"COPY {table_and_columns} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _drop_secondary_indexes(cursor, table: str, *, postgres: bool) -> list[str]:
    """Drop a table's indexes that back no constraint; return the SQL to recreate them."""
    if postgres:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint)",
            [table],
        )
    else:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [table],
        )
    rows = cursor.fetchall()
    for name, _ in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return p50 * 1000, p95 * 1000


def measure(*, port: int, cookies: list[str], question_ids: list[int], requests: int, stdout):
    import httpx

    rng = random.Random(11)
    base = f"http://127.0.0.1:{port}"
    targets = {
        "bare view": lambda: "/bench/bare/",
        "queue: next question": lambda: "/questions/queue/next/",
        "practice page": lambda: f"/questions/{rng.choice(question_ids)}/practise/",
    }
    expected = {"bare view": 200, "queue: next question": 302, "practice page": 200}
    samples = {name: [] for name in targets}
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        for url in targets.values():  # warm up
            for _ in range(10):
                client.get(url(), cookies={"sessionid": cookies[0]})
        for i in range(requests):
            cookie = {"sessionid": cookies[i % len(cookies)]}
            for name, url in targets.items():  # interleaved, so drift hits all alike
                start = time.perf_counter()
                response = client.get(url(), cookies=cookie)
                samples[name].append(time.perf_counter() - start)
                if response.status_code != expected[name]:
                    raise SystemExit(f"{name}: HTTP {response.status_code} for {response.url}")
    bare50, bare95 = _percentiles(samples["bare view"])
    stdout(f"\nHTTP, gunicorn sync worker, {requests} requests each, one client:")
    stdout(f"  {'':24} {'p50 ms':>8} {'p95 ms':>8} {'p50 ratio':>10} {'p95 ratio':>10}")
    for name in targets:
        p50, p95 = _percentiles(samples[name])
        stdout(f"  {name:24} {p50:8.2f} {p95:8.2f} {p50 / bare50:10.2f} {p95 / bare95:10.2f}")
        if name != "bare view":
            record("questions", name, f"p50 {p50:.1f} ms = {p50 / bare50:.2f}x bare view's p50")


def measure_service(*, user_ids: list[int], stdout) -> None:
    from django.contrib.auth import get_user_model

    from nearpeer.questions.services import next_due_question

    rng = random.Random(3)
    members = list(get_user_model().objects.filter(pk__in=rng.sample(user_ids, 300)))
    times = []
    for member in members:
        start = time.perf_counter()
        next_due_question(member=member)
        times.append(time.perf_counter() - start)
    p50, p95 = _percentiles(times)
    stdout(f"  service next_due_question(): p50 {p50:.2f} ms, p95 {p95:.2f} ms (in process)")


def measure_item_analysis(stdout) -> None:
    import numpy as np

    from nearpeer.questions import itemstats

    rng = np.random.default_rng(5)
    candidates, items = 400, 200
    ability = rng.normal(size=(candidates, 1))
    difficulty = rng.normal(size=(1, items))
    right = rng.random((candidates, items)) < 1 / (1 + np.exp(-(ability - difficulty)))
    wrong_choice = rng.integers(1, 5, size=(candidates, items))
    letters = "ABCDE"
    lines = ["candidate,item,response,key"]
    for c in range(candidates):
        for i in range(items):
            answer = "A" if right[c, i] else letters[wrong_choice[c, i]]
            lines.append(f"C{c},Q{i},{answer},A")
    text = "\n".join(lines) + "\n"
    start = time.perf_counter()
    responses = itemstats.read_responses_csv(text)
    parsed = time.perf_counter()
    result = itemstats.analyse(responses)
    done = time.perf_counter()
    stdout(
        f"\nItem analysis, {items} items × {candidates} candidates ({len(responses):,} responses):"
        f"\n  CSV parse and checks {parsed - start:.3f} s + statistics {done - parsed:.3f} s"
        f" = {done - start:.3f} s total (target < 1 s); KR-20 {result.test.kr20}"
    )
    record(
        "questions",
        f"item analysis {items} items x {candidates} candidates",
        f"{done - start:.2f} s",
        "< 1 s",
        done - start < 1,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full data")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    def stdout(line: str) -> None:
        print(line, flush=True)

    tmp = tempfile.TemporaryDirectory(prefix="nearpeer-bench-")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ["NEARPEER_VAR_DIR"] = tmp.name
    environment(database_url)
    setup()
    from django.core.management import call_command
    from django.test import Client

    members = int(40_000 * args.scale)
    questions = int(20_000 * args.scale)
    stdout(f"Database: {database_url.split('@')[-1]}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    stdout(f"Seeding ({members:,} members, {questions:,} questions, "
           f"{members * ATTEMPTS_PER_MEMBER:,} attempts):")  # fmt: skip
    data = seed(members=members, questions=questions, stdout=stdout)
    stdout(f"  total seeding {time.perf_counter() - started:.1f} s")

    from django.contrib.auth import get_user_model

    cookies = []
    for user in get_user_model().objects.filter(pk__in=data["user_ids"][1:21]):
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)

    measure_service(user_ids=data["user_ids"], stdout=stdout)
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, __file__, "--serve", str(port)], env=os.environ.copy()
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        measure(port=port, cookies=cookies, question_ids=data["question_ids"],
                requests=args.requests, stdout=stdout)  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)
    measure_item_analysis(stdout)
    stdout(f"\nTotal run {time.perf_counter() - started:.1f} s")
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        call_command("flush", interactive=False, verbosity=0)  # leave the database empty again
    tmp.cleanup()


if __name__ == "__main__":
    main()
