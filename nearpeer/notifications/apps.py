from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "nearpeer.notifications"
    label = "notifications"

    def ready(self) -> None:
        from nearpeer.core.cache import bump_owner_on_writes

        from . import receivers  # noqa: F401  (connects the members app's signals)
        from .models import Notification

        # The home panel's unread count, cached per recipient (see home.py).
        bump_owner_on_writes("notifications", Notification, "recipient_id")
