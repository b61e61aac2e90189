"""Two app servers, one PostgreSQL, one Redis and an S3-compatible object store (moto in server
mode), as docs/deployment.md describes: whatever one server does, the other sees.

Each server is a real gunicorn process with production settings (NEARPEER_DEBUG=0, collected
static files), started by the test on a free port against the test database."""

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection

from nearpeer.members.models import Role, RoleGrant
from nearpeer.members.tests.factories import UserFactory, teacher
from nearpeer.teaching.models import Material, SessionTeacher
from nearpeer.teaching.tests.factories import SessionFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

BUCKET = f"nearpeer-several-servers-{uuid.uuid4().hex[:8]}"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, seconds: float = 120.0) -> None:  # a loaded machine starts slowly
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds:.0f} s")


@pytest.fixture(scope="session")
def object_store():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    _s3(endpoint).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    yield endpoint
    httpx.post(f"{endpoint}/moto-api/reset", timeout=5)  # moto keeps buckets per process
    server.stop()


def _s3(endpoint: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="eu-west-2",
    )


@pytest.fixture(scope="session")
def server_env(object_store, redis_url, django_db_setup, tmp_path_factory) -> dict:
    """The production environment every process of the deployment shares (one deployment for
    the run, session-scoped because xdist may run another module's test between two of these:
    starting it takes most of each test's time; `_fresh_deployment` empties what a test leaves
    in the bucket and in Redis)."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    var_dir = tmp_path_factory.mktemp("several-servers")
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgresql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": redis_url,
        "SECRET_KEY": "several-servers-test-only-" + "k" * 40,
        "NEARPEER_DEBUG": "0",
        "NEARPEER_ANONYMITY_KEY": "several-servers-anonymity-key-" + "a" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "NEARPEER_VAR_DIR": str(var_dir),
        "NEARPEER_STATIC_ROOT": str(var_dir / "static"),
        "NEARPEER_S3_BUCKET": BUCKET,
        "NEARPEER_S3_ENDPOINT_URL": object_store,
        "NEARPEER_S3_REGION": "eu-west-2",
        "NEARPEER_SIGNED_URL_SECONDS": "60",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        # Tasks are rows in PostgreSQL, run by `nearpeer db_worker` (the `worker` fixture).
        "NEARPEER_TASKS": "database",
        # Cache keys of this deployment only: a test database starts its ids again, and a role or
        # fragment cached in Redis by an earlier run for the same id must not be read.
        "NEARPEER_REDIS_PREFIX": f"several-servers-{uuid.uuid4().hex[:8]}",
    }
    return env


@pytest.fixture(autouse=True)
def _fresh_deployment(server_env, object_store, redis_url, settings):
    """Each test starts as on a new deployment: an empty bucket and no key under the
    deployment's Redis prefix (cached pages, roles, sessions, throttle counters), as a prefix
    of its own per test would give."""
    # Passwords made here must verify in the servers, which do not know the tests' fast hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    import redis

    s3 = _s3(object_store)
    for found in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=found["Key"])
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"*{server_env['NEARPEER_REDIS_PREFIX']}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
    assert not _bucket_keys(object_store)
    yield


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def two_servers(server_env):
    env = server_env
    root = Path(django_settings.BASE_DIR)
    subprocess.run(
        [sys.executable, "-m", "nearpeer.cli", "collectstatic", "--noinput", "-v0"],
        cwd=root,
        env=env,
        check=True,
    )
    servers, urls = [], []
    try:
        for _ in range(2):
            port = _free_port()
            servers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "nearpeer.wsgi:application",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        "1",
                        "--log-level",
                        "warning",
                    ],
                    cwd=root,
                    env=env,
                )  # fmt: skip
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            _wait_for(f"{url}/healthz")
        yield urls
    finally:
        _stop(servers)


def _start_worker(server_env: dict, var_dir: Path) -> subprocess.Popen:
    """One `nearpeer db_worker`, as deployment.md's systemd unit runs it, with a var directory
    of its own: what it reads and writes goes through the database and the bucket only."""
    var_dir.mkdir()
    return subprocess.Popen(
        [sys.executable, "-m", "nearpeer.cli", "db_worker", "--queue-name", "*", "--interval",
         "0.2", "--worker-id", "several-servers-test", "--no-reload", "-v0"],
        cwd=Path(django_settings.BASE_DIR),
        env={**server_env, "NEARPEER_VAR_DIR": str(var_dir)},
    )  # fmt: skip


@pytest.fixture
def worker(server_env, tmp_path):
    process = _start_worker(server_env, tmp_path / "worker")
    try:
        yield process
    finally:
        _stop([process])


def _csrf(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def _sign_in(client: httpx.Client, email: str) -> None:
    token = _csrf(client, "/members/sign-in/")
    response = client.post(
        "/members/sign-in/",
        data={"csrfmiddlewaretoken": token, "username": email, "password": "pw"},
    )
    assert response.status_code == 302, response.text[:500]


def test_an_upload_through_one_server_downloads_through_the_other_by_a_signed_url(two_servers):
    first, second = two_servers
    session = SessionFactory(title="Renal physiology")
    lecturer = teacher(email="lecturer@example.ac.uk")
    SessionTeacher.objects.create(session=session, teacher=lecturer)
    UserFactory(email="student@example.ac.uk", year=2)

    # The student's view of the session is cached (in Redis) on the second server first.
    with httpx.Client(base_url=second, timeout=20) as on_second:
        _sign_in(on_second, "student@example.ac.uk")
        page_before = on_second.get(f"/sessions/{session.pk}/").text

    with httpx.Client(base_url=first, timeout=20) as on_first:
        _sign_in(on_first, "lecturer@example.ac.uk")
        form = f"/teach/sessions/{session.pk}/materials/new/"
        token = _csrf(on_first, form)
        uploaded = on_first.post(
            form,
            data={"csrfmiddlewaretoken": token, "kind": "slides", "title": "Slides"},
            files={"upload": ("renal slides.pdf", PDF, "application/pdf")},
        )
    assert uploaded.status_code == 302, uploaded.text[:500]
    material = Material.objects.get(session=session)

    with httpx.Client(base_url=second, timeout=20) as on_second:
        _sign_in(on_second, "student@example.ac.uk")
        page_after = on_second.get(f"/sessions/{session.pk}/").text
        opened = on_second.get(f"/materials/{material.pk}/")
        assert opened.status_code == 302
        signed = opened.headers["Location"]
        fetched = httpx.get(signed, timeout=20)
        unsigned = httpx.get(signed.split("?")[0], timeout=20)

    # The upload through the first server invalidated the second's cached page.
    assert "Nothing yet." in page_before
    assert f'href="/materials/{material.pk}/">Slides</a>' in page_after
    query = parse_qs(urlsplit(signed).query)
    assert urlsplit(signed).path == f"/{BUCKET}/{material.file.name}"
    assert query["X-Amz-Expires"] == ["60"]
    assert "X-Amz-Signature" in query
    assert opened.headers["Cache-Control"] == "private, no-store"
    assert fetched.status_code == 200
    assert fetched.content == PDF
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    assert "renal" in fetched.headers["Content-Disposition"]
    assert unsigned.status_code == 403  # the bucket is private: no signature, no file


def test_a_registration_through_one_server_shows_at_once_on_the_other(two_servers):
    first, second = two_servers
    session = SessionFactory(title="Cardiac cycle", capacity=2)
    UserFactory(email="first@example.ac.uk", year=2)
    UserFactory(email="second@example.ac.uk", year=2)
    page = f"/sessions/{session.pk}/"

    with httpx.Client(base_url=second, timeout=20) as watcher:
        _sign_in(watcher, "second@example.ac.uk")
        before = watcher.get(page).text
        timetable_before = watcher.get("/timetable/").text  # cached in Redis from here on
        with httpx.Client(base_url=first, timeout=20) as registrant:
            _sign_in(registrant, "first@example.ac.uk")
            token = _csrf(registrant, page)
            registered = registrant.post(
                f"/sessions/{session.pk}/register/", data={"csrfmiddlewaretoken": token}
            )
            as_registrant = registrant.get("/timetable/").text  # the same cached part, their place
        after = watcher.get(page).text
        timetable_after = watcher.get("/timetable/").text

    assert registered.status_code == 302
    assert "2 of 2 places left" in timetable_before
    assert "1 of 2 places left" in timetable_after and "You have a place" not in timetable_after
    assert "1 of 2 places left" in as_registrant and "You have a place" in as_registrant
    assert "2 of 2 left" in before
    assert "1 of 2 left" in after


def test_a_role_change_and_a_sign_out_hold_at_once_on_the_other_server(
    two_servers, server_env, redis_url, settings
):
    """Sessions are read from Redis (cached_db) and roles from a cached fragment: a grant made
    anywhere, and a sign-out through one server, are seen by the other at once."""
    first, second = two_servers
    member = UserFactory(email="member@example.ac.uk", year=2)
    committee_page = "/members/committee/members/"

    with httpx.Client(base_url=first, timeout=20) as on_first:
        _sign_in(on_first, "member@example.ac.uk")
        with httpx.Client(base_url=second, timeout=20, cookies=on_first.cookies) as on_second:
            assert on_second.get("/timetable/").status_code == 200  # session now in Redis
            before = on_second.get(committee_page).status_code
            # This process bumps the role version where the servers read it.
            settings.CACHES = {
                "default": {
                    "BACKEND": "nearpeer.core.cache.ResilientRedisCache",
                    "LOCATION": redis_url,
                    "KEY_PREFIX": server_env["NEARPEER_REDIS_PREFIX"],
                }
            }
            RoleGrant.objects.create(user=member, role=Role.COMMITTEE)
            granted = on_second.get(committee_page).status_code

            token = _csrf(on_first, "/timetable/")
            signed_out = on_first.post("/members/sign-out/", data={"csrfmiddlewaretoken": token})
            after = on_second.get("/timetable/")

    assert (before, granted) == (404, 200)
    assert signed_out.status_code == 302
    assert after.status_code == 302 and "/members/sign-in/" in after.headers["Location"]


def _follow_job(client: httpx.Client, path: str, seconds: float = 120.0) -> str:
    """Poll the job's page as its htmx does (the `job-status` fragment) until the job ends."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        fragment = client.get(path, headers={"HX-Request": "true"})
        assert fragment.status_code == 200, (path, fragment.status_code)
        if "hx-trigger" not in fragment.text:  # polling stops when the job ends
            return fragment.text
        time.sleep(0.3)
    raise AssertionError(f"{path} did not finish within {seconds:.0f} s")


