"""Scoring a mark sheet: weights, partly done, critical items, global rating; typed schemes."""

import pytest

from nearpeer.osce import scoring, stats
from nearpeer.osce.scoring import DONE, NOT_DONE, PARTLY, Item

ITEMS = [
    Item("a", "Introduces self and confirms identity", weight=2, critical=True),
    Item("b", "Asks about onset", weight=1),
    Item("c", "Summarises", weight=1),
]


def test_score_weights_and_partly_credit():
    result = scoring.score(ITEMS, {"a": DONE, "b": PARTLY, "c": NOT_DONE}, 4)
    assert (result.earned, result.available) == (2.5, 4)
    assert result.percent == pytest.approx(0.625)
    assert result.missed == ("b", "c")
    assert result.passed is True


def test_score_critical_item_not_done_fails_whatever_the_total():
    result = scoring.score(ITEMS, {"a": PARTLY, "b": DONE, "c": DONE}, 5)
    assert result.percent == pytest.approx(0.75)
    assert result.critical_missed == ("a",)
    assert result.passed is False
    assert result.reasons == ("1 critical item not fully done",)


def test_score_low_global_rating_fails_a_full_checklist():
    result = scoring.score(ITEMS, {"a": DONE, "b": DONE, "c": DONE}, 2)
    assert result.percent == 1.0
    assert result.passed is False
    assert result.reasons == ("global rating borderline fail",)


def test_score_below_pass_mark_fails():
    result = scoring.score(ITEMS, {"a": DONE, "b": NOT_DONE, "c": NOT_DONE}, 3, pass_mark=0.6)
    assert result.percent == 0.5
    assert result.reasons == ("checklist 50% is below the pass mark 60%",)


@pytest.mark.parametrize(
    "marks, rating, message",
    [
        ({"a": DONE, "b": DONE}, 3, "Summarises"),
        ({"a": DONE, "b": DONE, "c": "maybe"}, 3, "Summarises"),
        ({"a": DONE, "b": DONE, "c": DONE, "z": DONE}, 3, "unknown item 'z'"),
        ({"a": DONE, "b": DONE, "c": DONE}, 6, "global rating"),
    ],
)
def test_score_refuses_incomplete_or_unknown_marks(marks, rating, message):
    with pytest.raises(scoring.ScoringError, match=message):
        scoring.score(ITEMS, marks, rating)


def test_parse_scheme_reads_critical_and_weights_and_round_trips():
    text = "* Confirms identity [2]\n\nAsks about onset\nSummarises [3]\n"
    items = scoring.parse_scheme(text)
    assert items == [
        ("Confirms identity", 2, True),
        ("Asks about onset", 1, False),
        ("Summarises", 3, False),
    ]
    assert scoring.parse_scheme(scoring.describe_scheme(items)) == items


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "at least one item"),
        ("ok\n* [2]", "line 2: the item has no text"),
        ("ok\nfine [11]", "line 2: weight must be 1–10"),
    ],
)
def test_parse_scheme_names_the_bad_line(text, message):
    with pytest.raises(scoring.ScoringError, match=message):
        scoring.parse_scheme(text)


def test_station_summary_mean_spread_missed_and_examiner_difference():
    sheets = [
        stats.Sheet("Ann", 0.8, 4, True, ("b",)),
        stats.Sheet("Ann", 0.6, 3, True, ("b", "c")),
        stats.Sheet("Bo", 0.4, 2, False, ("b",)),
    ]
    s = stats.summarise(sheets)
    assert s.mean == pytest.approx(0.6)
    assert s.spread == pytest.approx(0.2)
    assert s.passed == 2
    assert s.most_missed == [("b", 3), ("c", 1)]
    assert [(e.examiner, e.sheets, round(e.difference, 3)) for e in s.examiners] == [
        ("Ann", 2, 0.1),
        ("Bo", 1, -0.2),
    ]
