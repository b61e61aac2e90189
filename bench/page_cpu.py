"""In-process CPU per warm request for each page, one process and no load: what each page costs
in Python, templates and SQL, against the bare view. A cheap check between changes (the
throughput under concurrency is bench/pages.py's).

    python bench/page_cpu.py --var-dir /tmp/np-cpu --scale 0.1 --redis-url redis://127.0.0.1:6379/1
    python bench/page_cpu.py --var-dir /tmp/np-cpu --pages home,timetable --profile home

Seeds a SQLite database in --var-dir with bench/pages.py's seeding on the first run and reuses
it afterwards (delete the folder to reseed). Signed in as the bench's year-2 member, it
requests each page a few times to warm it, then times -n requests with the process's CPU
clock and prints the median and minimum in ms and the database queries of one warm request.
Keys in Redis go under a prefix of their own (never deleted: use a database of your own).
"""

import argparse
import os
import pickle
import random
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent))

import pages  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var-dir", required=True)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--redis-url", default="")
    parser.add_argument(
        "--postgres-url",
        default="",
        help="seed and use this PostgreSQL database instead of SQLite (it is dropped and created "
        "again on the first run, when --var-dir holds no facts yet)",
    )
    parser.add_argument("-n", type=int, default=60)
    parser.add_argument("--pages", default="")
    parser.add_argument("--profile", default="", help="a page to profile (cProfile) after timing")
    parser.add_argument("--sort", default="cumulative", help="the profile's order (pstats)")
    parser.add_argument("--callers", default="", help="with --profile: who calls what matches")
    args = parser.parse_args()

    var = Path(args.var_dir)
    var.mkdir(parents=True, exist_ok=True)
    facts_file = var / "facts.pickle"
    fresh = not facts_file.exists()
    url = args.postgres_url or f"sqlite:///{var / 'bench.sqlite3'}"
    if args.postgres_url and fresh:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    pages._environment(url, str(var), args.redis_url)
    if args.redis_url:
        os.environ["NEARPEER_REDIS_PREFIX"] = "bench-page-cpu"
    pages._wsgi()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from nearpeer.members.models import User

    if fresh:
        call_command("migrate", verbosity=0, interactive=False)
        facts = pages.seed(random.Random(2026), scale=args.scale, stdout=print)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if args.postgres_url else "ANALYZE")
        facts = {k: getattr(v, "pk", v) for k, v in facts.items()}
        facts_file.write_bytes(pickle.dumps(facts))
    if not (var / "static").exists():
        call_command("collectstatic", verbosity=0, interactive=False)
    facts = pickle.loads(facts_file.read_bytes())
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=facts["me"]))
    targets = {
        "bare": "/bench/bare/",
        "timetable": "/timetable/",
        "home": "/",
        "session": f"/sessions/{facts['detail_pk']}/",
        "practice": f"/questions/{facts['practise_pk']}/practise/",
        "qlist": "/questions/",
    }
    for name in args.pages.split(",") if args.pages else targets:
        path = targets[name]
        for _ in range(5):
            response = client.get(path)
            assert response.status_code == 200, (name, response.status_code)
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        import redis

        commands = []
        real = redis.Redis.execute_command

        def counting(self, *args, commands=commands, real=real, **options):
            commands.append(args[0])
            return real(self, *args, **options)

        redis.Redis.execute_command = counting
        try:
            with connection.execute_wrapper(count):
                client.get(path)
        finally:
            redis.Redis.execute_command = real
        times, walls = [], []
        for _ in range(args.n):
            start, wall = time.process_time(), time.perf_counter()
            client.get(path)
            times.append(time.process_time() - start)
            walls.append(time.perf_counter() - wall)
        # The wall time includes what the database and Redis servers spend (planning, say),
        # which the process's CPU clock does not see; it is the noisier under load.
        print(
            f"{name:10} median {statistics.median(times) * 1000:6.2f} ms  "
            f"min {min(times) * 1000:6.2f}  wall median {statistics.median(walls) * 1000:6.2f}  "
            f"queries {len(queries)}  redis {len(commands)}  "
            f"(load average {os.getloadavg()[0]:.1f})"
        )
    if args.profile:
        import cProfile
        import pstats

        path = targets[args.profile]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(30):
            client.get(path)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats(args.sort)
        if args.callers:
            stats.print_callers(args.callers)
        else:
            stats.print_stats(60)


if __name__ == "__main__":
    main()
