from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "nearpeer.notifications"
    label = "notifications"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the members app's signals)
