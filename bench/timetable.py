"""Timetable benchmark: the real teaching pages against a bare Django view, same server, same run.

    python bench/timetable.py [--requests 200] [--database-url URL]

Seeds 40,000 members and 5,000 sessions (bulk_create; ~150,000 registrations, attendance,
teachers, materials) into a fresh SQLite file under var/bench/ (or DATABASE_URL / --database-url
when given: it must hold no members yet), collects static files, then starts gunicorn (sync
WSGI workers, as in production) on 127.0.0.1 and requests, one at a time over fresh connections
and signed in as a year-2 member, the timetable, the member home and a session detail page, plus
a bare view (`HttpResponse("ok")`, added only by this file's URLconf, behind the same middleware).
Prints p50/p95 in ms and each page's ratio to the bare view. Also importable by gunicorn as
`timetable:application` (that is how the server gets the bench URLconf).
"""

import argparse
import http.client
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VAR = ROOT / "var" / "bench"
sys.path.insert(0, str(ROOT))

from django.contrib.auth.decorators import login_not_required  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402

MEMBERS = 40_000
SESSIONS = 5_000
TEACHERS = 300
SERIES = 200


@login_not_required
def bare(request):
    return HttpResponse("ok", content_type="text/plain")


def _environment(database_url: str | None) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "nearpeer.settings"
    os.environ["NEARPEER_DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ["NEARPEER_VAR_DIR"] = str(VAR)
    os.environ["NEARPEER_STATIC_ROOT"] = str(VAR / "static")
    os.environ["NEARPEER_MEDIA_ROOT"] = str(VAR / "media")
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{VAR / 'bench.sqlite3'}"


def _wsgi():
    import django
    from django.conf import settings

    django.setup()
    global urlpatterns
    urlpatterns = [path("bench/bare/", bare), path("", include("nearpeer.urls"))]
    settings.ROOT_URLCONF = __name__
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def seed(rng: random.Random) -> dict:
    from django.utils import timezone

    from nearpeer.members.models import Role, RoleGrant, User
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

    if User.objects.exists():
        sys.exit("The bench database already has members; give it an empty database.")
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    users = User.objects.bulk_create(
        (
            User(
                email=f"bench{i:05d}@bench.nearpeer.org",
                name=f"Bench Member {i:05d}",
                year=1 + i % 6,
                password="!",  # unusable
            )
            for i in range(MEMBERS)
        ),
        batch_size=2000,
    )
    if users[0].pk is None:  # backends that do not return ids
        users = list(User.objects.order_by("pk"))
    by_year = {y: [u for u in users if u.year == y] for y in range(1, 7)}
    teachers = users[:TEACHERS]
    RoleGrant.objects.bulk_create(RoleGrant(user=u, role=Role.STUDENT_TEACHER) for u in teachers)
    series = Series.objects.bulk_create(
        Series(
            title=f"Series {n}",
            slug=f"bench-series-{n}",
            target_years_mask=1 << (1 + n % 6),
        )
        for n in range(SERIES)
    )
    if series[0].pk is None:
        series = list(Series.objects.order_by("pk"))
    kinds, modes = list(SessionKind.values), list(SessionMode.values)
    sessions = []
    for n in range(SESSIONS):
        start = now + timedelta(days=rng.randint(-180, 180), hours=rng.choice([-6, -3, 0, 2]))
        year = rng.randint(1, 6)
        mask = 1 << year
        if rng.random() < 0.2:
            mask |= 1 << (year % 6 + 1)
        s = rng.choice(series) if rng.random() < 0.7 else None
        sessions.append(
            Session(
                title=f"Session {n}",
                series=s,
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
    sessions = Session.objects.bulk_create(sessions, batch_size=1000)
    if sessions[0].pk is None:
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
        wanted = rng.randint(5, int((s.capacity or 60) * 1.2))
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
    detail = Session.objects.for_year(2).upcoming().filter(registrations__member=me).first()
    return {
        "me": me,
        "detail_pk": detail.pk,
        "registrations": len(registrations),
        "attendances": len(attendances),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, cookie: str) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, body, elapsed


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per URL")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()

    if VAR.exists():
        shutil.rmtree(VAR)
    VAR.mkdir(parents=True)
    _environment(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    t1 = time.perf_counter()
    facts = seed(random.Random(2026))
    t2 = time.perf_counter()
    client = Client()
    client.force_login(facts["me"])
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    connection.close()
    print(
        f"database {connection.vendor}; migrate+collectstatic {t1 - t0:.1f}s; seeded "
        f"{MEMBERS:,} members, {SESSIONS:,} sessions, {facts['registrations']:,} registrations, "
        f"{facts['attendances']:,} attendances in {t2 - t1:.1f}s"
    )

    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--pythonpath",
            f"{BENCH_DIR},{ROOT}",
            "--log-level",
            "warning",
            "timetable:application",
        ],
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                if _get(port, "/healthz", "")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("gunicorn did not start")
        targets = {
            "bare Django view": ("/bench/bare/", b"ok"),
            "timetable": ("/timetable/", b"session-card"),
            "member home": ("/", b"My upcoming sessions"),
            "session detail": (f"/sessions/{facts['detail_pk']}/", b"Your place"),
        }
        for _ in range(10):  # warm up both workers
            for url, expected in targets.values():
                status, body, _ = _get(port, url, cookie)
                if status != 200 or expected not in body:
                    sys.exit(f"{url} answered {status} without {expected!r}")
        timings = {name: [] for name in targets}
        for _ in range(args.requests):  # interleaved, so noise hits every URL alike
            for name, (url, _expected) in targets.items():
                timings[name].append(_get(port, url, cookie)[2] * 1000)
    finally:
        server.terminate()
        server.wait(10)

    base = statistics.median(timings["bare Django view"])
    base95 = _percentile(timings["bare Django view"], 95)
    print(
        f"\ngunicorn {args.workers} sync workers, 127.0.0.1, sequential requests, "
        f"N={args.requests} per URL, signed in as a year-2 member\n"
    )
    print(f"{'page':<18} {'p50 ms':>8} {'p95 ms':>8} {'p50 ratio':>10} {'p95 ratio':>10}")
    for name, values in timings.items():
        p50, p95 = statistics.median(values), _percentile(values, 95)
        print(f"{name:<18} {p50:8.1f} {p95:8.1f} {p50 / base:9.1f}x {p95 / base95:9.1f}x")


if __name__ == "__main__":
    main()
else:
    application = _wsgi()
