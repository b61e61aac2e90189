"""The production path: NEARPEER_TASKS=database, emails run by `nearpeer db_worker`."""

from datetime import UTC, datetime, time
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from nearpeer.notifications.models import Category, NotificationPreference
from nearpeer.notifications.services import notify

LATE = datetime(2026, 11, 10, 23, 30, tzinfo=UTC)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=StringIO(), stderr=StringIO())


# The worker closes database connections between tasks, as it should in production; a real
# transaction per test lets it do so on PostgreSQL too.
@pytest.mark.django_db(transaction=True)
def test_db_worker_sends_queued_email(ada, database_tasks):
    notify(recipients=[ada], category=Category.WAITLIST, title="A place is yours")
    assert (DBTaskResult.objects.count(), mail.outbox) == (1, [])

    run_worker()

    assert [m.subject for m in mail.outbox] == ["A place is yours"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_quiet_hours_email_is_a_deferred_task(
    ada, database_tasks, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(member=ada, quiet_start=time(22), quiet_end=time(7))

    with (
        mock.patch("django.utils.timezone.now", return_value=LATE),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify(recipients=[ada], category=Category.SESSIONS, title="Reminder")

    task = DBTaskResult.objects.get()
    assert task.run_after == datetime(2026, 11, 11, 7, 0, tzinfo=UTC)
