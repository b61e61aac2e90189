from django.apps import AppConfig


class AnonymityConfig(AppConfig):
    name = "nearpeer.anonymity"
    label = "anonymity"
    verbose_name = "Anonymous answers"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment check)
