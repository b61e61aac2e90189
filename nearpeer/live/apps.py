from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "nearpeer.live"
    label = "live"
    verbose_name = "Live questions"
