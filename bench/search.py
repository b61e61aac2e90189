"""Site-wide search benchmark.

    .venv/bin/python bench/search.py                       # temporary SQLite database
    DATABASE_URL=postgresql://…/bench_h12 python bench/search.py   # an empty PostgreSQL database
    … --scale 0.2                                           # a fifth of the data, for a quick try

Seeds 50,000 published resources (a fifth with an attachment's text), 20,000 published
questions, 2,000 sessions (a tenth invite-only) and 60 series, builds the search index through
the providers (`index.rebuild()`), runs ANALYZE, then serves the project through gunicorn (sync
workers, as in production) and measures, in the same run, as a year-2 member:
  * latency, one request at a time, interleaved: the search page (several kinds of query: a
    common word, a rare word, two words, a prefix as typed, a filter) and a bare Django view
    behind the same middleware, URL conf and server: p50/p95 and the ratio;
  * throughput: requests per second with concurrent clients for each, and the ratio.
Targets: search p95 < 50 ms; search throughput ≥ half the bare view's.

`--cache both` (the default) measures twice on the same data, each with a fresh server: with
the result cache off (every request does the whole search), then on (NEARPEER_SEARCH_CACHE_SECONDS;
the loop's searches are then cache hits, and the figure for each query's first request shows
the misses). Each server's workers have their own local-memory cache (no REDIS_URL).
"""

import argparse
import math
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _django import environment, install_bare_urlconf, setup  # noqa: E402

_VOCABULARY = """
anaemia haemoglobin ferritin thalassaemia sickle platelet coagulation warfarin heparin embolism
angina infarction troponin murmur stenosis regurgitation endocarditis pericarditis tachycardia
bradycardia fibrillation flutter hypertension hypotension syncope oedema pneumonia asthma copd
bronchiectasis fibrosis effusion pneumothorax sarcoidosis tuberculosis spirometry hypoxia sepsis
meningitis encephalitis stroke seizure epilepsy migraine neuropathy myasthenia parkinsonism
dementia delirium thyroid thyrotoxicosis hypothyroidism cortisol addison cushing diabetes insulin
ketoacidosis hypoglycaemia calcium phosphate parathyroid kidney nephritis nephrotic dialysis
potassium sodium acidosis alkalosis liver cirrhosis hepatitis jaundice pancreatitis gallstones
appendicitis colitis crohn coeliac bleeding varices obstruction hernia fracture osteoporosis gout
arthritis lupus vasculitis psoriasis eczema melanoma carcinoma lymphoma leukaemia myeloma
chemotherapy radiotherapy palliative analgesia opioid antibiotic penicillin gentamicin vancomycin
pregnancy eclampsia antenatal labour neonate jaundice bronchiolitis croup measles vaccination
depression anxiety psychosis schizophrenia lithium capacity consent ethics anatomy physiology
pharmacology examination history osce station communication prescribing fluids electrolytes
"""
MEDICAL = _VOCABULARY.split()
STOP = [
    "the",
    "of",
    "and",
    "a",
    "to",
    "in",
    "is",
    "for",
    "with",
    "on",
    "as",
    "by",
    "an",
    "be",
    "this",
    "are",
    "or",
    "from",
    "at",
    "which",
]
KINDS = ["guide", "slides", "notes", "video", "case", "practice_paper"]
# Words of real text follow Zipf's law; a vocabulary of a few hundred words repeated would put
# every word in half the documents, which no library has. The vocabulary is 20,000 words (the
# medical ones above, the rest made-up syllables) drawn with Zipf weights (s = 1.07); the query
# words are pinned at chosen ranks, and the bench prints how many documents each query matches.
VOCABULARY_SIZE = 20_000
ZIPF_S = 1.07
PINNED = {  # word: frequency rank (1 = most common), after the stop words
    "haemoglobin": 40, "sepsis": 90, "fibrillation": 150, "warfarin": 300,
    "pneumonia": 120, "pneumothorax": 600,
}  # fmt: skip


