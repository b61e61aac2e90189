from django.apps import AppConfig


class TeachersConfig(AppConfig):
    name = "nearpeer.teachers"
    label = "teachers"
    verbose_name = "Teachers"

    def ready(self) -> None:
        from . import feedback_store, signals  # noqa: F401  (signals: recording-view receiver)

        feedback_store.register()
