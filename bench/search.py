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
"""

import argparse
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
QUERIES = [
    ("common word", {"q": "haemoglobin"}),
    ("rare word", {"q": "zygomycosis"}),
    ("two words", {"q": "fibrillation warfarin"}),
    ("prefix as typed", {"q": "pneumo"}),
    ("filtered", {"q": "sepsis", "kind": "resource"}),
    ("as typed, header (HTMX)", {"q": "haemog", "from": "header"}),
]
HTMX = {"HX-Request": "true"}


def _environment(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("NEARPEER_ANONYMITY_KEY", secrets.token_urlsafe(40))
    os.environ.pop("NEARPEER_DEBUG", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "nearpeer.settings"


def _setup(bare_urls: bool = False) -> None:
    import django

    import nearpeer.settings as project_settings

    project_settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    if bare_urls:
        project_settings.ROOT_URLCONF = "bench_search_urls"
    django.setup()


def _install_bare_urlconf() -> None:
    import types

    from django.http import HttpResponse
    from django.urls import include, path

    def bare(request):
        return HttpResponse("ok", content_type="text/plain")

    module = types.ModuleType("bench_search_urls")
    module.urlpatterns = [path("bench/bare/", bare), path("", include("nearpeer.urls"))]
    sys.modules["bench_search_urls"] = module


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
            _setup(bare_urls=True)
            _install_bare_urlconf()
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
    return {"member": member}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return p50 * 1000, p95 * 1000


def match_counts() -> dict[str, int]:
    """How many indexed documents each query matches, before permissions (for the reader)."""
    from django.db import connection

    from nearpeer.search import index, text
    from nearpeer.search.models import Document

    counts = {}
    for name, params in QUERIES:
        words = text.terms(params["q"])  # the HTMX fragment runs the same query
        documents = Document.objects.all()
        if params.get("kind"):
            documents = documents.filter(kind=params["kind"])
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery

            query = SearchQuery(text.tsquery(words), config=index.PG_CONFIG, search_type="raw")
            counts[name] = documents.filter(vector=query).count()
        else:
            counts[name] = documents.extra(  # noqa: S610 - constant SQL, words as a parameter
                tables=[index.FTS_TABLE],
                where=[f"{index.FTS_TABLE}.rowid = search_document.id",
                       f"{index.FTS_TABLE} MATCH %s"],
                params=[text.fts5_match(words)],
            ).count()  # fmt: skip
    return counts


def measure_latency(*, base: str, cookie: str, requests: int, stdout) -> None:
    import httpx

    matches = match_counts()

    targets = {"bare view": ("/bench/bare/", {})} | {
        f"search: {name}": ("/search/", params) for name, params in QUERIES
    }
    samples = {name: [] for name in targets}
    hits = {}
    with httpx.Client(base_url=base, timeout=30, cookies={"sessionid": cookie}) as client:
        for url, params in targets.values():  # warm up
            for _ in range(5):
                client.get(url, params=params)
        for _ in range(requests):
            for name, (url, params) in targets.items():  # interleaved: drift hits all alike
                began = time.perf_counter()
                headers = HTMX if params.get("from") == "header" else {}
                response = client.get(url, params=params, headers=headers)
                samples[name].append(time.perf_counter() - began)
                if response.status_code != 200:
                    raise SystemExit(f"{name}: HTTP {response.status_code}")
                hits[name] = response.text.count('class="search-result"')
                if params.get("from") and "<html" in response.text:
                    raise SystemExit("the header's HTMX request got a whole page")
    bare50, bare95 = _percentiles(samples["bare view"])
    everything = [s for name, values in samples.items() if name != "bare view" for s in values]
    stdout(f"\nLatency, gunicorn sync workers, {requests} requests each, one client, interleaved:")
    stdout(f"  {'':28} {'matches':>8} {'shown':>6} {'p50 ms':>8} {'p95 ms':>8} {'p95 ratio':>10}")
    for name in targets:
        p50, p95 = _percentiles(samples[name])
        key = name.removeprefix("search: ")
        shown, matched = ("", "") if name == "bare view" else (hits[name], matches[key])
        stdout(
            f"  {name:28} {matched!s:>8} {shown!s:>6} {p50:8.2f} {p95:8.2f} {p95 / bare95:10.2f}"
        )
    p50, p95 = _percentiles(everything)
    verdict = "met" if p95 < 50 else "NOT met"
    label = "search: all queries"
    stdout(f"  {label:28} {'':>8} {'':>6} {p50:8.2f} {p95:8.2f} {p95 / bare95:10.2f}"
           f"   (target p95 < 50 ms: {verdict})")  # fmt: skip


def measure_throughput(*, base: str, cookie: str, seconds: float, clients: int, stdout) -> None:
    import httpx

    def run(url_params: list[tuple[str, dict]]) -> float:
        done = [0] * clients
        stop = time.perf_counter() + seconds

        def worker(i: int) -> None:
            with httpx.Client(base_url=base, timeout=30, cookies={"sessionid": cookie}) as c:
                k = i
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
        return sum(done) / (time.perf_counter() - began)

    bare = run([("/bench/bare/", {})])
    search = run([("/search/", params) for _, params in QUERIES])
    verdict = "met" if search >= bare / 2 else "NOT met"
    stdout(f"\nThroughput, {clients} concurrent clients, {seconds:g} s each:")
    stdout(f"  bare view {bare:8.1f} req/s")
    stdout(f"  search    {search:8.1f} req/s   ratio {search / bare:.2f} "
           f"(target ≥ 0.5: {verdict})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full data")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.workers)
        return

    def stdout(line: str) -> None:
        print(line, flush=True)

    tmp = tempfile.TemporaryDirectory(prefix="nearpeer-bench-")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ["NEARPEER_VAR_DIR"] = tmp.name
    _environment(database_url)
    _setup()
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

    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, __file__, "--serve", str(port), "--workers", str(args.workers)],
        env=os.environ.copy(),
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        measure_latency(base=base, cookie=cookie, requests=args.requests, stdout=stdout)
        measure_throughput(base=base, cookie=cookie, seconds=args.seconds,
                           clients=args.clients, stdout=stdout)  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)
    stdout(f"\nTotal run {time.perf_counter() - started:.1f} s (shared machine: figures are noisy)")
    if database_url.startswith("postgres"):
        call_command("flush", interactive=False, verbosity=0)  # leave the database empty again
    tmp.cleanup()


if __name__ == "__main__":
    main()
