"""The per-deck leaderboard (off by default; nicknames only; keyed items only) and the recording
embedded beside an ended deck, each item seeking it."""

import json
import uuid

import pytest
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nearpeer.asgi import application
from nearpeer.live import embeds, services
from nearpeer.live.models import Answer, ItemKind, Nickname, Phase
from nearpeer.teaching.models import Material

from .conftest import make_deck, run

ORIGIN = (b"origin", b"http://127.0.0.1")


def answer(deck, item, participant, choice, phase=Phase.LIVE):
    Answer.objects.create(item=item, participant=participant, choice=choice, phase=phase)


# --- Leaderboard --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_leaderboard_is_off_by_default_and_not_in_snapshots(live_deck):
    assert live_deck.leaderboard is False
    assert "leaderboard" not in services.snapshot(live_deck, presenter=True)
    with pytest.raises(services.ProtocolError) as refused:
        services.set_nickname(deck=live_deck, participant=uuid.uuid4(), name="Pulse")
    assert refused.value.code == "leaderboard_off"
    assert Nickname.objects.count() == 0


@pytest.mark.django_db
def test_leaderboard_counts_keyed_live_answers_of_nicknamed_participants_only(session):
    deck = make_deck(session)  # item 1 keyed (correct 1); items 2 (word cloud), 3 (rating) not
    services.set_leaderboard(deck=deck, enabled=True)
    deck.refresh_from_db()
    keyed, words, rating = deck.items.order_by("position")
    second_keyed = services.add_item(
        deck=deck, kind=ItemKind.CHOICE, prompt="Which?", options=["A", "B", "C"], correct=2
    )
    ada, bo, cy, anon = (uuid.uuid4() for _ in range(4))
    for who, name in ((ada, "Ada"), (bo, " Bo\u200b  B "), (cy, "Cy")):
        services.set_nickname(deck=deck, participant=who, name=name)
    answer(deck, keyed, ada, 1)
    answer(deck, second_keyed, ada, 2)
    answer(deck, keyed, bo, 1)
    answer(deck, second_keyed, bo, 0)  # wrong
    answer(deck, rating, bo, 4)  # unkeyed: never counts
    answer(deck, rating, cy, 1)
    answer(deck, second_keyed, cy, 2, phase=Phase.AFTER)  # afterwards: not counted
    answer(deck, keyed, anon, 1)  # right, but no nickname: not shown
    Answer.objects.create(item=words, participant=ada, text="pump")
    assert services.leaderboard(deck) == [
        {"rank": 1, "nickname": "Ada", "score": 2},
        {"rank": 2, "nickname": "Bo B", "score": 1},
        {"rank": 3, "nickname": "Cy", "score": 0},
    ]


@pytest.mark.django_db
def test_equal_scores_share_a_rank_and_the_board_stops_at_ten(session):
    deck = make_deck(session)
    services.set_leaderboard(deck=deck, enabled=True)
    deck.refresh_from_db()
    keyed = deck.items.get(position=1)
    for n in range(12):
        who = uuid.uuid4()
        services.set_nickname(deck=deck, participant=who, name=f"P{n:02d}")
        answer(deck, keyed, who, 1 if n < 3 else 0)
    board = services.leaderboard(deck)
    assert [(r["rank"], r["nickname"], r["score"]) for r in board[:4]] == [
        (1, "P00", 1),
        (1, "P01", 1),
        (1, "P02", 1),
        (4, "P03", 0),
    ]
    assert len(board) == services.LEADERBOARD_SIZE


