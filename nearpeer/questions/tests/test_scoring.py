"""Scoring of every question type (no database)."""

import pytest

from nearpeer.questions import scoring

EMQ_OPTIONS = [{"text": t, "correct": False} for t in ("Asthma", "COPD", "Pneumonia", "PE")]
EMQ_DETAILS = {
    "stems": [{"text": "Wheeze at night", "key": 0}, {"text": "Pleuritic pain", "key": 3}]
}
SHORT_DETAILS = {"accepted": [{"text": "Frog", "credit": 1.0}, {"text": "toad*", "credit": 0.5}]}
NUMBER_DETAILS = {
    "accepted": [{"value": 5.2, "tolerance": 0.1, "credit": 1.0},
                 {"value": 5.0, "tolerance": 0.5, "credit": 0.5}],
    "units": [{"unit": "mmol/L", "multiplier": 1.0}, {"unit": "mol/L", "multiplier": 0.001}],
}  # fmt: skip


def test_true_false_scores_the_one_chosen_option():
    options = [{"text": "True", "correct": False}, {"text": "False", "correct": True}]
    assert scoring.check(scoring.TRUEFALSE, options, {}) == []
    assert scoring.score(scoring.TRUEFALSE, options, {}, {"selected": [1]}) == 1.0
    assert scoring.score(scoring.TRUEFALSE, options, {}, {"selected": [0]}) == 0.0


def test_extended_matching_gives_a_share_per_stem():
    assert scoring.check(scoring.EMQ, EMQ_OPTIONS, EMQ_DETAILS) == []
    assert scoring.score(scoring.EMQ, EMQ_OPTIONS, EMQ_DETAILS, {"stems": [0, 3]}) == 1.0
    assert scoring.score(scoring.EMQ, EMQ_OPTIONS, EMQ_DETAILS, {"stems": [0, 1]}) == 0.5
    assert scoring.score(scoring.EMQ, EMQ_OPTIONS, EMQ_DETAILS, {"stems": [None, None]}) == 0.0
    assert scoring.response_label(scoring.EMQ, {"stems": [0, None]}) == "1A 2-"
    assert scoring.key_label(scoring.EMQ, EMQ_OPTIONS, EMQ_DETAILS) == "1A 2D"


def test_short_answer_variants_case_and_wildcard():
    assert scoring.score(scoring.SHORT, [], SHORT_DETAILS, {"text": "  frog "}) == 1.0
    assert scoring.score(scoring.SHORT, [], SHORT_DETAILS, {"text": "Toad of Toad Hall"}) == 0.5
    assert scoring.score(scoring.SHORT, [], SHORT_DETAILS, {"text": "newt"}) == 0.0
    sensitive = {**SHORT_DETAILS, "case_sensitive": True}
    assert scoring.score(scoring.SHORT, [], sensitive, {"text": "frog"}) == 0.0


@pytest.mark.parametrize(
    ("typed", "credit"),
    [("5.25", 1.0), ("5,15 mmol/L", 1.0), ("0.0052 mol/L", 1.0), ("4.6", 0.5), ("6", 0.0),
     ("5.2 mg", 0.0), ("five", 0.0)],
)  # fmt: skip
def test_numerical_tolerance_units_and_partial_credit(typed, credit):
    assert scoring.score(scoring.NUMERICAL, [], NUMBER_DETAILS, {"text": typed}) == credit


def test_multiple_response_with_weights_adds_the_chosen_credits():
    options = [
        {"text": "a", "correct": True, "credit": 0.5},
        {"text": "b", "correct": True, "credit": 0.5},
        {"text": "c", "correct": False, "credit": -1.0},
    ]
    assert scoring.score(scoring.MULTIPLE, options, {}, {"selected": [0]}) == 0.5
    assert scoring.score(scoring.MULTIPLE, options, {}, {"selected": [0, 1]}) == 1.0
    assert scoring.score(scoring.MULTIPLE, options, {}, {"selected": [0, 1, 2]}) == 0.0


def test_single_best_answer_with_a_half_credit_distractor():
    options = [
        {"text": "a", "correct": True},
        {"text": "b", "correct": False, "credit": 0.5},
        {"text": "c", "correct": False},
    ]
    assert scoring.check(scoring.SINGLE, options, {}) == []
    assert scoring.score(scoring.SINGLE, options, {}, {"selected": [1]}) == 0.5


def test_answer_box_round_trips_for_each_type():
    for qtype, options, details in [
        (scoring.EMQ, EMQ_OPTIONS, EMQ_DETAILS),
        (scoring.SHORT, [], SHORT_DETAILS),
        (scoring.NUMERICAL, [], NUMBER_DETAILS),
    ]:
        text = scoring.answer_lines(qtype, options, details)
        parsed, problems = scoring.parse_lines(qtype, text, len(options))
        assert problems == []
        assert parsed == details


def test_checks_name_the_type():
    assert scoring.check(scoring.EMQ, EMQ_OPTIONS, {"stems": [{"text": "x", "key": 9}]}) == [
        "stem 1 has no key in the option list"
    ]
    assert scoring.check(scoring.SHORT, [], {"accepted": []}) == [
        "a short-answer question needs 1 to 20 accepted answers"
    ]
    assert scoring.check(scoring.TRUEFALSE, [{"text": "Yes", "correct": True}], {}) == [
        "a true/false question has the options True and False, one correct"
    ]
