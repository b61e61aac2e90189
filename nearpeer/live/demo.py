"""Demo live decks: one ready to present on the next lecture, one ended on a past lecture with
live and afterwards answers. Idempotent: decks are found by title."""

import uuid

from nearpeer.members.demo import DOMAIN
from nearpeer.teaching.models import Material, Session, SessionKind

from . import services
from .models import Deck, ItemKind

READY_TITLE = "Warm-up questions"
ENDED_TITLE = "Check your understanding"


def _items(deck: Deck) -> None:
    services.add_item(
        deck=deck, kind=ItemKind.CHOICE, prompt="Which heart sound marks the start of systole?",
        options=["S1", "S2", "S3", "S4"], correct=0, recording_at_seconds=6 * 60,
    )  # fmt: skip
    services.add_item(
        deck=deck, kind=ItemKind.WORDCLOUD, prompt="One word you would use to explain preload",
        recording_at_seconds=18 * 60,
    )  # fmt: skip
    services.add_item(
        deck=deck, kind=ItemKind.RATING, prompt="How confident do you feel about this topic now?",
        recording_at_seconds=45 * 60,
    )  # fmt: skip


def seed(*, rng, stdout) -> None:
    if Deck.objects.filter(title__in=[READY_TITLE, ENDED_TITLE]).exists():
        stdout.write("live: demo decks already there")
        return
    lectures = Session.objects.filter(kind=SessionKind.LECTURE, teachers__isnull=False).distinct()
    # The demo teacher (teacher@) runs both, so signing in as them shows live questions at once;
    # their lectures are on the heart, which the items ask about.
    theirs = lectures.filter(teachers__email=f"teacher@{DOMAIN}")
    if theirs.upcoming().exists() and theirs.past().exists():
        lectures = theirs
    upcoming = lectures.upcoming().first()
    past = (
        lectures.past().filter(materials__kind=Material.Kind.RECORDING).first()
        or lectures.past().first()
    )
    if upcoming is None or past is None:
        stdout.write("live: no demo lectures; run the teaching demo first")
        return
    ready = services.create_deck(session=upcoming, title=READY_TITLE)
    _items(ready)
    ended = services.create_deck(session=past, title=ENDED_TITLE)
    _items(ended)
    first, word, rating = ended.items.order_by("position")
    words = ["stretch", "filling", "stretch", "volume", "stretch", "filling", "load"]
    answers = (
        (first, lambda: {"choice": rng.choices([0, 1, 2, 3], [6, 3, 1, 1])[0]}),
        (word, lambda: {"text": rng.choice(words)}),
        (rating, lambda: {"choice": rng.choices(range(5), [1, 2, 4, 5, 3])[0]}),
    )
    devices = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(24)]
    for item, answer in answers:
        services.control_deck(deck=ended, action="goto", item_id=item.pk)
        services.store_answers(
            [
                services.AnswerEntry(deck_id=ended.pk, item_id=item.pk, participant=d, **answer())
                for d in devices
            ]
        )
    services.control_deck(deck=ended, action="end")
    for _ in range(6):
        device = uuid.UUID(int=rng.getrandbits(128))
        services.store_answers(
            [services.AnswerEntry(deck_id=ended.pk, item_id=first.pk, participant=device, choice=0)]
        )
    stdout.write(
        f"live: decks {ready.code} (ready, {upcoming.title}) and {ended.code} (ended, "
        f"answerable beside the recording of {past.title})"
    )