@pytest.mark.django_db
def test_nickname_is_unique_per_deck_limited_and_empty_removes_it(session):
    deck = make_deck(session)
    services.set_leaderboard(deck=deck, enabled=True)
    deck.refresh_from_db()
    ada, bo = uuid.uuid4(), uuid.uuid4()
    assert services.set_nickname(deck=deck, participant=ada, name="Pulse") == "Pulse"
    with pytest.raises(services.ProtocolError) as taken:
        services.set_nickname(deck=deck, participant=bo, name="pulse")
    with pytest.raises(services.ProtocolError) as long:
        services.set_nickname(deck=deck, participant=bo, name="x" * 25)
    assert (taken.value.code, long.value.code) == ("nickname_taken", "too_large")
    assert services.set_nickname(deck=deck, participant=ada, name="Beat") == "Beat"
    assert services.set_nickname(deck=deck, participant=ada, name="  ") == ""
    assert Nickname.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_nickname_over_the_socket_then_reveal_shows_the_board_to_participants(session):
    deck = make_deck(session, allow_anonymous=True)
    services.set_leaderboard(deck=deck, enabled=True)
    services.control_deck(deck=deck, action="open")
    deck.refresh_from_db()
    item = deck.items.get(position=1)

    async def scenario():
        ws = WebsocketCommunicator(
            application, f"/ws/live/{deck.code}/?participant={uuid.uuid4()}", headers=[ORIGIN]
        )
        assert (await ws.connect(timeout=10))[0]
        first = await ws.receive_json_from(timeout=5)
        await ws.send_json_to({"type": "nickname", "nickname": "Pulse", "ref": "n"})
        named = await ws.receive_json_from(timeout=5)
        await ws.send_json_to({"type": "nickname", "nickname": 7, "ref": "bad"})
        refused = await ws.receive_json_from(timeout=5)
        await ws.send_json_to({"type": "answer", "item": item.pk, "choice": 1, "ref": "a"})
        await ws.receive_json_from(timeout=5)
        boss = WebsocketCommunicator(
            application,
            f"/ws/live/{deck.code}/present/?token={deck.presenter_token}",
            headers=[ORIGIN],
        )
        assert (await boss.connect(timeout=10))[0]
        presenter_first = await boss.receive_json_from(timeout=5)
        await boss.send_json_to({"type": "control", "action": "reveal", "ref": "r"})
        while (revealed := await ws.receive_json_from(timeout=5))["type"] != "snapshot":
            pass
        await ws.disconnect(timeout=10)
        await boss.disconnect(timeout=10)
        return first, named, refused, presenter_first, revealed

    first, named, refused, presenter_first, revealed = run(scenario())
    assert "leaderboard" not in first  # not revealed yet: participants do not see it
    assert named == {"type": "ack", "ref": "n", "nickname": "Pulse"}
    assert (refused["type"], refused["code"], refused["ref"]) == ("error", "bad_request", "bad")
    assert presenter_first["leaderboard"] == [{"rank": 1, "nickname": "Pulse", "score": 1}]
    assert revealed["leaderboard"] == [{"rank": 1, "nickname": "Pulse", "score": 1}]


@pytest.mark.django_db
def test_teacher_turns_the_leaderboard_on_and_participants_choose_a_nickname(
    client, live_deck, lead_teacher
):
    client.force_login(lead_teacher)
    response = client.post(
        reverse("live:deck-leaderboard", kwargs={"pk": live_deck.pk}), {"leaderboard": "on"}
    )
    assert (response.status_code, response["Location"]) == (302, live_deck.get_absolute_url())
    live_deck.refresh_from_db()
    assert (live_deck.leaderboard, live_deck.version) == (True, 2)
    client.logout()
    page = client.get(reverse("live:participate", kwargs={"code": live_deck.code}))
    assert 'id="live-nickname-form"' in page.content.decode()
    url = reverse("live:nickname", kwargs={"code": live_deck.code})
    device = uuid.uuid4()
    acked = client.post(
        f"{url}?participant={device}",
        json.dumps({"type": "nickname", "nickname": "Valve", "ref": "v"}),
        content_type="application/json",
    )
    cross_site = client.post(
        f"{url}?participant={uuid.uuid4()}",
        json.dumps({"type": "nickname", "nickname": "Evil"}),
        content_type="application/json",
        HTTP_ORIGIN="https://evil.example",
    )
    assert acked.json() == {"type": "ack", "ref": "v", "nickname": "Valve"}
    assert (cross_site.status_code, cross_site.json()["code"]) == (403, "forbidden")
    assert list(Nickname.objects.values_list("participant", "name")) == [(device, "Valve")]


@pytest.mark.django_db
def test_screen_shows_the_board_only_once_revealed(client, live_deck, lead_teacher):
    services.set_leaderboard(deck=live_deck, enabled=True)
    live_deck.refresh_from_db()
    services.set_nickname(deck=live_deck, participant=uuid.uuid4(), name="Systole")
    client.force_login(lead_teacher)
    url = reverse("live:deck-screen", kwargs={"pk": live_deck.pk})
    before = client.get(url).content.decode()
    services.control_deck(deck=live_deck, action="reveal")
    after = client.get(url).content.decode()
    assert '<div id="live-leaderboard" hidden>' in before and "Systole" not in before
    assert '<div id="live-leaderboard">' in after and "Systole" in after


