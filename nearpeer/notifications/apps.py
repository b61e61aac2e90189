from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "nearpeer.notifications"
    label = "notifications"
