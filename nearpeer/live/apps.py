from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "nearpeer.live"
    label = "live"
    verbose_name = "Live questions"

    def ready(self) -> None:
        from nearpeer.core.cache import bump_on_writes

        from .models import CONTROL_FIELDS, Deck

        # The session page's cached decks (templatetags/live_tags.py) show a deck's title, code
        # and status; the presenter's controls change none of those (control_deck names the
        # status only when it changes) and bump nothing.
        bump_on_writes("live", Deck, unless_only=frozenset({*CONTROL_FIELDS, "leaderboard"}))
