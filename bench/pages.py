"""Page throughput under concurrency: the real pages against a bare view, same server, same run.

    python bench/pages.py                          # SQLite, then PostgreSQL if it answers
    python bench/pages.py --database sqlite        # one database only
    python bench/pages.py --seconds 20 --clients 8 --scale 1.0

Seeds 40,000 members, 5,000 sessions (about 170,000 registrations, attendance, teachers,
materials) and 20,000 published questions into a fresh database: a SQLite file in a temporary
folder, or a PostgreSQL database created for the run (`--postgres-url`, default
postgresql://postgres@127.0.0.1:5432/nearpeer_bench, dropped afterwards) on which it runs
VACUUM ANALYZE after seeding, as a production database would have statistics. Then it starts
gunicorn (sync workers, as in production) and, signed in as a year-2 member, drives each page
with `--clients` concurrent clients (each a fresh connection per request, as a browser behind a
proxy would look to gunicorn) for `--seconds` per page, interleaved in rounds so that drift on
a shared machine hits every page alike. For each page it prints requests per second, the ratio
to the bare view (`HttpResponse("ok")` behind the same middleware and URLconf), p50 and p95
latency, and the load average. Every response is checked: a page that answers anything but
200 with its marker text fails the run.

With NEARPEER_BENCH_SUMMARY=FILE (set by `make bench`) one JSON line per page is appended
to FILE for the summary table.
"""

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))

from _summary import record  # noqa: E402

MEMBERS = 40_000
SESSIONS = 5_000
QUESTIONS = 20_000
TEACHERS = 300
SERIES = 200
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/nearpeer_bench"


