from django.apps import AppConfig


class TutorialsConfig(AppConfig):
    name = "nearpeer.tutorials"
    label = "tutorials"