# The honest stream: what people type repeats far less than a loop over 121 queries. Queries are
# drawn with Zipf weights (s = 1.0) over a million distinct ones (the k-th most frequent built
# from its rank, deterministically, in the mix's shapes): about a third of the requests of a
# run repeat an earlier query, most do not; the bench prints the share it drew.
STREAM_DISTINCT = 1_000_000
STREAM_S = 1.0


def _stream_query(k: int) -> tuple[str, dict]:
    """The k-th most frequent query (1-based) of the stream's universe."""
    rng = random.Random(k * 7919 + 3)
    medical = MEDICAL_UNIQUE

    def pick() -> str:
        if rng.random() < 0.5:
            return rng.choice(medical)
        return WORDS[len(STOP) + int(math.exp(rng.uniform(math.log(20), math.log(3000))))]

    word, other = pick(), pick()
    shape = k % 6
    if shape == 0:
        return "one word", {"q": word}
    if shape == 1:
        return "two words", {"q": f"{word} {other}"}
    if shape == 2:
        cut = rng.randint(4, max(4, len(word) - 1))
        return "as typed, header (HTMX)", {"q": word[:cut], "from": "header"}
    if shape == 3:
        return "one word, kind filter", {"q": word, "kind": rng.choice(KIND_FILTERS)}
    if shape == 4:
        return "one word, tag filter", {"q": word, "tag": "TAG"}
    return "one word, page 2", {"q": word, "page": 2}


def query_stream(n: int, seed: int) -> tuple[list[tuple[str, dict]], float]:
    """`n` requests drawn from the Zipf stream, and the share of them repeating an earlier one."""
    import bisect
    import itertools

    global _STREAM_CUMULATIVE
    if _STREAM_CUMULATIVE is None:
        weights = (1 / (k**STREAM_S) for k in range(1, STREAM_DISTINCT + 1))
        _STREAM_CUMULATIVE = list(itertools.accumulate(weights))
    total = _STREAM_CUMULATIVE[-1]
    rng = random.Random(seed)
    ranks = [bisect.bisect(_STREAM_CUMULATIVE, rng.random() * total) + 1 for _ in range(n)]
    repeats = n - len(set(ranks))
    return [_stream_query(k) for k in ranks], repeats / max(n, 1)


_STREAM_CUMULATIVE: list[float] | None = None
KIND_FILTERS = ["resource", "question", "session"]

HTMX = {"HX-Request": "true"}


def serve(port: int, workers: int) -> None:
    """Run in the child process: the project (plus /bench/bare/) under gunicorn."""
    from gunicorn.app.base import BaseApplication

    class App(BaseApplication):
        def load_config(self):
            for key, value in {
                "bind": f"127.0.0.1:{port}", "workers": workers, "worker_class": "sync",
                "loglevel": "warning", "accesslog": None, "keepalive": 5,
            }.items():  # fmt: skip
                self.cfg.set(key, value)

        def load(self):
            setup("bench_search_urls")
            install_bare_urlconf("bench_search_urls")
            from django.core.wsgi import get_wsgi_application

            return get_wsgi_application()

    App().run()


def _vocabulary() -> tuple[list[str], list[float]]:
    rng = random.Random(1)
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    made: set[str] = set(MEDICAL)
    filler: list[str] = []
    while len(filler) < VOCABULARY_SIZE:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in made:
            made.add(word)
            filler.append(word)
    others = [w for w in MEDICAL if w not in PINNED] + filler
    rng.shuffle(others)
    ranked: list[str] = []
    by_rank = {rank: word for word, rank in PINNED.items()}
    while len(ranked) < VOCABULARY_SIZE:
        ranked.append(by_rank.get(len(ranked) + 1) or others.pop())
    words = STOP + ranked
    weights = [1 / (rank**ZIPF_S) for rank in range(1, len(words) + 1)]
    total = 0.0
    cumulative = []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return words, cumulative


