"""Background jobs (core/jobs.py): one job when two people start the same work, run once, the
result or the errors recorded, the upload kept in storage only while needed, and a page that
polls while the job is active."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from nearpeer.core import jobs
from nearpeer.core.models import BackgroundJob
from nearpeer.members.tests.factories import UserFactory

SEEN: list = []


@jobs.register("core.test-echo", can_view=lambda user, job: False)
def echo(job, progress):
    data = jobs.read_upload(job) if job.upload else b""
    progress("Counting lines", 1, 3)
    # What another connection sees while the handler runs: the stage and counts just written.
    SEEN.append(BackgroundJob.objects.values_list("status", "stage", "done", "total").get())
    if job.params.get("fail"):
        raise jobs.JobFailed(["Line 2, column email: not an email address", "Line 5: too long"])
    if job.params.get("crash"):
        raise RuntimeError("boom")
    lines = data.count(b"\n")
    return {"summary": [f"{lines} lines read."], "notes": ["Column a: kept"]}


@pytest.fixture
def boss(db):
    return UserFactory(name="Boss Bea")


def start(by, key="k", **params):
    return jobs.start_job(
        kind="core.test-echo", key=key, title="Echo", by=by, params=params,
        upload=("rows.csv", b"a\nb\nc\n"),
    )  # fmt: skip


def test_two_starts_of_the_same_work_while_it_is_active_get_one_job(boss):
    first, created_first = start(boss)
    second, created_second = start(UserFactory(name="Other"))
    other_key, created_other = start(boss, key="another file")

    assert (created_first, created_second, created_other) == (True, False, True)
    assert second.pk == first.pk and other_key.pk != first.pk
    assert BackgroundJob.objects.count() == 2
    # The refused start left no stray upload behind: only the two jobs' files exist.
    assert sorted(j.upload.storage.exists(j.upload.name) for j in BackgroundJob.objects.all()) == [
        True,
        True,
    ]


def test_a_job_runs_once_records_its_result_and_deletes_its_upload(boss):
    SEEN.clear()
    job, _ = start(boss)
    storage, name = job.upload.storage, job.upload.name

    job = jobs.execute_job(job_id=job.pk)
    again = jobs.execute_job(job_id=job.pk)  # the task delivered twice

    assert (job.status, job.result["summary"]) == ("done", ["3 lines read."])
    assert again.status == "done" and len(SEEN) == 1
    assert SEEN == [("running", "Counting lines", 1, 3)]
    assert not storage.exists(name) and not job.upload
    # A finished job frees the key for the next start.
    assert start(boss)[1] is True


def test_a_refused_job_lists_each_error_and_an_internal_error_says_nothing_changed(boss):
    failed = jobs.execute_job(job_id=start(boss, fail=True)[0].pk)
    crashed = jobs.execute_job(job_id=start(boss, key="2", crash=True)[0].pk)

    assert (failed.status, failed.errors) == (
        "failed",
        ["Line 2, column email: not an email address", "Line 5: too long"],
    )
    assert (crashed.status, crashed.errors) == (
        "failed",
        ["the job stopped with an internal error; nothing was changed"],
    )


def test_the_job_page_polls_while_active_works_without_js_and_shows_the_result(client, boss):
    job, _ = start(boss)
    url = reverse("core:job-detail", args=[job.pk])
    client.force_login(boss)

    queued = client.get(url).content.decode()
    BackgroundJob.objects.filter(pk=job.pk).update(
        status="running", stage="Writing the members", done=40, total=120
    )
    running = client.get(url, headers={"HX-Request": "true"}).content.decode()
    BackgroundJob.objects.filter(pk=job.pk).update(status="queued")
    jobs.execute_job(job_id=job.pk)
    done = client.get(url).content.decode()

    assert f'hx-get="{url}" hx-trigger="every 1s"' in queued
    assert '<meta http-equiv="refresh" content="3">' in queued  # no JavaScript needed
    assert "Waiting for a worker" in queued and "Boss Bea" in queued
    assert "<html" not in running  # the htmx fragment only
    assert "<strong>Writing the members</strong>: 40 of 120." in running
    assert '<progress max="120" value="40"' in running
    assert f'hx-get="{url}"' not in done and 'http-equiv="refresh"' not in done
    assert "<li>3 lines read.</li>" in done and "<li>Column a: kept</li>" in done


def test_someone_else_cannot_see_a_job_of_a_kind_they_may_not_watch(client, boss):
    job, _ = start(boss)
    client.force_login(UserFactory())

    assert client.get(reverse("core:job-detail", args=[job.pk])).status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_starting_the_same_work_at_once_get_one_job(monkeypatch):
    # No worker here: the first job stays queued while the second start happens.
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda func: None)
    people = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(2)
    outcomes = []

    def press(person):
        barrier.wait()
        try:
            job, created = jobs.start_job(
                kind="core.test-echo", key="same file", title="Echo", by=person,
                upload=("rows.csv", b"a\n"),
            )  # fmt: skip
            outcomes.append((job.pk, created))
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(created for _, created in outcomes) == [False, True]
    assert len({pk for pk, _ in outcomes}) == 1
    assert BackgroundJob.objects.count() == 1
