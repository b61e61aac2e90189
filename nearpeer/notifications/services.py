"""The one way any app tells members something: in-app always, email by preference."""

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend

from .models import Category, Notification, NotificationPreference, ReminderSent
from .quiet import quiet_hours_end

log = logging.getLogger("nearpeer.notifications")
TITLE_MAX = Notification._meta.get_field("title").max_length
BODY_MAX = 5000


def email_due_at(preference: NotificationPreference | None, category: str, now: datetime):
    """When the email for a notification should go: now, the end of quiet hours, or never
    (None)."""
    if preference is None:
        return now
    if not preference.wants_email(category):
        return None
    local_now = now.astimezone(ZoneInfo(settings.TIME_ZONE))
    end = quiet_hours_end(local_now, preference.quiet_start, preference.quiet_end)
    return now if end is None else end.astimezone(UTC)


@transaction.atomic
def notify(
    *,
    recipients: Iterable,
    category: str,
    title: str,
    body: str = "",
    url: str = "",
    quoting=None,
) -> int:
    """Create an in-app notification for each active recipient and schedule their emails.
    `quoting`: the member whose own words `body` carries, so erasing them removes the quote.

    Emails go after commit: at once, or — inside the member's quiet hours — when quiet hours
    end (a deferred task when the task backend supports it, and in any case picked up by
    `nearpeer notifications send-due`). No email when the member turned the category off.

    Side effects: Notification rows; email tasks enqueued on commit. Returns the number of
    notifications created.
    """
    # Each active member once, even if a caller lists someone twice.
    recipients = list({r.pk: r for r in recipients if r.is_active}.values())
    if not recipients:
        return 0
    preferences = {
        p.member_id: p
        for p in NotificationPreference.objects.filter(member__in=[r.pk for r in recipients])
    }
    now = timezone.now()
    rows = [
        Notification(
            recipient=r,
            category=category,
            title=title[:TITLE_MAX],
            body=body[:BODY_MAX],
            url=url,
            created_at=now,
            email_due_at=email_due_at(preferences.get(r.pk), category, now),
            quotes=quoting if body else None,
        )
        for r in recipients
    ]
    created = Notification.objects.bulk_create(rows)
    by_due: dict[datetime, list[int]] = {}
    for n in created:
        if n.pk and n.email_due_at is not None:
            by_due.setdefault(n.email_due_at, []).append(n.pk)
    if by_due:
        transaction.on_commit(lambda: _enqueue_emails(by_due, now))
    return len(created)


def _enqueue_emails(by_due: dict[datetime, list[int]], now: datetime) -> None:
    from .tasks import send_notification_emails

    for due, ids in by_due.items():
        if due <= now:
            send_notification_emails.enqueue(ids)
        elif default_task_backend.supports_defer:
            send_notification_emails.using(run_after=due).enqueue(ids)
        # Otherwise the row keeps its due time and `notifications send-due` sends it.


def send_emails(*, notification_ids: Iterable[int], now: datetime | None = None) -> int:
    """Send the emails of these notifications that are due and unsent, each at most once.

    Each row is claimed (emailed_at set) in the same transaction that sends it, so two workers
    never both send it, and a failed send leaves it for the next run.
    Side effects: emails through Django's email backend; emailed_at set. Returns emails sent.
    """
    sent = 0
    now = now or timezone.now()
    for pk in notification_ids:
        try:
            sent += _send_one(pk, now)
        except Exception:
            # Left unsent with its due time: the next `send-due` run tries again.
            log.exception("email for notification %s failed", pk)
    return sent


def _send_one(pk: int, now: datetime) -> int:
    with transaction.atomic():
        claimed = Notification.objects.email_due(now).filter(pk=pk).update(emailed_at=now)
        if not claimed:
            return 0
        n = Notification.objects.select_related("recipient").get(pk=pk)
        preference = NotificationPreference.objects.filter(member=n.recipient).first()
        if not n.recipient.is_active or (preference and not preference.wants_email(n.category)):
            # The member changed their mind (or left) after it was queued: never send.
            Notification.objects.filter(pk=pk).update(emailed_at=None, email_due_at=None)
            return 0
        send_mail(n.title, _email_text(n), None, [n.recipient.email])
        return 1


def _email_text(n: Notification) -> str:
    parts = [n.body] if n.body else []
    if n.url:
        parts.append(f"{settings.SITE_URL}{n.url}" if n.url.startswith("/") else n.url)
    preferences = settings.SITE_URL + reverse("notifications:preferences")
    parts.append(f"—\nChoose which emails Nearpeer sends you: {preferences}")
    return "\n\n".join(parts)


def send_due_emails(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Send every email whose time has come (deferred by quiet hours, or left by a failure).

    Side effects: as send_emails.
    """
    now = now or timezone.now()
    ids = list(
        Notification.objects.email_due(now)
        .order_by("email_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    return send_emails(notification_ids=ids, now=now)


def mark_all_read(*, member, now: datetime | None = None) -> int:
    """Side effects: read_at set on the member's unread notifications. Returns how many."""
    return (
        Notification.objects.filter(recipient=member).unread().update(read_at=now or timezone.now())
    )


def send_session_reminders(*, now: datetime | None = None, within: timedelta) -> int:
    """Remind registered members of scheduled sessions starting within `within` from now.

    Idempotent: a ReminderSent row per (session, member), written in the same transaction as
    the notification, so repeated or overlapping runs never remind anyone twice.
    Side effects: Notification and ReminderSent rows; emails as notify(). Returns reminders.
    """
    from nearpeer.teaching.models import Registration, Session

    now = now or timezone.now()
    zone = ZoneInfo(settings.TIME_ZONE)
    total = 0
    session_ids = list(
        Session.objects.scheduled()
        .filter(starts_at__gt=now, starts_at__lte=now + within)
        .values_list("pk", flat=True)
    )
    for session_id in session_ids:
        with transaction.atomic():
            # The row lock serialises overlapping runs on PostgreSQL; SQLite's IMMEDIATE
            # transactions already do.
            session = Session.objects.select_for_update().get(pk=session_id)
            reminded = ReminderSent.objects.filter(session=session).values("member_id")
            members = [
                r.member
                for r in Registration.objects.filter(
                    session=session, status=Registration.Status.REGISTERED
                )
                .exclude(member_id__in=reminded)
                .select_related("member")
            ]
            if not members:
                continue
            ReminderSent.objects.bulk_create(
                [ReminderSent(session=session, member=m, sent_at=now) for m in members]
            )
            total += notify(
                recipients=members,
                category=Category.SESSIONS,
                title=f"Reminder: {session.title}",
                body=_reminder_body(session, zone),
                url=session.get_absolute_url(),
            )
    return total


def _reminder_body(session, zone: ZoneInfo) -> str:
    starts = session.starts_at.astimezone(zone)
    where = session.room or ("online" if session.meeting_url else "")
    lines = [
        f"{session.title} starts {starts:%A %-d %B at %H:%M}" + (f", {where}." if where else ".")
    ]
    if session.meeting_url:
        lines.append(f"Joining link: {session.meeting_url}")
    lines.append(
        "Can't come after all? Cancelling frees your place for someone on the waiting list."
    )
    return "\n".join(lines)
