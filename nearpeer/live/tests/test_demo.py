"""The demo's live decks sit on the demo teacher's lectures: teacher@ sees them at once."""

import random
from io import StringIO

import pytest
from django.urls import reverse

from nearpeer.live import demo as live_demo
from nearpeer.live.models import Deck
from nearpeer.members import demo as members_demo
from nearpeer.members.models import User
from nearpeer.teaching import demo as teaching_demo

pytestmark = pytest.mark.django_db


def test_the_demo_teacher_finds_both_demo_decks_on_their_lectures(client):
    rng, out = random.Random(2026), StringIO()
    members_demo.seed(rng=rng, stdout=out)
    teaching_demo.seed(rng=rng, stdout=out)
    live_demo.seed(rng=rng, stdout=out)
    teacher = User.objects.get(email=f"teacher@{members_demo.DOMAIN}")

    decks = Deck.objects.filter(title__in=[live_demo.READY_TITLE, live_demo.ENDED_TITLE])

    assert decks.count() == 2
    assert all(teacher in deck.session.teachers.all() for deck in decks)
    client.force_login(teacher)
    html = client.get(reverse("live:deck-list")).content.decode()
    assert live_demo.READY_TITLE in html and live_demo.ENDED_TITLE in html


def test_the_demo_shows_an_image_item_and_questions_answered_in_writing(client):
    rng, out = random.Random(2026), StringIO()
    members_demo.seed(rng=rng, stdout=out)
    teaching_demo.seed(rng=rng, stdout=out)
    live_demo.seed(rng=rng, stdout=out)
    ready = Deck.objects.get(title=live_demo.READY_TITLE)
    strip = ready.items.get(position=4)
    assert (strip.image_type, strip.image.read(8)) == ("image/png", b"\x89PNG\r\n\x1a\n")
    ended = Deck.objects.get(title=live_demo.ENDED_TITLE)
    page = client.get(reverse("live:participate", kwargs={"code": ended.code})).content.decode()
    assert "The mitral valve sits right under the apex" in page
    # The viewer's question waits for the teacher: not on the participants' page yet.
    assert "pressure-volume loop" not in page
