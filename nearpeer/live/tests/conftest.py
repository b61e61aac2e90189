import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from django.db import connections

from nearpeer.live import broadcast, fastpath, services
from nearpeer.live.models import ItemKind
from nearpeer.members.tests.factories import UserFactory, teacher
from nearpeer.teaching.models import SessionTeacher
from nearpeer.teaching.tests.factories import SessionFactory


def run(coroutine):
    """asyncio.run in a thread of its own (browser tests keep an event loop in the main one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(autouse=True)
def _fresh_layer():
    # The in-memory layer's queues belong to one event loop; each test runs its own loop.
    channel_layers.backends.clear()
    broadcast.mark_up()
    yield
    channel_layers.backends.clear()
    fastpath.close_all()
    # database_sync_to_async runs on asgiref's one database thread, which outlives the test: its
    # Django connections are closed here, or the last one kept the test database open when
    # pytest-django came to drop it ("is being accessed by other users").
    run(sync_to_async(connections.close_all, thread_sensitive=True)())


@pytest.fixture
def lead_teacher(db):
    return teacher(name="Tom Teacher")


@pytest.fixture
def member(db):
    return UserFactory(year=2, name="Ada Member")


@pytest.fixture
def session(db, lead_teacher):
    session = SessionFactory(title="Cardiac cycle")
    SessionTeacher.objects.create(session=session, teacher=lead_teacher)
    return session


def make_deck(session, *, allow_anonymous: bool = True, by=None):
    deck = services.create_deck(
        session=session, title="Heart quiz", by=by, allow_anonymous=allow_anonymous
    )
    services.add_item(
        deck=deck, kind=ItemKind.CHOICE, prompt="Which valve?", options=["Mitral", "Aortic"],
        correct=1,
    )  # fmt: skip
    services.add_item(deck=deck, kind=ItemKind.WORDCLOUD, prompt="One word for the heart")
    services.add_item(deck=deck, kind=ItemKind.RATING, prompt="How clear was this?")
    return deck


@pytest.fixture
def deck(session, lead_teacher):
    return make_deck(session, by=lead_teacher)


@pytest.fixture
def live_deck(deck):
    services.control_deck(deck=deck, action="open")
    deck.refresh_from_db()
    return deck
