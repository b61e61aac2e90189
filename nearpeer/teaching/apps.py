from django.apps import AppConfig


class TeachingConfig(AppConfig):
    name = "nearpeer.teaching"
    label = "teaching"
