from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from nearpeer.members.tests.factories import UserFactory
from nearpeer.notifications.models import Notification, ReminderSent
from nearpeer.notifications.services import send_session_reminders
from nearpeer.teaching.models import Registration, Session
from nearpeer.teaching.tests.factories import SessionFactory

DAY = timedelta(hours=24)


def register(session, member, status=Registration.Status.REGISTERED):
    return Registration.objects.create(session=session, member=member, status=status)


@pytest.fixture
def soon(db):
    return SessionFactory(
        title="ECG basics",
        starts_at=timezone.now() + timedelta(hours=3),
        room="Lecture Theatre 2",
    )


def reminded() -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.values_list("recipient__email", "title").order_by("recipient__email")
    )


def test_registered_members_reminded_once(soon, django_capture_on_commit_callbacks):
    ada, bo = UserFactory(email="ada@x.org"), UserFactory(email="bo@x.org")
    register(soon, ada)
    register(soon, bo)
    register(soon, UserFactory(email="wait@x.org"), Registration.Status.WAITLISTED)
    register(soon, UserFactory(email="gone@x.org"), Registration.Status.CANCELLED)

    with django_capture_on_commit_callbacks(execute=True):
        first = send_session_reminders(within=DAY)
        second = send_session_reminders(within=DAY)

    assert (first, second) == (2, 0)
    assert reminded() == [
        ("ada@x.org", "Reminder: ECG basics"),
        ("bo@x.org", "Reminder: ECG basics"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@x.org", "bo@x.org"]
    assert "Lecture Theatre 2" in mail.outbox[0].body


def test_late_registration_gets_its_own_reminder(soon):
    register(soon, UserFactory(email="ada@x.org"))
    send_session_reminders(within=DAY)
    register(soon, UserFactory(email="late@x.org"))

    assert send_session_reminders(within=DAY) == 1
    assert ReminderSent.objects.filter(session=soon).count() == 2


def test_sessions_outside_window_cancelled_or_past_not_reminded(db):
    ada = UserFactory()
    now = timezone.now()
    register(SessionFactory(starts_at=now + timedelta(hours=30)), ada)
    register(SessionFactory(starts_at=now - timedelta(minutes=10)), ada)
    register(
        SessionFactory(starts_at=now + timedelta(hours=2), status=Session.Status.CANCELLED), ada
    )

    assert send_session_reminders(within=DAY) == 0
    assert Notification.objects.count() == 0


def test_window_is_configurable(db):
    ada = UserFactory()
    register(SessionFactory(starts_at=timezone.now() + timedelta(hours=30)), ada)

    assert send_session_reminders(within=timedelta(hours=48)) == 1


def test_reminder_command(soon):
    register(soon, UserFactory())
    out = StringIO()

    call_command("notifications", "send-reminders", "--hours=6", stdout=out)
    call_command("notifications", "send-reminders", "--hours=6", stdout=out)

    assert out.getvalue() == "Sent 1 session reminder(s).\nSent 0 session reminder(s).\n"


def test_reminder_command_rejects_silly_window(db):
    with pytest.raises(CommandError, match="--hours must be more than 0"):
        call_command("notifications", "send-reminders", "--hours=0")


def test_send_due_command(db):
    ada = UserFactory(email="ada@x.org")
    Notification.objects.create(
        recipient=ada, category="sessions", title="Held back", email_due_at=timezone.now()
    )
    out = StringIO()

    call_command("notifications", "send-due", stdout=out)

    assert (out.getvalue(), [m.subject for m in mail.outbox]) == (
        "Sent 1 due email(s).\n",
        ["Held back"],
    )
