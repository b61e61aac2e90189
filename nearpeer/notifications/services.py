"""The one way any app tells members something: in-app always, email by preference."""

from collections.abc import Iterable

from django.db import transaction

from .models import Notification


def notify(
    *, recipients: Iterable, category: str, title: str, body: str = "", url: str = ""
) -> int:
    """Create an in-app notification for each recipient and queue their emails after commit.

    Side effects: Notification rows; email tasks enqueued on commit (respecting preferences and
    quiet hours). Returns the number of notifications created.
    """
    rows = [
        Notification(recipient=r, category=category, title=title, body=body, url=url)
        for r in recipients
    ]
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.pk]
    if ids:
        from .tasks import send_notification_emails

        transaction.on_commit(lambda: send_notification_emails.enqueue(ids))
    return len(created)
