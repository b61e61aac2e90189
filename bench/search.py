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
MIX_SIZE = 120  # distinct queries in the mix


def _query_mix() -> list[tuple[str, dict]]:
    """A varied mix of what people type, not one query repeated: single medical words from the
    most common to the rare, two words, a word as typed in the header box (HTMX, a prefix),
    with a kind or a tag filter, a second page. Deterministic (seeded)."""
    rng = random.Random(11)
    medical = list(dict.fromkeys(MEDICAL))

    def pick() -> str:
        # Half medical words (at whatever frequency they fell), half words drawn by frequency
        # rank between 20 and 3,000 (log-uniform): broad and narrow alike.
        if rng.random() < 0.5:
            return rng.choice(medical)
        return WORDS[len(STOP) + int(math.exp(rng.uniform(math.log(20), math.log(3000))))]

    mix: list[tuple[str, dict]] = []
    while len(mix) < MIX_SIZE:
        word, other = pick(), pick()
        shape = len(mix) % 6
        if shape == 0:
            mix.append(("one word", {"q": word}))
        elif shape == 1:
            mix.append(("two words", {"q": f"{word} {other}"}))
        elif shape == 2:
            cut = rng.randint(4, max(4, len(word) - 1))
            mix.append(("as typed, header (HTMX)", {"q": word[:cut], "from": "header"}))
        elif shape == 3:
            kind = rng.choice(["resource", "question", "session"])
            mix.append(("one word, kind filter", {"q": word, "kind": kind}))
        elif shape == 4:
            mix.append(("one word, tag filter", {"q": word, "tag": "TAG"}))
        else:
            mix.append(("one word, page 2", {"q": word, "page": 2}))
    mix.append(("rare word", {"q": "zygomycosis"}))
    return mix


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
QUERIES = _query_mix()


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
        cursor.execute("ANALYZE")
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


def match_counts(tag_id: int) -> dict[str, list[int]]:
    """How many indexed documents each query's words match, before permissions and filters (for
    the reader), by kind of query."""
    from django.db import connection

    from nearpeer.search import index, text

    counts: dict[str, list[int]] = {}
    with connection.cursor() as cursor:
        for name, params in QUERIES:
            words = text.terms(params["q"])
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
    """`requests` searches cycling through the mix, each followed by a bare request."""
    import httpx

    matches = match_counts(tag_id)
    samples: dict[str, list[float]] = {"bare view": []}
    shown: dict[str, list[int]] = {}
    mix = [(name, _tagged(params, tag_id)) for name, params in QUERIES]
    with httpx.Client(base_url=base, timeout=30, cookies={"sessionid": cookie}) as client:
        for _ in range(5):
            client.get("/bench/bare/")
        first: list[float] = []
        for _, params in mix:  # each query once: the first time, never cached
            headers = HTMX if params.get("from") == "header" else {}
            began = time.perf_counter()
            client.get("/search/", params=params, headers=headers).raise_for_status()
            first.append(time.perf_counter() - began)
        for i in range(requests):
            name, params = mix[i % len(mix)]
            pair = (("bare view", "/bench/bare/", {}), (name, "/search/", params))
            for label, url, query in pair:
                headers = HTMX if query.get("from") == "header" else {}
                began = time.perf_counter()
                response = client.get(url, params=query, headers=headers)
                samples.setdefault(label, []).append(time.perf_counter() - began)
                if response.status_code != 200:
                    raise SystemExit(f"{label} {query}: HTTP {response.status_code}")
                if label != "bare view":
                    shown.setdefault(label, []).append(response.text.count('class="search-result"'))
                    if query.get("from") and "<html" in response.text:
                        raise SystemExit("the header's HTMX request got a whole page")
    _, bare95 = _percentiles(samples["bare view"])
    everything = [s for name, values in samples.items() if name != "bare view" for s in values]
    stdout(f"\nLatency, gunicorn sync workers, {requests} searches ({len(mix)} different queries) "
           "each followed by a bare request, one client:")  # fmt: skip
    stdout(f"  {'':30} {'matches (median, max)':>22} {'shown':>6} {'p50 ms':>8} {'p95 ms':>8}"
           f" {'p95 ratio':>10}")  # fmt: skip
    for name, values in samples.items():
        p50, p95 = _percentiles(values)
        if name == "bare view":
            counted, seen = "", ""
        else:
            counted = f"{statistics.median(matches[name]):.0f}, {max(matches[name])}"
            seen = f"{statistics.mean(shown[name]):.1f}"
        stdout(f"  {name:30} {counted:>22} {seen:>6} {p50:8.2f} {p95:8.2f} {p95 / bare95:10.2f}")
    p50, p95 = _percentiles(everything)
    verdict = "met" if p95 < 50 else "NOT met"
    label = "search: all queries"
    stdout(f"  {label:30} {'':>22} {'':>6} {p50:8.2f} {p95:8.2f} {p95 / bare95:10.2f}"
           f"   (target p95 < 50 ms: {verdict})")  # fmt: skip
    p50, p95 = _percentiles(first)
    label = "each query's first time"
    stdout(f"  {label:30} {'':>22} {'':>6} {p50:8.2f} {p95:8.2f} {p95 / bare95:10.2f}"
           "   (before the loop above; with the cache on, these are its misses)")  # fmt: skip


