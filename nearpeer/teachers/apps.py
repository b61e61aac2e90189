from django.apps import AppConfig


class TeachersConfig(AppConfig):
    name = "nearpeer.teachers"
    label = "teachers"
    verbose_name = "Teachers"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (receivers for recording views)
