from django.apps import AppConfig


class TutorialsConfig(AppConfig):
    name = "nearpeer.tutorials"
    label = "tutorials"

    def ready(self) -> None:
        from nearpeer.core.cache import bump_on_writes

        from .models import Programme, SignUp, Slot, TutorialGroup

        # What the home panel caches per member (home.py); group membership bumps through
        # TutorialGroup.members' many-to-many signal.
        bump_on_writes("tutorials", Programme, SignUp, Slot, TutorialGroup)