# --- Recordings beside the deck -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "src"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=5", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://m.youtube.com/live/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://player.vimeo.com/video/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://www.youtube.com/watch?v=short", None),
        ("https://evil.example/watch?v=dQw4w9WgXcQ", None),
        ("javascript:alert(1)//youtube.com/watch?v=dQw4w9WgXcQ", None),
        ("https://e.org/v.mp4", None),
    ],
)  # fmt: skip
def test_known_video_links_become_their_players_iframe(url, src):
    player = embeds.player_for(url=url)
    assert (player.src if player else None) == src
    if player:
        assert player.kind == "iframe"


def test_players_seek_to_a_moment_their_own_way():
    youtube = embeds.player_for(url="https://youtu.be/dQw4w9WgXcQ")
    vimeo = embeds.player_for(url="https://vimeo.com/76979871")
    video = embeds.player_for(content_type="video/mp4", file_src="/materials/3/open/")
    audio = embeds.player_for(content_type="audio/mpeg", file_src="/materials/4/open/")
    assert youtube.seek_url(750) == (
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=750&autoplay=1"
    )
    assert vimeo.seek_url(750) == "https://player.vimeo.com/video/76979871?autoplay=1#t=750s"
    assert (video.kind, video.seek_url(750)) == ("video", "/materials/3/open/#t=750")
    assert audio.kind == "audio"
    assert embeds.player_for(content_type="application/pdf", file_src="/x/") is None


@pytest.mark.django_db
def test_ended_deck_embeds_a_youtube_recording_and_each_item_seeks_it(client, session, member):
    Material.objects.create(
        session=session,
        kind=Material.Kind.RECORDING,
        title="Lecture",
        url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    )
    deck = services.create_deck(session=session, title="Later")
    services.add_item(deck=deck, kind=ItemKind.TEXT, prompt="What stuck?", recording_at_seconds=750)
    services.control_deck(deck=deck, action="end")
    client.force_login(member)
    response = client.get(reverse("live:participate", kwargs={"code": deck.code}))
    html = response.content.decode()
    assert (
        '<iframe id="live-player-frame" src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"'
        in html
    )
    seek = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=750&amp;autoplay=1"
    assert f'data-seek-url="{seek}"' in html and "answer at this moment" in html
    policy = response["Content-Security-Policy"]
    frame_src = next(p for p in policy.split(";") if p.strip().startswith("frame-src"))
    assert set(frame_src.split()[1:]) == set(embeds.PLAYER_ORIGINS)


@pytest.mark.django_db
def test_uploaded_video_plays_in_an_html5_player_without_opening_frames(
    client, session, member, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    recording = Material.objects.create(
        session=session,
        kind=Material.Kind.RECORDING,
        title="Lecture",
        file=SimpleUploadedFile("lecture.webm", b"\x1a\x45\xdf\xa3", content_type="video/webm"),
        content_type="video/webm",
    )
    deck = services.create_deck(session=session, title="Later")
    services.add_item(deck=deck, kind=ItemKind.TEXT, prompt="What stuck?", recording_at_seconds=65)
    services.control_deck(deck=deck, action="end")
    client.force_login(member)
    response = client.get(reverse("live:participate", kwargs={"code": deck.code}))
    html = response.content.decode()
    src = reverse("teaching:material-open", kwargs={"pk": recording.pk})
    assert f'<video id="live-player-media" controls preload="metadata" src="{src}">' in html
    assert f'data-seek-url="{src}#t=65"' in html and "live/recording.js" in html
    assert "frame-src" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_anonymous_viewers_get_no_player(client, session):
    Material.objects.create(
        session=session,
        kind=Material.Kind.RECORDING,
        title="Lecture",
        url="https://youtu.be/dQw4w9WgXcQ",
    )
    deck = services.create_deck(session=session, title="Later")
    services.add_item(deck=deck, kind=ItemKind.TEXT, prompt="What stuck?", recording_at_seconds=5)
    services.control_deck(deck=deck, action="end")
    html = client.get(reverse("live:participate", kwargs={"code": deck.code})).content.decode()
    assert "live-player" not in html and "youtube" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 3])
def test_leaderboard_takes_two_queries_whatever_the_audience(session, n, django_assert_num_queries):
    deck = make_deck(session)
    services.set_leaderboard(deck=deck, enabled=True)
    deck.refresh_from_db()
    keyed = deck.items.get(position=1)
    for i in range(n):
        who = uuid.uuid4()
        services.set_nickname(deck=deck, participant=who, name=f"N{i}")
        answer(deck, keyed, who, 1)
    with django_assert_num_queries(2):
        board = services.leaderboard(deck)
    assert [r["score"] for r in board] == [1] * n
