from django.apps import AppConfig


class TeachingConfig(AppConfig):
    name = "nearpeer.teaching"
    label = "teaching"

    def ready(self) -> None:
        from nearpeer.core.cache import bump_on_writes
        from nearpeer.members.models import User

        from .models import Material, Series, Session, SessionTeacher

        # What the cached timetable and session pages show (nearpeer.core.cache.fragment);
        # registrations are not here: place counts are never cached.
        bump_on_writes("teaching", Session, Series, SessionTeacher, Material)
        # Teachers' names; a sign-in (last_login alone) shows nowhere.
        bump_on_writes("teaching", User, unless_only=frozenset({"last_login"}))