WORDS, CUMULATIVE = _vocabulary()
MEDICAL_UNIQUE = list(dict.fromkeys(MEDICAL))


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(WORDS, cum_weights=CUMULATIVE, k=n))


def seed(*, resources: int, questions: int, stdout) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from nearpeer.library.models import Attachment, Resource
    from nearpeer.questions.models import Question, QuestionVersion, Tag, TagKind
    from nearpeer.search import index
    from nearpeer.teaching.models import Registration, Series, Session

    rng = random.Random(7)
    User = get_user_model()
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    User.objects.bulk_create(
        [
            User(
                email=f"bench{n:05d}@example.ac.uk",
                name=f"Bench Member {n}",
                year=1 + n % 6,
                password="!unusable",
                date_joined=now,
            )
            for n in range(600)
        ],  # fmt: skip
        batch_size=5000,
    )
    user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    member = User.objects.get(email="bench00001@example.ac.uk")  # year 2
    tags = Tag.objects.bulk_create(
        [Tag(kind=TagKind.SPECIALTY, name=f"Specialty {n}") for n in range(20)]
    )

    Resource.objects.bulk_create(
        [
            Resource(
                kind=KINDS[n % len(KINDS)], title=f"{_text(rng, 3).capitalize()} {n}",
                summary=_text(rng, 40), status="published",
                audience="teachers" if n % 10 == 0 else "everyone",
                created_at=now, updated_at=now, published_at=now,
            )
            for n in range(resources)
        ],
        batch_size=5000,
    )  # fmt: skip
    resource_ids = list(Resource.objects.order_by("pk").values_list("pk", flat=True))
    Resource.authors.through.objects.bulk_create(
        [Resource.authors.through(resource_id=r, user_id=user_ids[r % 50]) for r in resource_ids],
        batch_size=10000,
    )
    Resource.tags.through.objects.bulk_create(
        [Resource.tags.through(resource_id=r, tag_id=tags[r % 20].pk) for r in resource_ids],
        batch_size=10000,
    )
    Attachment.objects.bulk_create(
        [
            Attachment(resource_id=r, file=f"library/{r}/bench.pdf", name="notes.pdf",
                       content_type="application/pdf", extension="pdf", size_bytes=1000,
                       text=_text(rng, 250), created_at=now)
            for r in resource_ids[::5]
        ],
        batch_size=5000,
    )  # fmt: skip
    stdout(f"  resources: {resources:,} in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    Question.objects.bulk_create(
        [
            Question(author_id=user_ids[0], status="published", year_mask=1 << (1 + n % 6),
                     created_at=now, updated_at=now)
            for n in range(questions)
        ],
        batch_size=5000,
    )  # fmt: skip
    question_ids = list(Question.objects.order_by("pk").values_list("pk", flat=True))
    options = [{"text": f"Option {c}", "correct": c == "A"} for c in "ABCDE"]
    QuestionVersion.objects.bulk_create(
        [
            QuestionVersion(
                id=qid, question_id=qid, number=1, qtype="single",
                title=f"{_text(rng, 4).capitalize()}", stem=_text(rng, 50),
                options=options, explanation=_text(rng, 30), created_by_id=user_ids[0],
                created_at=now,
            )
            for qid in question_ids
        ],
        batch_size=5000,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE questions_question SET latest_version_id = id, published_version_id = id"
        )
    stdout(f"  questions: {questions:,} in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    series = Series.objects.bulk_create(
        [
            Series(title=f"{_text(rng, 2).capitalize()} series {n}", slug=f"bench-{n}",
                   target_years_mask=1 << (1 + n % 6), calendar_token=secrets.token_urlsafe(16))
            for n in range(60)
        ]
    )  # fmt: skip
    start = now + timedelta(days=1)
    Session.objects.bulk_create(
        [
            Session(
                title=f"{_text(rng, 3).capitalize()} session", description=_text(rng, 30),
                series=series[n % 60], starts_at=start + timedelta(hours=n),
                ends_at=start + timedelta(hours=n, minutes=50),
                target_years_mask=0 if n % 10 == 0 else 1 << (1 + n % 6),
            )
            for n in range(2000)
        ],
        batch_size=2000,
    )  # fmt: skip
    invited = Session.objects.filter(target_years_mask=0).order_by("pk")[:20]
    Registration.objects.bulk_create(
        [Registration(session=s, member=member, status="registered") for s in invited]
    )
    stdout(f"  sessions and series: 2,060 in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    counts = index.rebuild()
    with connection.cursor() as cursor:
        # As a settled production database would be (autovacuum): statistics and the
        # visibility map. The GIN indexes keep no pending list (search migration 0005).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    stdout(f"  search index: {counts} in {time.perf_counter() - t0:.1f} s")
    return {"member": member, "tag_id": tags[0].pk}


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_ready(base: str, timeout: float = 180) -> None:
    """Until the workers answer (not only the socket: on a loaded machine they take a while to
    import the project)."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(base + "/bench/bare/", timeout=5)  # any answer: a worker is up
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return p50 * 1000, p95 * 1000


def _tagged(params: dict, tag_id: int) -> dict:
    return {k: (tag_id if v == "TAG" else v) for k, v in params.items()}


def match_counts(queries: list[tuple[str, dict]]) -> dict[str, list[int]]:
    """How many indexed documents each query's words match, before permissions and filters (for
    the reader), by kind of query; the first 150 distinct queries."""
    from django.db import connection

    from nearpeer.search import index, text

    counts: dict[str, list[int]] = {}
    distinct = list(dict.fromkeys((name, params["q"]) for name, params in queries))[:150]
    with connection.cursor() as cursor:
        for name, q in distinct:
            words = text.terms(q)
            if not words:
                continue
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT count(*) FROM search_document "
                    f"WHERE vector @@ to_tsquery('{index.PG_CONFIG}', %s)",
                    [text.tsquery(words)],
                )
            else:
                cursor.execute(
                    f"SELECT count(*) FROM {index.FTS_TABLE} WHERE {index.FTS_TABLE} MATCH %s",
                    [f"{{title body}} : ({text.fts5_match(words)})"],
                )
            counts.setdefault(name, []).append(cursor.fetchone()[0])
    return counts


def measure_latency(*, base: str, cookie: str, requests: int, tag_id: int, stdout) -> None:
    """`requests` searches from the Zipf stream, each followed by a bare request."""
    import httpx

    stream, repeated = query_stream(requests, seed=1)
    matches = match_counts(stream)
    samples: dict[str, list[float]] = {"bare view": []}
    fresh: list[float] = []
    again: list[float] = []
    seen: set[str] = set()
    shown: dict[str, list[int]] = {}
    with httpx.Client(base_url=base, timeout=30, cookies={"sessionid": cookie}) as client:
        for _ in range(5):
            client.get("/bench/bare/")
        for name, raw in stream:
            params = _tagged(raw, tag_id)
            pair = (("bare view", "/bench/bare/", {}), (name, "/search/", params))
            for label, url, query in pair:
                headers = HTMX if query.get("from") == "header" else {}
                began = time.perf_counter()
                response = client.get(url, params=query, headers=headers)
                took = time.perf_counter() - began
                samples.setdefault(label, []).append(took)
                if response.status_code != 200:
                    raise SystemExit(f"{label} {query}: HTTP {response.status_code}")
                if label != "bare view":
                    key = repr(sorted(query.items()))
                    (again if key in seen else fresh).append(took)
                    seen.add(key)
                    shown.setdefault(label, []).append(response.text.count('class="search-result"'))
                    if query.get("from") and "<html" in response.text:
                        raise SystemExit("the header's HTMX request got a whole page")
    _, bare95 = _percentiles(samples["bare view"])
    everything = fresh + again
    stdout(f"\nLatency, gunicorn sync workers, {requests} searches from the Zipf stream "
           f"({repeated:.0%} repeat an earlier query) each followed by a bare request, "
           "one client:")  # fmt: skip
    stdout(f"  {'':30} {'matches (median, max)':>22} {'shown':>6} {'p50 ms':>8} {'p95 ms':>8}"
           f" {'p95 ratio':>10}")  # fmt: skip
    for name, values in samples.items():
        p50, p95 = _percentiles(values)
        if name == "bare view" or not matches.get(name):
            counted, seen_ = "", ""
        else:
            counted = f"{statistics.median(matches[name]):.0f}, {max(matches[name])}"
        seen_ = f"{statistics.mean(shown[name]):.1f}" if name in shown else ""
        stdout(f"  {name:30} {counted:>22} {seen_:>6} {p50:8.2f} {p95:8.2f} {p95 / bare95:10.2f}")
    p50, p95 = _percentiles(everything)
    verdict = "met" if p95 < 50 else "NOT met"
    label = "search: all queries"
    stdout(f"  {label:30} {'':>22} {'':>6} {p50:8.2f} {p95:8.2f} {p95 / bare95:10.2f}"
           f"   (target p95 < 50 ms: {verdict})")  # fmt: skip
    for label, values in (("  first time in the stream", fresh), ("  repeated", again)):
        if values:
            p50, p95 = _percentiles(values)
            stdout(f"  {label:30} {len(values):>22} {'':>6} {p50:8.2f} {p95:8.2f} "
                   f"{p95 / bare95:10.2f}")  # fmt: skip


SPLITS = {
    "whole pages only": lambda params: "from" not in params,
    "header's HTMX partial only": lambda params: "from" in params,
}


def measure_throughput(
    *,
    base: str,
    cookie: str,
    seconds: float,
    clients: int,
    tag_id: int,
    stdout,
    only: str = "",
) -> float:
    """Bare view, then the Zipf stream of searches, in interleaved rounds; the ratio. With
    `only` (a key of SPLITS), the stream's requests of that shape only."""
    import httpx

    rounds = 4
    stream, _ = query_stream(40_000, seed=2)
    if only:
        stream = [(name, params) for name, params in stream if SPLITS[only](params)]
    searches = [("/search/", _tagged(params, tag_id)) for _, params in stream]

    def run(url_params: list[tuple[str, dict]], start: int) -> tuple[int, float]:
        done = [0] * clients
        stop = time.perf_counter() + seconds / rounds
        taken = iter(range(start, start + 10**9))

        def worker(i: int) -> None:
            with httpx.Client(base_url=base, timeout=30, cookies={"sessionid": cookie}) as c:
                while time.perf_counter() < stop:
                    # One stream shared by the clients, in order (next() on a range iterator
                    # holds the GIL).
                    url, params = url_params[next(taken) % len(url_params)]
                    headers = HTMX if params.get("from") == "header" else {}
                    c.get(url, params=params, headers=headers).raise_for_status()
                    done[i] += 1

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(done), time.perf_counter() - began

    # Interleaved in rounds (bare, search, bare, …) so that drift on a shared machine hits both
    # alike; each round of searches goes on through the stream where the last one stopped.
    bare_done = search_done = 0
    bare_time = search_time = 0.0
    for _ in range(rounds):
        done, took = run([("/bench/bare/", {})], 0)
        bare_done, bare_time = bare_done + done, bare_time + took
        done, took = run(searches, search_done)
        search_done, search_time = search_done + done, search_time + took
    used = [repr(sorted(p.items())) for _, p in searches[: min(search_done, len(searches))]]
    repeated = 1 - len(set(used)) / max(len(used), 1)
    bare, search = bare_done / bare_time, search_done / search_time
    verdict = "met" if search >= bare / 2 else "NOT met"
    stdout(f"\nThroughput{f' ({only})' if only else ''}, {clients} concurrent clients, "
           f"{seconds:g} s each in {rounds} "
           f"interleaved rounds; {search_done:,} searches from the Zipf stream, {repeated:.0%} "
           "of them repeating an earlier query:")  # fmt: skip
    stdout(f"  bare view {bare:8.1f} req/s")
    stdout(f"  search    {search:8.1f} req/s   ratio {search / bare:.2f} "
           f"(target ≥ 0.5: {verdict})")  # fmt: skip
    return search / bare


