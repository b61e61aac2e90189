"""Participant pages and the HTTP answer fallback, teacher pages, export, review queue."""

import csv
import io
import json
import re
import uuid

import pytest
from django.urls import reverse

from nearpeer.live import services
from nearpeer.live.models import Answer, Deck, ItemKind, Phase
from nearpeer.live.views import PARTICIPANT_COOKIE
from nearpeer.questions.models import ReviewCard
from nearpeer.questions.tests.factories import make_question
from nearpeer.teaching.tests.factories import SessionFactory

from .conftest import make_deck

pytestmark = pytest.mark.django_db
CROSS_SITE = {"HTTP_ORIGIN": "https://evil.example"}


def post_json(client, deck, body, participant=None, **extra):
    url = reverse("live:answer", kwargs={"code": deck.code})
    if participant:
        url += f"?participant={participant}"
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def test_join_with_code_redirects_to_the_live_page(client, live_deck):
    response = client.get(reverse("live:join"), {"code": f" {live_deck.code.lower()} "})
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("live:participate", kwargs={"code": live_deck.code}),
    )


def test_join_with_unknown_or_unopened_code_says_so(client, deck):
    for code in ("ZZZZZZ", deck.code):  # `deck` exists but has not been opened yet
        response = client.get(reverse("live:join"), {"code": code})
        assert response.status_code == 200
        assert "No live session has this code" in response.content.decode()


def test_live_page_shows_current_item_as_a_form_and_gives_the_device_an_id(client, live_deck):
    response = client.get(reverse("live:participate", kwargs={"code": live_deck.code}))
    html = response.content.decode()
    assert "Which valve?" in html and 'name="choice" value="1"' in html
    device = response.cookies[PARTICIPANT_COOKIE].value
    assert f'data-participant="{device}"' in html and uuid.UUID(device)


def test_http_answer_returns_the_ack_and_counts_once(client, live_deck):
    item = live_deck.items.get(position=1)
    device = uuid.uuid4()
    body = {"type": "answer", "item": item.pk, "choice": 1, "ref": "h1"}
    first = post_json(client, live_deck, body, device)
    second = post_json(client, live_deck, body | {"choice": 0}, device)
    assert (first.status_code, first.json()) == (
        200,
        {"type": "ack", "ref": "h1", "item": item.pk, "duplicate": False},
    )
    assert second.json()["duplicate"] is True
    assert list(Answer.objects.values_list("choice", "phase")) == [(1, Phase.LIVE)]


@pytest.mark.parametrize(
    ("body", "participant", "headers", "status", "code"),
    [
        ("{oops", "p", {}, 400, "bad_request"),
        ({"type": "answer", "item": 0, "choice": 0}, "p", {}, 400, "bad_request"),
        ({"type": "answer", "item": "I", "choice": 1}, None, {}, 400, "bad_participant"),
        ({"type": "answer", "item": "I", "choice": 9}, "p", {}, 400, "bad_choice"),
        ({"type": "answer", "item": "I", "choice": 1}, "p", CROSS_SITE, 403, "forbidden"),
        ({"type": "answer", "item": "I", "text": "x" * 3000}, "p", {}, 413, "too_large"),
    ],
    ids=["not-json", "bad-item", "no-participant", "out-of-range", "cross-site", "oversized"],
)  # fmt: skip
def test_http_answer_errors_have_the_protocol_shape_and_store_nothing(
    client, live_deck, body, participant, headers, status, code
):
    item = live_deck.items.get(position=1)
    if isinstance(body, dict):
        body = json.dumps({k: (item.pk if v == "I" else v) for k, v in body.items()})
    url = reverse("live:answer", kwargs={"code": live_deck.code})
    if participant:
        url += f"?participant={uuid.uuid4()}"
    response = client.post(url, body, content_type="application/json", **headers)
    reply = response.json()
    assert (response.status_code, reply["type"], reply["code"]) == (status, "error", code)
    assert Answer.objects.count() == 0


