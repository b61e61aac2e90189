import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from nearpeer.members.tests.factories import UserFactory
from nearpeer.notifications.models import Notification, ReminderSent
from nearpeer.notifications.services import send_session_reminders
from nearpeer.teaching.models import Registration
from nearpeer.teaching.tests.factories import SessionFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_reminder_runs_remind_each_member_once():
    session = SessionFactory(starts_at=timezone.now() + timedelta(hours=2))
    members = [UserFactory() for _ in range(20)]
    Registration.objects.bulk_create(
        [Registration(session=session, member=m, status="registered") for m in members]
    )
    start = threading.Barrier(4)
    results, errors = [], []

    def run():
        try:
            start.wait()
            results.append(send_session_reminders(within=timedelta(hours=24)))
        except Exception as exc:  # surfaced in the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert (errors, sorted(results)) == ([], [0, 0, 0, 20])
    assert (Notification.objects.count(), ReminderSent.objects.count()) == (20, 20)