def _bucket_keys(endpoint: str) -> set[str]:
    return {o["Key"] for o in _s3(endpoint).list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_long_work_runs_on_a_worker_and_is_followed_and_downloaded_through_the_other_server(
    two_servers, worker, object_store
):
    """A roster import and a large value report started through one server are run by the
    worker (which reads the upload from, and writes the file to, the bucket), followed on the
    other server's job page and downloaded from it by a signed URL."""
    from django.urls import reverse

    from nearpeer.core.models import BackgroundJob
    from nearpeer.evaluation import services as evaluation
    from nearpeer.evaluation.models import Survey, ValueStatement
    from nearpeer.evaluation.views import DIRECT_VALUE_MAX_CHARS
    from nearpeer.members.models import User

    first, second = two_servers
    UserFactory(email="committee@example.ac.uk", roles=[Role.COMMITTEE])
    UserFactory(email="lead@example.ac.uk", roles=[Role.EVALUATION_LEAD])
    survey = Survey.objects.create(title="End of year", slug="end-of-year")
    theme = evaluation.get_or_create_code_path(survey=survey, path="Confidence")
    ValueStatement.objects.bulk_create(
        ValueStatement(
            survey=survey, cycle="immediate", audience="attendees", theme=theme, quote="Q" * 1000
        )
        for _ in range(DIRECT_VALUE_MAX_CHARS // 1000 + 1)  # large: built by the worker
    )
    roster = b"email,name,year\nana@example.ac.uk,Ana Ng,1\nbo@example.ac.uk,Bo Li,2\n"

    with httpx.Client(base_url=first, timeout=20) as on_first:
        _sign_in(on_first, "committee@example.ac.uk")
        form = reverse("members:roster-import")
        token = _csrf(on_first, form)
        preview = on_first.post(
            form,
            data={"csrfmiddlewaretoken": token},
            files={"file": ("roster.csv", roster, "text/csv")},
        )
        digest = re.search(r'name="digest" value="([^"]+)"', preview.text).group(1)
        confirmed = on_first.post(
            reverse("members:roster-confirm"),
            data={"csrfmiddlewaretoken": _csrf(on_first, form), "digest": digest},
        )
    roster_page = confirmed.headers["Location"]
    roster_job = BackgroundJob.objects.get(kind="members.roster-import")

    with httpx.Client(base_url=first, timeout=20) as on_first:
        _sign_in(on_first, "lead@example.ac.uk")
        build = reverse("evaluation:value-report-build", args=[survey.slug])
        token = _csrf(on_first, reverse("evaluation:value-report", args=[survey.slug]))
        started = on_first.post(build, data={"csrfmiddlewaretoken": token, "format": "xlsx"})
    value_page = started.headers["Location"]

    with httpx.Client(base_url=second, timeout=20) as on_second:
        _sign_in(on_second, "committee@example.ac.uk")
        roster_done = _follow_job(on_second, roster_page)
    with httpx.Client(base_url=second, timeout=20) as on_second:
        _sign_in(on_second, "lead@example.ac.uk")
        value_done = _follow_job(on_second, value_page)
        value_job = BackgroundJob.objects.get(kind="evaluation.value-report")
        opened = on_second.get(reverse("core:job-output", args=[value_job.pk]))
        signed = opened.headers["Location"]
        fetched = httpx.get(signed, timeout=20)
    roster_job.refresh_from_db()
    value_job.refresh_from_db()

    assert confirmed.status_code == 302 and roster_page == f"/jobs/{roster_job.pk}/"
    assert started.status_code == 302 and value_page == f"/jobs/{value_job.pk}/"
    assert "Roster imported: 2 new, 0 updated, 0 unchanged." in roster_done
    assert set(User.objects.filter(email__in=["ana@example.ac.uk", "bo@example.ac.uk"])
               .values_list("name", flat=True)) == {"Ana Ng", "Bo Li"}  # fmt: skip
    assert (roster_job.status, roster_job.upload.name) == ("done", "")
    assert "The XLSX file is ready." in value_done
    assert value_job.status == "done" and value_job.output.name in _bucket_keys(object_store)
    # Only the built file is left in the bucket: the worker deleted the roster it read.
    assert not any("roster" in key for key in _bucket_keys(object_store))
    assert opened.status_code == 302 and opened.headers["Cache-Control"] == "private, no-store"
    query = parse_qs(urlsplit(signed).query)
    assert urlsplit(signed).path == f"/{BUCKET}/{value_job.output.name}"
    assert query["X-Amz-Expires"] == ["60"]
    assert fetched.status_code == 200 and fetched.content.startswith(b"PK")
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    assert "end-of-year-value.xlsx" in fetched.headers["Content-Disposition"]


def test_two_committee_members_on_two_servers_get_one_allocation_run_solved_by_the_worker(
    two_servers, server_env, tmp_path
):
    """Both press Run, one through each server, before any worker is up: one run is queued and
    the second member is sent to it. The worker then solves it, and the review page on the
    other server, polling its status, is told to reload and shows the groups."""
    from django.urls import reverse

    from nearpeer.members.tests.factories import committee
    from nearpeer.tutorials.models import AllocationRun
    from nearpeer.tutorials.tests.factories import ProgrammeFactory, SlotFactory, sign_up

    first, second = two_servers
    programme = ProgrammeFactory(title="Year 2 OSCE", group_min=2, group_max=3, tutors_max=1)
    slot = SlotFactory(programme=programme, weekday=1, start_time="18:00")
    sign_up(programme, teacher(name="Tina Tutor"), role="tutor", yes=[slot])
    for name in ("Ann", "Ben"):
        sign_up(programme, UserFactory(name=name), yes=[slot])
    committee(email="ada@example.ac.uk", name="Ada Committee")
    committee(email="bo@example.ac.uk", name="Bo Committee")
    review = reverse("tutorials:allocation-review", args=[programme.pk])
    run = reverse("tutorials:allocation-run", args=[programme.pk])
    status = reverse("tutorials:allocation-status", args=[programme.pk])

    with (
        httpx.Client(base_url=first, timeout=20) as ada,
        httpx.Client(base_url=second, timeout=20) as bo,
    ):
        _sign_in(ada, "ada@example.ac.uk")
        _sign_in(bo, "bo@example.ac.uk")
        ada_token, bo_token = _csrf(ada, review), _csrf(bo, review)
        pressed = [
            client.post(run, data={"csrfmiddlewaretoken": token, "time_limit_s": "5"})
            for client, token in ((ada, ada_token), (bo, bo_token))
        ]
        bo_page = bo.get(review).text
        queued = list(AllocationRun.objects.values_list("status", "run_by__name"))
        worker = _start_worker(server_env, tmp_path / "worker")
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                polled = bo.get(status, headers={"HX-Request": "true"})
                if polled.headers.get("HX-Refresh") == "true":
                    break
                time.sleep(0.3)
            after = bo.get(review).text
        finally:
            _stop([worker])

    assert [p.status_code for p in pressed] == [302, 302]
    assert queued == [("queued", "Ada Committee")]
    assert "An allocation started by Ada Committee is already running." in bo_page
    assert f'hx-get="{status}"' in bo_page and "waiting for a worker" in bo_page
    assert polled.headers.get("HX-Refresh") == "true", polled.text[:300]
    done = AllocationRun.objects.get()
    assert (done.status, done.placed) == ("done", 2)
    assert "Ann" in after and "Ben" in after and "hx-get" not in after.split("run-status")[1][:200]