def test_answer_without_javascript_posts_the_form(client, live_deck):
    item = live_deck.items.get(position=1)
    client.get(reverse("live:participate", kwargs={"code": live_deck.code}))  # sets the cookie
    response = client.post(
        reverse("live:answer", kwargs={"code": live_deck.code}),
        {"item": item.pk, "choice": "0"},
        follow=True,
    )
    assert "Answer received." in response.content.decode()
    assert "You have answered this one." in response.content.decode()
    assert Answer.objects.get().choice == 0


def test_form_answer_needs_the_csrf_token(live_deck):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    item = live_deck.items.get(position=1)
    response = client.post(
        reverse("live:answer", kwargs={"code": live_deck.code}), {"item": item.pk, "choice": "0"}
    )
    assert (response.status_code, Answer.objects.count()) == (403, 0)


def test_members_only_deck_refuses_anonymous_http_answer(client, session):
    deck = make_deck(session, allow_anonymous=False)
    services.control_deck(deck=deck, action="open")
    item = deck.items.get(position=1)
    response = post_json(
        client, deck, {"type": "answer", "item": item.pk, "choice": 0}, uuid.uuid4()
    )
    assert (response.status_code, response.json()["code"]) == (403, "sign_in_required")


def test_pages_say_live_updates_paused_when_the_channel_layer_is_unreachable(
    client, live_deck, settings, lead_teacher
):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:9/0"]},  # discard port: nothing listens
        }
    }
    channel_layers.backends.clear()
    page = client.get(reverse("live:participate", kwargs={"code": live_deck.code}))
    item = live_deck.items.get(position=1)
    ack = post_json(
        client, live_deck, {"type": "answer", "item": item.pk, "choice": 1}, uuid.uuid4()
    )
    client.force_login(lead_teacher)
    present = client.get(reverse("live:deck-present", kwargs={"pk": live_deck.pk}))
    assert "Live updates paused" in page.content.decode()
    assert "Live updates paused" in present.content.decode()
    assert (ack.status_code, ack.json()["duplicate"]) == (200, False)


def test_the_page_tells_a_participant_their_own_answer_and_the_key_once_it_may_be_shown(
    client, live_deck
):
    """Live: "Your answer: …", and right or wrong once the presenter reveals the item. Ended:
    the key is shown beside each answered keyed item (a self-test beside the recording)."""
    first, word = live_deck.items.get(position=1), live_deck.items.get(position=2)
    page_url = reverse("live:participate", kwargs={"code": live_deck.code})
    client.get(page_url)  # sets the device cookie
    answer_url = reverse("live:answer", kwargs={"code": live_deck.code})
    client.post(answer_url, {"item": first.pk, "choice": "0"})
    assert "Your answer: Mitral" in client.get(page_url).content.decode()
    services.control_deck(deck=live_deck, action="reveal")
    revealed = client.get(page_url).content.decode()
    assert "Your answer was Mitral. The correct answer is Aortic." in revealed

    services.control_deck(deck=live_deck, action="end")
    client.post(answer_url, {"item": word.pk, "text": "Pump"})
    ended = client.get(page_url).content.decode()
    assert "Your answer was Mitral. The correct answer is Aortic." in ended
    assert "Your answer: Pump" in ended
    # Another device sees none of it.
    client.cookies.pop(PARTICIPANT_COOKIE)
    other = client.get(page_url).content.decode()
    assert "Your answer was" not in other and "Your answer:" not in other


def test_your_answers_says_right_only_where_the_key_may_be_shown(live_deck):
    first = live_deck.items.get(position=1)
    me = uuid.uuid4()
    services.record_answer(
        services.AnswerEntry(deck_id=live_deck.pk, item_id=first.pk, participant=me, choice=1)
    )
    assert services.your_answers(live_deck, me)[first.pk].sentence == "Your answer: Aortic"
    services.control_deck(deck=live_deck, action="reveal")
    live_deck.refresh_from_db()
    assert services.your_answers(live_deck, me)[first.pk].sentence == (
        "Your answer, Aortic, is correct."
    )
    assert services.your_answers(live_deck, uuid.uuid4()) == {}
    assert services.your_answers(live_deck, None) == {}


