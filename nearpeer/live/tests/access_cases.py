from django.core.files.uploadedfile import SimpleUploadedFile

from nearpeer.core.tests.access import LOGIN, Access, expect
from nearpeer.live import services
from nearpeer.live.models import AudienceQuestion, ItemKind
from nearpeer.teaching.models import SessionTeacher
from nearpeer.teaching.tests.factories import SessionFactory

EVERYONE = expect(anonymous=200, member=200, teacher=200, committee=200, faculty=200)
EVERYONE_POST = expect(anonymous=302, member=302, teacher=302, committee=302, faculty=302)
SIGNED_IN = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)
RUNS = expect(anonymous=LOGIN, member=404, teacher=200, committee=200, faculty=404)
RUNS_POST = expect(anonymous=LOGIN, member=404, teacher=302, committee=302, faculty=404)
TEACHERS_ONLY = expect(anonymous=404, member=404, teacher=200, committee=200, faculty=404)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
# Teachers of other sessions run no session here: the committee's deck is not theirs.
COMMITTEE = expect(anonymous=LOGIN, member=404, teacher=404, committee=200, faculty=404)


def arrange(world):
    world.live_session = SessionFactory(target_years_mask=1 << 2)
    SessionTeacher.objects.create(session=world.live_session, teacher=world.teacher)
    world.deck = services.create_deck(session=world.live_session, title="Quiz")
    world.item = services.add_item(
        deck=world.deck, kind=ItemKind.CHOICE, prompt="Which?", options=["A", "B"]
    )
    services.control_deck(deck=world.deck, action="open")
    # Not the open item: its image is the deck's teachers' until it is shown.
    world.image_item = services.add_item(
        deck=world.deck, kind=ItemKind.TEXT, prompt="What does it show?",
        image=SimpleUploadedFile("cxr.png", PNG), image_alt="A chest X-ray",
    )  # fmt: skip
    world.question = AudienceQuestion.objects.create(deck=world.deck, text="Why?")
    world.members_only = services.create_deck(
        session=world.live_session, title="Members", allow_anonymous=False
    )
    services.add_item(deck=world.members_only, kind=ItemKind.TEXT, prompt="Anything?")
    services.control_deck(deck=world.members_only, action="open")
    world.other_deck = services.create_deck(session=SessionFactory(), title="Not mine")


def deck(w):
    return {"pk": w.deck.pk}


def item(w):
    return {"pk": w.item.pk}


def code(w):
    return {"code": w.deck.code}


CASES = [
    Access("live:join", EVERYONE),
    Access("live:deck-list", RUNS),
    Access("live:deck-create", RUNS),
    Access(
        "live:deck-create",
        RUNS_POST,
        method="post",
        data=lambda w: {"session": w.live_session.pk, "title": "New", "allow_anonymous": "on"},
    ),
    Access("live:deck-detail", RUNS, kwargs=deck),
    Access("live:deck-detail", COMMITTEE, kwargs=lambda w: {"pk": w.other_deck.pk}, label="other"),
    Access(
        "live:item-create",
        RUNS_POST,
        kwargs=deck,
        method="post",
        data=lambda w: {"kind": "wordcloud", "prompt": "One word"},
    ),
    Access("live:deck-edit", RUNS, kwargs=deck),
    Access(
        "live:deck-edit",
        RUNS_POST,
        kwargs=deck,
        method="post",
        data=lambda w: {"title": "Renamed", "allow_anonymous": "on"},
    ),
    Access("live:deck-copy", RUNS, kwargs=deck),
    Access(
        "live:deck-copy",
        RUNS_POST,
        kwargs=deck,
        method="post",
        data=lambda w: {"session": w.live_session.pk, "title": "Quiz, next year"},
    ),
    Access("live:item-edit", RUNS, kwargs=item),
    Access("live:item-image", TEACHERS_ONLY, kwargs=lambda w: {"pk": w.image_item.pk}),
    Access(
        "live:item-edit",
        RUNS_POST,
        kwargs=item,
        method="post",
        data=lambda w: {"prompt": "Which one?", "options": "A\n*B", "recording_at": "1:30"},
    ),
    # The item is open for answers, so deleting it is refused (back to its edit page).
    Access("live:item-delete", RUNS_POST, kwargs=item, method="post", data=lambda w: {}),
    Access(
        "live:item-move",
        RUNS_POST,
        kwargs=item,
        method="post",
        data=lambda w: {"direction": "down"},
    ),
    Access("live:deck-present", RUNS, kwargs=deck),
    Access("live:deck-screen", RUNS, kwargs=deck),
    Access(
        "live:deck-control",
        RUNS_POST,
        kwargs=deck,
        method="post",
        data=lambda w: {"action": "close"},
    ),
    Access(
        "live:deck-leaderboard",
        RUNS_POST,
        kwargs=deck,
        method="post",
        data=lambda w: {"leaderboard": "on"},
    ),
    Access(
        "live:question-moderate",
        RUNS_POST,
        kwargs=lambda w: {"pk": w.question.pk},
        method="post",
        data=lambda w: {"action": "approve"},
    ),
    Access(
        "live:question-reply",
        RUNS_POST,
        kwargs=lambda w: {"pk": w.question.pk},
        method="post",
        data=lambda w: {"reply": "Because the aortic valve closes first.", "back": "deck"},
    ),
    Access("live:deck-export", RUNS, kwargs=deck),
    Access("live:deck-questions-export", RUNS, kwargs=deck),
    Access("live:item-export", RUNS, kwargs=lambda w: {"pk": w.item.pk}),
    Access("live:participate", EVERYONE, kwargs=code),
    Access(
        "live:participate",
        SIGNED_IN,
        kwargs=lambda w: {"code": w.members_only.code},
        label="members only",
    ),
    Access(
        "live:answer",
        EVERYONE_POST,
        kwargs=code,
        method="post",
        data=lambda w: {"item": w.item.pk, "choice": "0"},
    ),
    Access("live:ask", EVERYONE_POST, kwargs=code, method="post", data=lambda w: {"text": "Why?"}),
    Access("live:snapshot", EVERYONE, kwargs=code),
    Access(
        "live:nickname",
        EVERYONE_POST,
        kwargs=code,
        method="post",
        data=lambda w: {"nickname": "Pulse"},
    ),
]
