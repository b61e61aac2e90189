"""Allocation runs off the request: queued once, solved by a task with no lock held, written
only if the sign-ups are still those the solver saw."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from nearpeer.members.tests.factories import UserFactory
from nearpeer.tutorials import allocation, services
from nearpeer.tutorials.models import AllocationRun, Programme
from nearpeer.tutorials.tests.factories import sign_up


def test_a_second_request_while_one_is_queued_gets_the_same_run(boss, programme, cohort):
    first, created_first = services.request_allocation(programme=programme, by=boss)
    second, created_second = services.request_allocation(
        programme=programme, by=UserFactory(name="Other Boss")
    )

    assert (created_first, created_second) == (True, False)
    assert second.pk == first.pk
    assert AllocationRun.objects.filter(programme=programme).count() == 1


def test_a_run_executes_once_even_when_the_task_is_delivered_twice(boss, programme, cohort):
    run, _ = services.request_allocation(programme=programme, by=boss)

    services.execute_allocation(run_id=run.pk)
    groups_after_first = sorted(programme.groups.values_list("pk", flat=True))
    again = services.execute_allocation(run_id=run.pk)

    assert again.status == "done"
    assert sorted(programme.groups.values_list("pk", flat=True)) == groups_after_first


def test_sign_ups_changed_while_solving_fail_the_run_and_keep_the_groups(
    boss, programme, cohort, monkeypatch
):
    real_solve = allocation.solve

    def solve_while_someone_signs_up(problem):
        sign_up(programme, UserFactory(name="Late Lou"), yes=list(programme.slots.all()))
        return real_solve(problem)

    monkeypatch.setattr(allocation, "solve", solve_while_someone_signs_up)
    run, _ = services.request_allocation(programme=programme, by=boss)

    run = services.execute_allocation(run_id=run.pk)

    assert (run.status, run.error) == (
        "failed",
        "sign-ups or pinned groups changed while the allocation ran; run it again",
    )
    assert programme.groups.count() == 0


def test_an_internal_solver_error_fails_the_run_with_a_plain_reason(
    boss, programme, cohort, monkeypatch
):
    def broken(problem):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(allocation, "solve", broken)
    run, _ = services.request_allocation(programme=programme, by=boss)

    run = services.execute_allocation(run_id=run.pk)

    assert (run.status, run.error) == (
        "failed",
        "the solver stopped with an internal error; the groups are unchanged",
    )
    # A finished run frees the programme for the next one.
    _, created = services.request_allocation(programme=programme, by=boss)
    assert created


def test_the_review_page_polls_while_a_run_is_active_and_reloads_when_it_ends(
    client, boss, programme, cohort
):
    run, _ = services.request_allocation(programme=programme, by=boss)
    client.force_login(boss)
    status_url = reverse("tutorials:allocation-status", args=[programme.pk])

    page = client.get(reverse("tutorials:allocation-review", args=[programme.pk]))
    polling = client.get(status_url, headers={"HX-Request": "true"})
    services.execute_allocation(run_id=run.pk)
    finished = client.get(status_url, headers={"HX-Request": "true"})

    html = page.content.decode()
    assert f'hx-get="{status_url}"' in html
    assert "The allocation is waiting for a worker" in html
    assert "Run the allocation</button>" not in html  # no second run while one is active
    assert polling.status_code == 200
    assert 'hx-trigger="every 2s"' in polling.content.decode()
    assert (finished.status_code, finished.headers["HX-Refresh"]) == (200, "true")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_committee_members_starting_at_once_get_one_run(boss, programme, cohort):
    barrier = threading.Barrier(4)
    created = []

    def start():
        barrier.wait()
        try:
            _, was_created = services.request_allocation(programme=programme, by=boss)
            created.append(was_created)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(created) == [False, False, False, True]
    assert AllocationRun.objects.filter(programme=programme).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_programme_row_is_not_locked_while_the_solver_works(
    boss, programme, cohort, monkeypatch
):
    real_solve = allocation.solve
    locked_elsewhere = []

    def solve_and_probe(problem):
        def probe():
            try:
                from django.db import transaction

                with transaction.atomic():
                    Programme.objects.select_for_update(nowait=True).get(pk=programme.pk)
                locked_elsewhere.append(False)
            except Exception:
                locked_elsewhere.append(True)
            finally:
                connection.close()

        thread = threading.Thread(target=probe)
        thread.start()
        thread.join()
        return real_solve(problem)

    monkeypatch.setattr(allocation, "solve", solve_and_probe)
    run, _ = services.request_allocation(programme=programme, by=boss)

    run = services.execute_allocation(run_id=run.pk)

    assert run.status == "done"
    assert locked_elsewhere == [False]