def test_ended_deck_is_answerable_afterwards_and_compared_side_by_side(
    client, live_deck, lead_teacher, settings
):
    settings.NEARPEER_MIN_GROUP_SIZE = 2
    item = live_deck.items.get(position=1)
    post_json(client, live_deck, {"type": "answer", "item": item.pk, "choice": 1}, uuid.uuid4())
    services.control_deck(deck=live_deck, action="end")
    page = client.get(reverse("live:participate", kwargs={"code": live_deck.code}))
    assert "Answer as you watch" in page.content.decode()
    third = live_deck.items.get(position=3)  # never opened live; answerable now
    for choice in (0, 0):
        post_json(
            client, live_deck, {"type": "answer", "item": item.pk, "choice": choice}, uuid.uuid4()
        )
    post_json(client, live_deck, {"type": "answer", "item": third.pk, "choice": 4}, uuid.uuid4())
    table = services.compare_phases(item)
    assert [(r["label"], r["live"], r["after"]) for r in table["rows"]] == [
        ("Mitral", 0, 2),
        ("Aortic", 1, 0),
    ]
    # One late answer to the third item: below the minimum group, so withheld.
    assert services.compare_phases(third)["after_total"] is None
    client.force_login(lead_teacher)
    detail = client.get(reverse("live:deck-detail", kwargs={"pk": live_deck.pk})).content.decode()
    assert "Live and afterwards, side by side" in detail and "withheld" in detail


def test_csv_export_escapes_formulas(client, session, lead_teacher):
    deck = services.create_deck(session=session, title="Formulas")
    item = services.add_item(
        deck=deck, kind=ItemKind.CHOICE, prompt="=HYPERLINK(1)", options=["@SUM(A1)", "+1", "ok"]
    )
    services.control_deck(deck=deck, action="open")
    client.force_login(lead_teacher)
    response = client.get(reverse("live:item-export", kwargs={"pk": item.pk}))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Disposition"].startswith("attachment;")
    assert rows == [
        ["item", "prompt", "answer", "correct", "live", "afterwards"],
        ["1", "'=HYPERLINK(1)", "'@SUM(A1)", "", "0", "0"],
        ["1", "'=HYPERLINK(1)", "'+1", "", "0", "0"],
        ["1", "'=HYPERLINK(1)", "ok", "", "0", "0"],
    ]


def test_one_csv_holds_every_items_results_in_deck_order(client, live_deck, lead_teacher):
    first, word, rating = live_deck.items.order_by("position")
    for choice in (1, 1, 0):
        post_json(client, live_deck, {"type": "answer", "item": first.pk, "choice": choice},
                  uuid.uuid4())  # fmt: skip
    services.control_deck(deck=live_deck, action="next")
    post_json(
        client, live_deck, {"type": "answer", "item": word.pk, "text": "Squeeze"}, uuid.uuid4()
    )
    services.move_item(item=rating, offset=-1)
    client.force_login(lead_teacher)
    response = client.get(reverse("live:deck-export", kwargs={"pk": live_deck.pk}))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Disposition"] == f'attachment; filename="live-{live_deck.code}.csv"'
    assert rows[0] == ["item", "prompt", "answer", "correct", "live", "afterwards"]
    assert rows[1:3] == [
        ["1", "Which valve?", "Mitral", "", "1", "0"],
        ["1", "Which valve?", "Aortic", "yes", "2", "0"],
    ]
    assert [r[:3] for r in rows[3:]] == [
        ["2", "How clear was this?", str(n)] for n in range(1, 6)
    ] + [["3", "One word for the heart", "squeeze"]]
    assert rows[-1][4] == "1"


