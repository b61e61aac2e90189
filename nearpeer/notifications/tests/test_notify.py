from datetime import UTC, datetime, time, timedelta
from unittest import mock

from django.core import mail
from django.utils import timezone
from django_tasks import default_task_backend

from nearpeer.members.tests.factories import UserFactory
from nearpeer.notifications import services
from nearpeer.notifications.models import Category, Notification, NotificationPreference

# 23:30 in London in November (GMT): inside 22:00–07:00 quiet hours.
LATE = datetime(2026, 11, 10, 23, 30, tzinfo=UTC)
QUIET_END = datetime(2026, 11, 11, 7, 0, tzinfo=UTC)


def send(recipients, **kwargs):
    return services.notify(
        recipients=recipients,
        category=kwargs.pop("category", Category.SESSIONS),
        title=kwargs.pop("title", "Reminder: Cardiac cycle"),
        body="Starts at 18:00.",
        url="/sessions/1/",
    )


def test_notify_creates_in_app_and_emails_after_commit(ada, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        count = send([ada])

    n = Notification.objects.get()
    assert (count, n.recipient, n.read_at is None, n.emailed_at is not None) == (1, ada, True, True)
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("Reminder: Cardiac cycle", ["ada@example.ac.uk"])
    ]
    assert mail.outbox[0].body.startswith("Starts at 18:00.\n\nhttp://127.0.0.1:8000/sessions/1/")
    assert "/notifications/preferences/" in mail.outbox[0].body


def test_notify_nothing_emailed_before_commit(ada, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send([ada])

    # Besides the email task, the cache version bump runs again on commit (nearpeer.core.cache).
    emails = [c for c in callbacks if c.__module__ != "nearpeer.core.cache"]
    assert (len(emails), mail.outbox) == (1, [])


def test_category_turned_off_means_in_app_only(ada, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(member=ada, email_off=[Category.SESSIONS])

    with django_capture_on_commit_callbacks(execute=True):
        send([ada])
        send([ada], category=Category.WAITLIST, title="A place is yours")

    assert Notification.objects.filter(recipient=ada).count() == 2
    assert [m.subject for m in mail.outbox] == ["A place is yours"]


def test_inactive_members_get_nothing(ada, django_capture_on_commit_callbacks):
    gone = UserFactory(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        count = send([ada, gone])

    assert (count, list(Notification.objects.values_list("recipient", flat=True))) == (1, [ada.pk])


def test_quiet_hours_defer_email_to_their_end(ada, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(member=ada, quiet_start=time(22), quiet_end=time(7))

    with (
        mock.patch("django.utils.timezone.now", return_value=LATE),
        django_capture_on_commit_callbacks(execute=True),
    ):
        send([ada])

    n = Notification.objects.get()
    assert (n.email_due_at, n.emailed_at, mail.outbox) == (QUIET_END, None, [])

    # The periodic command's work: nothing before the end, the email after it.
    assert services.send_due_emails(now=QUIET_END - timedelta(minutes=1)) == 0
    assert services.send_due_emails(now=QUIET_END + timedelta(minutes=3)) == 1
    assert services.send_due_emails(now=QUIET_END + timedelta(minutes=6)) == 0
    assert [m.to for m in mail.outbox] == [["ada@example.ac.uk"]]


def test_quiet_hours_use_run_after_when_backend_can_defer(
    ada, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    NotificationPreference.objects.create(member=ada, quiet_start=time(22), quiet_end=time(7))

    with (
        mock.patch("django.utils.timezone.now", return_value=LATE),
        django_capture_on_commit_callbacks(execute=True),
    ):
        send([ada])

    n = Notification.objects.get()
    assert [(r.task.run_after, r.args) for r in default_task_backend.results] == [
        (QUIET_END, [[n.pk]])
    ]


def test_email_sent_at_most_once(ada, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send([ada])
    n = Notification.objects.get()

    again = services.send_emails(notification_ids=[n.pk, n.pk])

    assert (again, len(mail.outbox)) == (0, 1)


def test_email_not_sent_when_member_opts_out_before_it_is_due(ada):
    n = Notification.objects.create(
        recipient=ada, category=Category.SURVEYS, title="Survey", email_due_at=timezone.now()
    )
    NotificationPreference.objects.create(member=ada, email_off=[Category.SURVEYS])

    sent = services.send_due_emails()

    n.refresh_from_db()
    assert (sent, mail.outbox, n.email_due_at, n.emailed_at) == (0, [], None, None)


def test_failed_send_is_retried_by_send_due(ada, django_capture_on_commit_callbacks):
    other = UserFactory(email="other@example.ac.uk")
    real_send_mail = services.send_mail

    def flaky(subject, body, sender, to):
        if to == ["ada@example.ac.uk"]:
            raise OSError("smtp down")
        return real_send_mail(subject, body, sender, to)

    with (
        mock.patch("nearpeer.notifications.services.send_mail", side_effect=flaky),
        django_capture_on_commit_callbacks(execute=True),
    ):
        send([ada, other])
    assert [m.to for m in mail.outbox] == [["other@example.ac.uk"]]
    assert Notification.objects.get(recipient=ada).emailed_at is None

    assert services.send_due_emails() == 1
    assert [m.to for m in mail.outbox] == [["other@example.ac.uk"], ["ada@example.ac.uk"]]


def test_long_title_is_cut_to_fit(ada):
    send([ada], title="x" * 300)

    assert len(Notification.objects.get().title) == 200


def test_mark_all_read_only_touches_own(ada):
    other = UserFactory()
    send([ada, other])
    send([ada])

    assert services.mark_all_read(member=ada) == 2
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_member_listed_twice_is_notified_once(ada):
    assert send([ada, ada]) == 1
    assert Notification.objects.count() == 1
