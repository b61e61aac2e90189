from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "nearpeer.core"
    label = "core"