def test_wrong_answer_to_keyed_bank_question_enters_members_review_queue(client, session, member):
    question = make_question()  # option 0 is keyed
    deck = services.create_deck(session=session, title="Bank")
    item = services.add_item(deck=deck, kind=ItemKind.QUESTION, question=question)
    services.control_deck(deck=deck, action="open")
    client.force_login(member)
    post_json(client, deck, {"type": "answer", "item": item.pk, "choice": 2})
    client.logout()
    post_json(client, deck, {"type": "answer", "item": item.pk, "choice": 3}, uuid.uuid4())
    assert (item.correct, item.options[0]) == (0, "Right coronary artery")
    assert list(ReviewCard.objects.values_list("member_id", "question_id")) == [
        (member.pk, question.pk)
    ]


def test_right_answer_leaves_review_queue_alone(client, session, member):
    question = make_question()
    deck = services.create_deck(session=session, title="Bank")
    item = services.add_item(deck=deck, kind=ItemKind.QUESTION, question=question)
    services.control_deck(deck=deck, action="open")
    client.force_login(member)
    post_json(client, deck, {"type": "answer", "item": item.pk, "choice": 0})
    assert ReviewCard.objects.count() == 0


def test_teacher_builds_a_deck_through_the_forms(client, session, lead_teacher):
    client.force_login(lead_teacher)
    response = client.post(
        reverse("live:deck-create"),
        {"session": session.pk, "title": "Valves", "allow_anonymous": "on"},
    )
    deck = Deck.objects.get(title="Valves")
    assert response["Location"] == deck.get_absolute_url()
    client.post(
        reverse("live:item-create", kwargs={"pk": deck.pk}),
        {"kind": "choice", "prompt": "Loudest?", "options": "S1\n*S2\n", "recording_at": "12:30"},
    )
    bad = client.post(
        reverse("live:item-create", kwargs={"pk": deck.pk}),
        {"kind": "choice", "prompt": "One option", "options": "only"},
    )
    item = deck.items.get()
    assert (item.options, item.correct, item.recording_at_seconds) == (["S1", "S2"], 1, 750)
    assert bad.status_code == 400 and "Give between 2 and 10 options." in bad.content.decode()


@pytest.mark.parametrize("n", [1, 3])
def test_deck_list_query_count(client, session, lead_teacher, django_assert_num_queries, n):
    for i in range(n):
        services.create_deck(session=session, title=f"Deck {i}")
    client.force_login(lead_teacher)
    # session, user, roles, decks: the same for 1 and 3 decks
    with django_assert_num_queries(4):
        response = client.get(reverse("live:deck-list"))
    assert response.content.decode().count("<tr><td><a href") == n


def test_cli_open_and_results(capsys):
    from django.core.management import call_command

    call_command(
        "live", "open", "--title", "CLI deck", "--item", "choice:Which?:A|B|C", "--anonymous"
    )
    opened = json.loads(capsys.readouterr().out)
    deck = Deck.objects.get(code=opened["code"])
    assert (opened["presenter_token"], deck.allow_anonymous, deck.status) == (
        deck.presenter_token,
        True,
        "live",
    )
    assert [(i["kind"], i["options"]) for i in opened["items"]] == [("choice", ["A", "B", "C"])]
    services.record_answer(
        services.AnswerEntry(
            deck_id=deck.pk, item_id=opened["items"][0]["id"], participant=uuid.uuid4(), choice=2
        )
    )
    call_command("live", "results", deck.code)
    assert json.loads(capsys.readouterr().out) == {
        "items": [{"id": opened["items"][0]["id"], "counts": [0, 0, 1], "total": 1}]
    }


@pytest.mark.parametrize("n", [1, 3])
def test_home_panel_for_teachers_counts_live_decks_in_one_query(
    session, lead_teacher, member, django_assert_num_queries, n
):
    from django.test import RequestFactory

    from nearpeer.live import home

    for _ in range(n):
        services.control_deck(deck=make_deck(session), action="open")
    make_deck(SessionFactory())  # someone else's, and not live
    request = RequestFactory().get("/")
    request.user = lead_teacher
    lead_teacher.roles  # noqa: B018 - loaded by the page's navigation already
    with django_assert_num_queries(1):
        panels = home.panels(request)
    request.user = member  # the running decks of their year instead (test_home.py)
    assert [p.template for p in home.panels(request)] == ["live/_home_panel.html"]
    assert panels[0].context["text"] == (
        "1 deck is live now." if n == 1 else f"{n} decks are live now."
    )