def measure_throughput(
    *, base: str, cookie: str, seconds: float, clients: int, tag_id: int, stdout
) -> None:
    import httpx

    rounds = 4

    def run(url_params: list[tuple[str, dict]], start: int) -> tuple[int, float]:
        done = [0] * clients
        stop = time.perf_counter() + seconds / rounds

        def worker(i: int) -> None:
            with httpx.Client(base_url=base, timeout=30, cookies={"sessionid": cookie}) as c:
                k = start + i
                while time.perf_counter() < stop:
                    url, params = url_params[k % len(url_params)]
                    headers = HTMX if params.get("from") == "header" else {}
                    c.get(url, params=params, headers=headers).raise_for_status()
                    done[i] += 1
                    k += 1

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(done), time.perf_counter() - began

    # Interleaved in rounds (bare, search, bare, …) so that drift on a shared machine hits both
    # alike; each round of searches goes on through the mix where the last one stopped.
    bare_done = search_done = 0
    bare_time = search_time = 0.0
    searches = [("/search/", _tagged(params, tag_id)) for _, params in QUERIES]
    for _ in range(rounds):
        done, took = run([("/bench/bare/", {})], 0)
        bare_done, bare_time = bare_done + done, bare_time + took
        done, took = run(searches, search_done)
        search_done, search_time = search_done + done, search_time + took
    bare, search = bare_done / bare_time, search_done / search_time
    verdict = "met" if search >= bare / 2 else "NOT met"
    stdout(f"\nThroughput, {clients} concurrent clients, {seconds:g} s each in {rounds} "
           "interleaved rounds:")  # fmt: skip
    stdout(f"  bare view {bare:8.1f} req/s")
    stdout(f"  search    {search:8.1f} req/s   ratio {search / bare:.2f} "
           f"(target ≥ 0.5: {verdict})")  # fmt: skip


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
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.workers)
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

    resources, questions = int(50_000 * args.scale), int(20_000 * args.scale)
    stdout(f"Database: {database_url.split('@')[-1]}  (scale {args.scale:g})")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    stdout(f"Seeding ({resources:,} resources, {questions:,} questions):")
    data = seed(resources=resources, questions=questions, stdout=stdout)
    client = Client()
    client.force_login(data["member"])
    cookie = client.cookies["sessionid"].value

    for cache_on in {"off": [False], "on": [True], "both": [False, True]}[args.cache]:
        seconds = os.environ.get("NEARPEER_SEARCH_CACHE_SECONDS", "600") if cache_on else "0"
        stdout(f"\n== Result cache {'on' if cache_on else 'off'} "
               f"(NEARPEER_SEARCH_CACHE_SECONDS={seconds}), a fresh server")  # fmt: skip
        port = _free_port()
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
            measure_throughput(base=base, cookie=cookie, seconds=args.seconds,
                               clients=args.clients, tag_id=data["tag_id"],
                               stdout=stdout)  # fmt: skip
            stdout(f"Load average after: {_load()}")
        finally:
            server.terminate()
            server.wait(60)
    stdout(f"\nTotal run {time.perf_counter() - started:.1f} s (shared machine: figures are noisy)")
    if database_url.startswith("postgres"):
        call_command("flush", interactive=False, verbosity=0)  # leave the database empty again
    tmp.cleanup()


if __name__ == "__main__":
    main()
