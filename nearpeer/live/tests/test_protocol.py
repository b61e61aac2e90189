"""The pure parts: message parsing, item specs, word counting, the rate limit; and the batch
store's fixed number of queries."""

import json
import uuid

import pytest

from nearpeer.live import services
from nearpeer.live.protocol import (
    WORD_SIZES,
    ProtocolError,
    TokenBucket,
    count_words,
    counts_for,
    decode,
    parse_answer,
    parse_item_spec,
    percent,
    presenter_controls,
    rating_mean,
    word_size,
)


def test_item_spec_parses_keyed_choice_with_colons_in_the_prompt():
    # The last colon separates the options, so a prompt may contain colons.
    assert parse_item_spec("choice:Ratio 1:2 or 2:1?:A|*B") == {
        "kind": "choice",
        "prompt": "Ratio 1:2 or 2:1?",
        "options": ["A", "B"],
        "correct": 1,
    }
    assert parse_item_spec("wordcloud:One word") == {
        "kind": "wordcloud", "prompt": "One word", "options": [], "correct": None,
    }  # fmt: skip


@pytest.mark.parametrize("spec", ["choice:no options", "poll:x", "rating:", "question:abc"])
def test_bad_item_specs_are_refused_with_the_spec_named(spec):
    with pytest.raises(ValueError, match="'" + spec.split(":")[0]):
        parse_item_spec(spec)


def test_words_are_counted_case_and_punctuation_blind():
    assert count_words(["Pump!", "pump", " squeeze ", "PUMP.", ""]) == [["pump", 3], ["squeeze", 1]]


def test_counts_ignore_out_of_range_choices():
    assert counts_for([(0, 2), (2, 1), (7, 4), (None, 1)], 3) == [2, 0, 1]


def test_answer_text_is_cleaned_and_bounded():
    message = parse_answer({"type": "answer", "item": 3, "text": "  a\u0000  b ", "ref": "r"})
    assert (message.text, message.choice, message.ref) == ("a b", None, "r")
    with pytest.raises(ProtocolError) as both:
        parse_answer({"type": "answer", "item": 3, "text": "x", "choice": 1})
    assert both.value.code == "bad_request"


def test_decode_checks_size_before_parsing():
    with pytest.raises(ProtocolError) as big:
        decode("[" * 5000)
    assert big.value.code == "too_large"


def test_token_bucket_refills_with_time():
    now = [0.0]
    bucket = TokenBucket(burst=2, rate=1.0, clock=lambda: now[0])
    taken = [bucket.take() for _ in range(3)]
    now[0] = 1.0
    assert taken + [bucket.take(), bucket.take()] == [True, True, False, True, False]


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 60])
def test_a_batch_of_answers_costs_the_same_queries_whatever_its_size(
    live_deck, django_assert_num_queries, n
):
    item = live_deck.items.get(position=1)
    entries = [
        services.AnswerEntry(
            deck_id=live_deck.pk, item_id=item.pk, participant=uuid.uuid4(), choice=i % 2
        )
        for i in range(n)
    ]
    # items with their decks, one INSERT … RETURNING (atomic by itself: no transaction needed
    # when no review-queue rows go with it)
    with django_assert_num_queries(2):
        outcomes = services.store_answers(entries + entries[:1])
    assert [o.duplicate for o in outcomes] == [False] * n + [True]
    assert services.tally(item)["total"] == n


@pytest.mark.django_db
@pytest.mark.parametrize("n", [2, 40])
def test_connect_snapshots_are_built_once_per_deck_whatever_the_crowd(
    live_deck, django_assert_num_queries, n
):
    item = live_deck.items.get(position=1)
    people = [uuid.uuid4() for _ in range(n)]
    services.store_answers(
        [
            services.AnswerEntry(
                deck_id=live_deck.pk, item_id=item.pk, participant=people[0], choice=0
            )
        ]
    )
    # the deck, the Q&A list, who of them already answered
    with django_assert_num_queries(3):
        texts = services.participant_snapshots(
            [(live_deck.pk, p) for p in people] + [(0, people[1])]
        )
    first, second = json.loads(texts[0]), json.loads(texts[1])
    assert (first["type"], first["item"]["id"], first["answered"], second["answered"]) == (
        "snapshot",
        item.pk,
        True,
        False,
    )
    assert first == services.snapshot(live_deck, participant=people[0])
    assert isinstance(texts[-1], ProtocolError) and texts[-1].code == "unknown_deck"
    assert services.decks_by_code([live_deck.code.lower(), "NOSUCH"]) == [live_deck, None]


def test_word_cloud_sizes_grow_with_the_square_root_of_the_share():
    assert [word_size(n, 16) for n in (16, 9, 4, 1, 0)] == [WORD_SIZES, 4, 3, 2, 1]
    assert word_size(3, 3) == WORD_SIZES  # every word as frequent as the top one
    assert word_size(5, 0) == 1


def _enabled(**state) -> set[str]:
    base = {
        "ended": False, "accepting": False, "results_visible": False, "revealed": False,
        "position": None, "count": 3, "keyed": False, "questions_on_screen": False,
    }  # fmt: skip
    return {action for action, on in presenter_controls(**(base | state)).items() if on}


def test_presenter_controls_offer_what_would_change_something():
    # Not started: open or move to the first item, or end; nothing about an item yet.
    assert _enabled() == {"open", "next", "end", "show_questions"}
    # The first, keyed item taking answers.
    assert _enabled(position=0, accepting=True, keyed=True) == {
        "close", "close_in", "next", "reveal", "show_results", "end", "show_questions",
    }  # fmt: skip
    # The middle item, closed, results shown: reopen, move either way, hide.
    assert _enabled(position=1, results_visible=True) == {
        "open", "previous", "next", "hide_results", "end", "show_questions",
    }  # fmt: skip
    # The last item, revealed (revealing shows results and closes), deck ended, audience
    # questions on the screen.
    assert _enabled(
        position=2, keyed=True, revealed=True, results_visible=True, ended=True,
        questions_on_screen=True,
    ) == {"open", "previous", "hide_results", "hide_questions"}  # fmt: skip
    # An unkeyed item has no answer to reveal; a deck without items only ends.
    assert "reveal" not in _enabled(position=0, keyed=False)
    assert _enabled(count=0) == {"end", "show_questions"}


def test_shares_are_whole_percent_rounded_one_by_one():
    assert [percent(n, 3) for n in (2, 1, 0)] == [67, 33, 0]
    assert [percent(n, 6) for n in (1, 1, 4)] == [17, 17, 67]  # 101, as on any poll tool
    assert percent(0, 0) == 0


def test_rating_mean_counts_the_first_point_as_one():
    assert rating_mean([0, 0, 0, 2, 1]) == 4.3  # 4, 4, 5
    assert rating_mean([1, 0, 0, 0, 1]) == 3.0
    assert rating_mean([0, 0, 0, 0, 0]) is None