def test_ended_deck_links_each_item_to_its_moment_in_the_recording(client, session, member):
    from nearpeer.teaching.models import Material

    recording = Material.objects.create(
        session=session, kind=Material.Kind.RECORDING, title="Lecture", url="https://e.org/v.mp4"
    )
    deck = services.create_deck(session=session, title="Later")
    services.add_item(deck=deck, kind=ItemKind.TEXT, prompt="What stuck?", recording_at_seconds=750)
    services.control_deck(deck=deck, action="end")
    client.force_login(member)
    html = client.get(reverse("live:participate", kwargs={"code": deck.code})).content.decode()
    link = reverse("teaching:material-open", kwargs={"pk": recording.pk}) + "#t=750"
    assert f'href="{link}"' in html and "Watch from 12:30" in html


def test_the_word_cloud_sizes_words_by_how_often_they_came(client, live_deck, lead_teacher):
    word = live_deck.items.get(kind=ItemKind.WORDCLOUD)
    services.control_deck(deck=live_deck, action="goto", item_id=word.pk)
    for text in ["Squeeze"] * 4 + ["pump"]:
        post_json(
            client, live_deck, {"type": "answer", "item": word.pk, "text": text}, uuid.uuid4()
        )
    client.force_login(lead_teacher)
    page = client.get(reverse("live:deck-present", kwargs={"pk": live_deck.pk})).content.decode()
    assert '<li data-size="5"><span class="live-word">squeeze</span>' in page
    assert '<li data-size="3"><span class="live-word">pump</span>' in page


def _button_states(page: str) -> dict[str, bool]:
    """data-action → enabled, for the presenter controls outside the item list."""
    return {
        m["action"]: not m["disabled"]
        for m in re.finditer(
            r'<button type="submit" class="\w+" data-action="(?P<action>\w+)"'
            r"(?P<disabled> disabled)?>",
            page,
        )
    }


def test_presenter_page_disables_controls_that_would_change_nothing(client, deck, lead_teacher):
    client.force_login(lead_teacher)
    url = reverse("live:deck-present", kwargs={"pk": deck.pk})
    before = _button_states(client.get(url).content.decode())
    assert before == {
        "open": True, "close": False, "previous": False, "next": True, "reveal": False,
        "show_results": False, "hide_results": False, "end": True, "close_in": False,
        "show_questions": True, "hide_questions": False,
    }  # fmt: skip
    services.control_deck(deck=deck, action="open")  # the first item, keyed
    services.control_deck(deck=deck, action="reveal")
    after = _button_states(client.get(url).content.decode())
    assert {a for a, on in after.items() if on} == {
        "open", "next", "hide_results", "end", "show_questions",
    }  # fmt: skip
    # The socket's snapshot carries the same, so the page follows without a reload.
    deck.refresh_from_db()
    assert services.snapshot(deck, presenter=True)["controls"] == after
    assert "controls" not in services.snapshot(deck)


def test_results_show_each_share_and_a_rating_scales_average(client, live_deck, lead_teacher):
    rating = live_deck.items.get(kind=ItemKind.RATING)
    services.control_deck(deck=live_deck, action="goto", item_id=rating.pk)
    for choice in (3, 3, 4):  # 4, 4, 5 on the scale
        post_json(client, live_deck, {"type": "answer", "item": rating.pk, "choice": choice},
                  uuid.uuid4())  # fmt: skip
    client.force_login(lead_teacher)
    page = client.get(reverse("live:deck-present", kwargs={"pk": live_deck.pk})).content.decode()
    shares = re.findall(r'<span class="live-bar-share">(\d+)%</span>', page)
    assert shares == ["0", "0", "0", "67", "33"]
    assert "3 answers · average 4.3 of 5" in page
    detail = client.get(reverse("live:deck-detail", kwargs={"pk": live_deck.pk})).content.decode()
    assert '<th scope="row">Average (1–5)</th><td>4.3</td><td>–</td>' in detail
