from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "nearpeer.library"
    label = "library"
    verbose_name = "Resource library"
