"""Demo live decks: one ready to present on the next lecture, one ended on a past lecture with
live and afterwards answers. Idempotent: decks are found by title."""

import math
import struct
import uuid
import zlib

from django.core.files.base import ContentFile

from nearpeer.members.demo import DOMAIN
from nearpeer.teaching.models import Material, Session, SessionKind

from . import services
from .models import AudienceQuestion, Deck, ItemKind

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


def rhythm_strip_png(width: int = 600, height: int = 200) -> bytes:
    """A drawn rhythm strip (regular narrow complexes, a P wave before each) on ECG paper, as a
    PNG: demo content of our own, made here rather than shipped as a file."""
    paper, grid, ink = (255, 250, 245), (245, 200, 200), (20, 20, 20)
    rows = [[grid if x % 20 == 0 or y % 20 == 0 else paper for x in range(width)]
            for y in range(height)]  # fmt: skip

    def voltage(t: float) -> float:
        t %= 1.0
        if 0.10 < t < 0.18:
            return 0.12 * math.sin((t - 0.10) / 0.08 * math.pi)  # P
        if 0.25 < t < 0.27:
            return -0.15  # Q
        if 0.27 < t < 0.30:
            return 1.0  # R
        if 0.30 < t < 0.32:
            return -0.3  # S
        if 0.45 < t < 0.60:
            return 0.25 * math.sin((t - 0.45) / 0.15 * math.pi)  # T
        return 0.0

    previous = None
    for x in range(width):
        y = int(height * 0.65 - voltage(x / 150) * 100)
        for yy in range(min(previous, y), max(previous, y) + 1) if previous is not None else [y]:
            for dy in (0, 1):
                if 0 <= yy + dy < height:
                    rows[yy + dy][x] = ink
        previous = y
    raw = b"".join(b"\x00" + bytes(c for pixel in row for c in pixel) for row in rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _strip_item(deck: Deck) -> None:
    strip = ContentFile(rhythm_strip_png(), name="rhythm-strip.png")
    services.add_item(
        deck=deck, kind=ItemKind.CHOICE, prompt="What rhythm does this strip show?",
        options=["Sinus rhythm", "Atrial fibrillation", "Atrial flutter", "Complete heart block"],
        correct=0, image=strip,
        image_alt="Rhythm strip: regular narrow QRS complexes, each preceded by a P wave",
    )  # fmt: skip


def _questions(deck: Deck) -> None:
    """Audience questions: one answered in writing, one approved, one from a viewer of the
    recording waiting for the teacher."""
    Status = AudienceQuestion.Status
    AudienceQuestion.objects.bulk_create(
        [
            AudienceQuestion(
                deck=deck, text="Why is S1 louder than S2 at the apex?", status=Status.ANSWERED,
                upvotes=7, reply="The mitral valve sits right under the apex, so its closure "
                "(the main part of S1) carries best there; S2 is loudest at the base.",
            ),
            AudienceQuestion(
                deck=deck, text="Does preload change with posture?", status=Status.APPROVED,
                upvotes=4,
            ),
            AudienceQuestion(
                deck=deck, text="Could you go over the pressure-volume loop again?",
                asked_after=True,
            ),
        ]
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
    _strip_item(ready)
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
    _questions(ended)
    for _ in range(6):
        device = uuid.UUID(int=rng.getrandbits(128))
        services.store_answers(
            [services.AnswerEntry(deck_id=ended.pk, item_id=first.pk, participant=device, choice=0)]
        )
    stdout.write(
        f"live: decks {ready.code} (ready, {upcoming.title}) and {ended.code} (ended, "
        f"answerable beside the recording of {past.title})"
    )
