from django_tasks import task

from .services import send_emails


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """Send due, unsent emails for these notifications (see services.send_emails)."""
    return send_emails(notification_ids=notification_ids)