def _backend_cpu(pid: int | None) -> float:
    """CPU seconds used so far by a PostgreSQL backend process (0 for SQLite)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_cpu(*, member, tag_id: int, n: int, profile: bool, stdout) -> None:
    """In one process with Django's test client and the result cache off: CPU per request of
    the bare view and of searches from the Zipf stream (this process's CPU clock, plus on
    PostgreSQL the CPU its backend process used), with the queries of each request."""
    from django.db import connection
    from django.test import Client, override_settings

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(member)
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    stream, _ = query_stream(n, seed=3)
    requests = [(name, "/search/", _tagged(params, tag_id)) for name, params in stream]

    def get(url: str, params: dict):
        headers = {"HTTP_HX_REQUEST": "true"} if params.get("from") == "header" else {}
        response = client.get(url, params, **headers)
        assert response.status_code == 200, (url, params, response.status_code)

    with override_settings(NEARPEER_SEARCH_CACHE_SECONDS=0):
        for _ in range(10):
            get("/bench/bare/", {})
            get("/search/", {"q": "warfarin"})
        rows = []
        for label, batch in (("bare view", [("bare view", "/bench/bare/", {})] * n),
                             ("search", requests)):  # fmt: skip
            per_kind: dict[str, list[float]] = {}
            queries = [0]

            def count(execute, sql, params, many, context, queries=queries):
                queries[0] += 1
                return execute(sql, params, many, context)

            cpu0, db0 = time.process_time(), _backend_cpu(backend)
            with connection.execute_wrapper(count):
                for name, url, params in batch:
                    start = time.process_time()
                    get(url, params)
                    per_kind.setdefault(name, []).append(time.process_time() - start)
            cpu, db = time.process_time() - cpu0, _backend_cpu(backend) - db0
            rows.append((label, per_kind, cpu / n, db / n, queries[0] / n))
        stdout(f"\nCPU per request in one process, result cache off, {n} requests each "
               f"(load average {_load()}):")  # fmt: skip
        bare_total = rows[0][2] + rows[0][3]
        for label, per_kind, cpu, db, queries in rows:
            total = cpu + db
            stdout(f"  {label:10} Django {cpu * 1000:6.2f} ms + database {db * 1000:6.2f} ms "
                   f"= {total * 1000:6.2f} ms ({total / bare_total:.2f}× bare)  "
                   f"{queries:.1f} queries")  # fmt: skip
            if label == "search":
                for name, values in per_kind.items():
                    stdout(f"    {name:28} Django median {statistics.median(values) * 1000:6.2f}"
                           f" ms, p95 {_percentiles(values)[1]:6.2f} ms")  # fmt: skip
        if profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            for _, url, params in requests:
                get(url, params)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(50)


def _existing(stdout) -> dict | None:
    """The data of an earlier --keep run, if the database holds it."""
    from django.contrib.auth import get_user_model
    from django.db.utils import DatabaseError

    from nearpeer.questions.models import Tag
    from nearpeer.search.models import Document

    try:
        if not Document.objects.exists():
            return None
    except DatabaseError:
        return None
    member = get_user_model().objects.get(email="bench00001@example.ac.uk")
    tag = Tag.objects.get(name="Specialty 0")
    stdout(f"  reusing the data already there ({Document.objects.count():,} documents)")
    return {"member": member, "tag_id": tag.pk}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full data")
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--cache", choices=["off", "on", "both"], default="both",
        help="the result cache (NEARPEER_SEARCH_CACHE_SECONDS): off, on, or a server each",
    )  # fmt: skip
    parser.add_argument(
        "--keep", metavar="DIR", default="",
        help="keep the data for the next run: the SQLite file in DIR; PostgreSQL not flushed "
        "(a run finding data there reuses it)",
    )  # fmt: skip
    parser.add_argument(
        "--cpu", type=int, default=0, metavar="N",
        help="instead of serving: CPU per request in one process, N requests each",
    )  # fmt: skip
    parser.add_argument(
        "--split", action="store_true",
        help="also the throughput of the whole pages alone and of the header's partial alone",
    )  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="with --cpu: cProfile searches")
    parser.add_argument("--redis-url", default="", help="the cache in Redis (a db of your own)")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: any free)")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.workers)
        return

    def stdout(line: str) -> None:
        print(line, flush=True)

    tmp = tempfile.TemporaryDirectory(prefix="nearpeer-bench-")
    var = args.keep or tmp.name
    Path(var).mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{var}/bench.sqlite3"
    os.environ["NEARPEER_VAR_DIR"] = var
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
        os.environ["NEARPEER_REDIS_PREFIX"] = f"bench-search-{os.getpid()}"
    else:
        os.environ.pop("REDIS_URL", None)
    environment(database_url)
    setup("bench_search_urls" if args.cpu else None)
    if args.cpu:
        install_bare_urlconf("bench_search_urls")
    from django.core.management import call_command
    from django.test import Client

    resources, questions = int(50_000 * args.scale), int(20_000 * args.scale)
    stdout(f"Database: {database_url.split('@')[-1]}  (scale {args.scale:g})")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    stdout(f"Seeding ({resources:,} resources, {questions:,} questions):")
    data = (_existing(stdout) if args.keep else None) or seed(
        resources=resources, questions=questions, stdout=stdout
    )
    if args.cpu:
        measure_cpu(member=data["member"], tag_id=data["tag_id"], n=args.cpu,
                    profile=args.profile, stdout=stdout)  # fmt: skip
    client = Client()
    client.force_login(data["member"])
    cookie = client.cookies["sessionid"].value

    ratios = {}
    for cache_on in {"off": [False], "on": [True], "both": [False, True]}[args.cache]:
        if args.cpu:
            break
        seconds = os.environ.get("NEARPEER_SEARCH_CACHE_SECONDS", "600") if cache_on else "0"
        stdout(f"\n== Result cache {'on' if cache_on else 'off'} "
               f"(NEARPEER_SEARCH_CACHE_SECONDS={seconds}), a fresh server, cache in "
               f"{'Redis' if args.redis_url else 'each worker (local memory)'}")  # fmt: skip
        port = args.port or _free_port()
        server = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, __file__, "--serve", str(port), "--workers", str(args.workers)],
            env=os.environ.copy() | {"NEARPEER_SEARCH_CACHE_SECONDS": seconds},
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_ready(base)
            stdout(f"Load average before measuring: {_load()}")
            measure_latency(base=base, cookie=cookie, requests=args.requests,
                            tag_id=data["tag_id"], stdout=stdout)  # fmt: skip
            ratios["on" if cache_on else "off"] = measure_throughput(
                base=base, cookie=cookie, seconds=args.seconds, clients=args.clients,
                tag_id=data["tag_id"], stdout=stdout,
            )  # fmt: skip
            for only in SPLITS if args.split else ():
                measure_throughput(
                    base=base, cookie=cookie, seconds=args.seconds, clients=args.clients,
                    tag_id=data["tag_id"], stdout=stdout, only=only,
                )  # fmt: skip
            stdout(f"Load average after: {_load()}")
        finally:
            server.terminate()
            server.wait(60)
    if ratios:
        stdout("\nThroughput ratio to the bare view (Zipf stream): "
               + ", ".join(f"cache {k} {v:.2f}" for k, v in ratios.items()))  # fmt: skip
    stdout(f"\nTotal run {time.perf_counter() - started:.1f} s (shared machine: figures are noisy)")
    if database_url.startswith("postgres") and not args.keep:
        call_command("flush", interactive=False, verbosity=0)  # leave the database empty again
    tmp.cleanup()


if __name__ == "__main__":
    main()