def _environment(database_url: str, var_dir: str, redis_url: str = "") -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "nearpeer.settings"
    os.environ["NEARPEER_DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("NEARPEER_ANONYMITY_KEY", "bench-only-anonymity-" + "y" * 40)
    os.environ["NEARPEER_VAR_DIR"] = var_dir
    os.environ["NEARPEER_STATIC_ROOT"] = str(Path(var_dir) / "static")
    os.environ["NEARPEER_MEDIA_ROOT"] = str(Path(var_dir) / "media")
    os.environ["DATABASE_URL"] = database_url
    # Production runs with Redis (docs/deployment.md): the shared cache, fragments' data versions
    # and cached_db sessions. Without --redis-url the in-process cache and database sessions.
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
        os.environ["NEARPEER_REDIS_PREFIX"] = f"bench-pages-{os.getpid()}"
    else:
        os.environ.pop("REDIS_URL", None)


def _wsgi():
    """The project plus /bench/bare/, for gunicorn (imported as `pages:application`)."""
    import types

    import django
    from django.conf import settings
    from django.contrib.auth.decorators import login_not_required
    from django.http import HttpResponse
    from django.urls import include, path

    django.setup()
    import logging

    logging.getLogger("django.request").addHandler(logging.StreamHandler())  # show a 500's cause

    @login_not_required
    def bare(request):
        return HttpResponse("ok", content_type="text/plain")

    module = types.ModuleType("bench_pages_urls")
    module.urlpatterns = [path("bench/bare/", bare), path("", include("nearpeer.urls"))]
    sys.modules["bench_pages_urls"] = module
    settings.ROOT_URLCONF = "bench_pages_urls"
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


if os.environ.get("NEARPEER_BENCH_SERVE") == "1":
    application = _wsgi()


# --- Seeding ----------------------------------------------------------------------------------


def seed(rng: random.Random, *, scale: float, stdout) -> dict:
    from django.db import connection
    from django.utils import timezone

    from nearpeer.members.models import Role, RoleGrant, User
    from nearpeer.questions.models import Question, QuestionVersion, Tag, TagKind
    from nearpeer.teaching.models import (
        Attendance,
        Material,
        Registration,
        Series,
        Session,
        SessionKind,
        SessionMode,
        SessionTeacher,
    )

    members, sessions_n, questions_n = (
        int(MEMBERS * scale),
        int(SESSIONS * scale),
        int(QUESTIONS * scale),
    )
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    t0 = time.perf_counter()
    User.objects.bulk_create(
        (
            User(
                email=f"bench{i:05d}@bench.nearpeer.org",
                name=f"Bench Member {i:05d}",
                year=1 + i % 6,
                password="!",  # unusable
            )
            for i in range(members)
        ),
        batch_size=2000,
    )
    users = list(User.objects.order_by("pk"))
    by_year = {y: [u for u in users if u.year == y] for y in range(1, 7)}
    teachers = users[:TEACHERS]
    RoleGrant.objects.bulk_create(RoleGrant(user=u, role=Role.STUDENT_TEACHER) for u in teachers)
    Series.objects.bulk_create(
        Series(title=f"Series {n}", slug=f"bench-series-{n}", target_years_mask=1 << (1 + n % 6))
        for n in range(SERIES)
    )
    series = list(Series.objects.order_by("pk"))
    kinds, modes = list(SessionKind.values), list(SessionMode.values)
    rows = []
    for n in range(sessions_n):
        start = now + timedelta(days=rng.randint(-180, 180), hours=rng.choice([-6, -3, 0, 2]))
        year = rng.randint(1, 6)
        mask = 1 << year
        if rng.random() < 0.2:
            mask |= 1 << (year % 6 + 1)
        rows.append(
            Session(
                title=f"Session {n}",
                series=rng.choice(series) if rng.random() < 0.7 else None,
                kind=rng.choice(kinds),
                mode=rng.choice(modes),
                room="LT1",
                meeting_url="https://meet.example.org/bench",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                capacity=rng.choice([20, 30, 40, 60, 100, None]),
                target_years_mask=mask,
            )
        )
    Session.objects.bulk_create(rows, batch_size=1000)
    sessions = list(Session.objects.order_by("pk"))
    SessionTeacher.objects.bulk_create(
        (
            SessionTeacher(session=s, teacher=t)
            for s in sessions
            for t in rng.sample(teachers, rng.choice([1, 1, 2]))
        ),
        batch_size=5000,
    )
    me = User.objects.create(email="me@bench.nearpeer.org", name="Bench Me", year=2)
    registrations, attendances, materials = [], [], []
    mine = 0
    for s in sessions:
        pool = by_year[s.target_years[0]]
        wanted = min(len(pool), rng.randint(5, int((s.capacity or 60) * 1.2)))
        people = rng.sample(pool, wanted)
        if s.is_for_year(2) and s.starts_at > now and mine < 12:
            people.append(me)
            mine += 1
        for k, member in enumerate(people):
            status = (
                Registration.Status.WAITLISTED
                if s.capacity is not None and k >= s.capacity
                else Registration.Status.REGISTERED
            )
            registrations.append(Registration(session=s, member=member, status=status))
            if s.ends_at < now and status == "registered" and rng.random() < 0.7:
                attendances.append(Attendance(session=s, member=member))
        if s.ends_at < now and rng.random() < 0.5:
            materials.append(
                Material(session=s, kind="recording", title="Recording", url="https://v.org/r")
            )
    Registration.objects.bulk_create(registrations, batch_size=5000)
    Attendance.objects.bulk_create(attendances, batch_size=5000)
    Material.objects.bulk_create(materials, batch_size=2000)
    stdout(
        f"  teaching: {members:,} members, {sessions_n:,} sessions, {len(registrations):,} "
        f"registrations, {len(attendances):,} attendances in {time.perf_counter() - t0:.1f} s"
    )

    t0 = time.perf_counter()
    specialties = ["Cardiology", "Respiratory", "Renal", "Neurology", "Haematology", "Anatomy"]
    tags = Tag.objects.bulk_create([Tag(kind=TagKind.SPECIALTY, name=n) for n in specialties])
    tags = list(Tag.objects.order_by("pk"))
    author = teachers[0]
    Question.objects.bulk_create(
        (
            Question(author=author, status="published", year_mask=1 << (1 + n % 6))
            for n in range(questions_n)
        ),
        batch_size=5000,
    )
    question_ids = list(Question.objects.order_by("pk").values_list("pk", flat=True))
    options = [{"text": f"Option {c}", "correct": c == "A"} for c in "ABCDE"]
    QuestionVersion.objects.bulk_create(
        (
            QuestionVersion(
                id=qid,
                question_id=qid,
                number=1,
                qtype="single",
                title=f"Question {qid}",
                stem=f"A 45-year-old presents with finding {qid}. What is the most likely "
                "diagnosis? **Choose one.**",
                options=options,
                explanation="Because the classic features point to A.",
                created_by=author,
            )
            for qid in question_ids
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE questions_question SET latest_version_id = id, published_version_id = id"
        )
    through = Question.tags.through
    through.objects.bulk_create(
        (
            through(question_id=qid, tag_id=tags[i % len(tags)].pk)
            for i, qid in enumerate(question_ids)
        ),
        batch_size=10000,
    )
    # The member writes questions too, so their question list is not empty.
    Question.objects.filter(pk__in=question_ids[:30]).update(author=me)
    stdout(f"  questions: {questions_n:,} in {time.perf_counter() - t0:.1f} s")
    detail = Session.objects.for_year(2).upcoming().filter(registrations__member=me).first()
    practise = Question.objects.filter(year_mask=1 << 2).order_by("pk").first()
    return {"me": me, "detail_pk": detail.pk, "practise_pk": practise.pk}


# --- Load -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _request(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, body


async def _drive(port: int, path: str, marker: bytes, cookie: str, clients: int, seconds: float):
    """`clients` loops requesting `path` until `seconds` pass; returns (latencies, elapsed)."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, body = await _request(port, path, cookie)
            latencies.append(time.perf_counter() - started)
            if status != 200 or marker not in body:
                raise SystemExit(f"{path} answered {status} without {marker!r}: {body[:300]!r}")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, time.perf_counter() - started


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def run_one(args, database: str) -> None:
    def stdout(line: str) -> None:
        print(line, flush=True)

    tmp = tempfile.mkdtemp(prefix="nearpeer-pages-")
    postgres_admin = None
    if database == "postgres":
        import psycopg

        url = args.postgres_url
        name = url.rsplit("/", 1)[1]
        postgres_admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(postgres_admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        url = f"sqlite:///{tmp}/bench.sqlite3"
    _environment(url, tmp, args.redis_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    stdout(f"\n== {database}: migrate and collectstatic {time.perf_counter() - t0:.1f} s; seeding")
    facts = seed(random.Random(2026), scale=args.scale, stdout=stdout)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if database == "postgres" else "ANALYZE")
    client = Client()
    client.force_login(facts["me"])
    # A browser sends back the CSRF cookie the first page set: without it every page would
    # make a new secret and set the cookie again, which no member's browser makes it do.
    assert client.get("/", HTTP_HOST="127.0.0.1").status_code == 200
    cookie = (
        f"sessionid={client.cookies['sessionid'].value}; "
        f"csrftoken={client.cookies['csrftoken'].value}"
    )
    connection.close()

    port = args.port or _free_port()
    env = {**os.environ, "NEARPEER_BENCH_SERVE": "1"}
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
            "--workers", str(args.workers), "--pythonpath", f"{BENCH_DIR},{ROOT}",
            "--log-level", "warning", "pages:application",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    targets = {
        "bare view": ("/bench/bare/", b"ok"),
        "timetable": ("/timetable/", b"session-card"),
        "home": ("/", b"My upcoming sessions"),
        "session detail": (f"/sessions/{facts['detail_pk']}/", b"Your place"),
        "practice": (f"/questions/{facts['practise_pk']}/practise/", b"<form"),
        "question list": ("/questions/", b"Question bank"),
    }
    try:
        deadline = time.monotonic() + 120  # a loaded shared machine starts Django slowly
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.2)
        for path, marker in targets.values():  # warm up every worker, check every page
            asyncio.run(_drive(port, path, marker, cookie, args.clients, 0.5))
        latencies: dict[str, list[float]] = {name: [] for name in targets}
        elapsed = dict.fromkeys(targets, 0.0)
        load = []
        per_round = args.seconds / args.rounds
        for _ in range(args.rounds):
            for name, (path, marker) in targets.items():
                lat, spent = asyncio.run(
                    _drive(port, path, marker, cookie, args.clients, per_round)
                )
                latencies[name] += lat
                elapsed[name] += spent
                load.append(os.getloadavg()[0])
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if postgres_admin:
            connection.close()
            import psycopg

            with psycopg.connect(postgres_admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
        shutil.rmtree(tmp, ignore_errors=True)
        if args.redis_url:  # this run's keys only (its prefix), never the whole database
            import redis

            store = redis.Redis.from_url(args.redis_url)
            for key in store.scan_iter(f"{os.environ['NEARPEER_REDIS_PREFIX']}:*", count=1000):
                store.delete(key)

    base = len(latencies["bare view"]) / elapsed["bare view"]
    stdout(
        f"cache: {'Redis' if args.redis_url else 'in-process (no Redis)'}; "
        f"gunicorn {args.workers} sync workers; {args.clients} concurrent clients; "
        f"{args.seconds:g} s per page in {args.rounds} interleaved rounds; load average "
        f"{min(load):.1f}-{max(load):.1f} on {os.cpu_count()} cores"
    )
    stdout(f"{'page':<16} {'req/s':>8} {'ratio':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for name, values in latencies.items():
        rps = len(values) / elapsed[name]
        p50, p95 = statistics.median(values) * 1000, _p95(values) * 1000
        stdout(f"{name:<16} {rps:8.1f} {rps / base:6.2f}x {p50:8.1f} {p95:8.1f}")
        if name != "bare view":
            record(
                f"pages ({database}{', Redis' if args.redis_url else ''})",
                name,
                f"{rps:.0f} req/s = {rps / base:.2f}x bare, p95 {p95:.0f} ms",
                "≥ 0.5x bare, p95 ≤ 50 ms",
                rps / base >= 0.5 and p95 <= 50,
            )


def _postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=2):
            return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", ""),
        help="Redis for the cache and sessions, as in production (keys under a per-run prefix)",
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per page")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full data")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    args = parser.parse_args()
    if args.database != "both":
        run_one(args, args.database)
        return
    databases = ["sqlite"]
    if _postgres_reachable(args.postgres_url):
        databases.append("postgres")
    else:
        print(f"PostgreSQL at {args.postgres_url} does not answer: SQLite only", flush=True)
    for database in databases:  # one process each: Django settings are per process
        argv = [
            "--database", database, "--postgres-url", args.postgres_url,
            "--redis-url", args.redis_url,
            "--seconds", str(args.seconds), "--rounds", str(args.rounds),
            "--clients", str(args.clients), "--workers", str(args.workers),
            "--scale", str(args.scale), "--port", str(args.port),
        ]  # fmt: skip
        subprocess.run([sys.executable, __file__, *argv], check=True)


if __name__ == "__main__":
    main()
