from django.apps import AppConfig


class OsceConfig(AppConfig):
    name = "nearpeer.osce"
    label = "osce"
    verbose_name = "OSCE practice and mock circuits"
