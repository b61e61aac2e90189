from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "nearpeer.members"
    label = "members"
