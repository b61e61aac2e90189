import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from nearpeer.evaluation.agreement import agreement_by_code, cohen_kappa, percent_agreement


def test_kappa_hand_worked_two_by_two():
    # 50 texts: both coded 20, only A 5, only B 10, neither 15.
    # p_o = 35/50 = 0.7; p_e = 0.5 × 0.6 + 0.5 × 0.4 = 0.5; κ = (0.7 − 0.5) / 0.5 = 0.4
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15

    assert (round(cohen_kappa(a, b), 10), percent_agreement(a, b)) == (0.4, 70.0)


def test_kappa_hand_worked_three_categories():
    # Confusion (rows A, columns B) over x/y/z: [[4,1,0],[1,2,1],[0,0,1]], n = 10.
    # p_o = 7/10; A marginals 5,4,1; B marginals 5,3,2; p_e = (25 + 12 + 2)/100 = 0.39;
    # κ = (0.7 − 0.39) / 0.61 = 0.31 / 0.61
    a = ["x"] * 5 + ["y"] * 4 + ["z"]
    b = ["x"] * 4 + ["y"] + ["x"] + ["y"] * 2 + ["z"] + ["z"]

    assert cohen_kappa(a, b) == pytest.approx(0.31 / 0.61)
    assert percent_agreement(a, b) == 70.0


def test_kappa_undefined_when_both_coders_use_one_label_everywhere():
    assert cohen_kappa([0, 0, 0], [0, 0, 0]) is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("abc")), min_size=2, max_size=40))
def test_kappa_matches_scikit_learn(pairs):
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    ours = cohen_kappa(a, b)
    if ours is None:
        return
    assert ours == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)


def test_agreement_per_code_and_pooled():
    units = ["u1", "u2", "u3", "u4"]
    coder_a = {"u1": {"Resources"}, "u2": {"Resources", "Time"}, "u3": set()}
    coder_b = {"u1": {"Resources"}, "u2": {"Time"}, "u4": {"Time"}}

    per_code, kappa, percent = agreement_by_code(units, coder_a, coder_b, ["Resources", "Time"])

    resources = [True, True, False, False], [True, False, False, False]
    time = [False, True, False, False], [False, True, False, True]
    assert [(c.code, c.both, c.only_a, c.only_b) for c in per_code] == [
        ("Resources", 1, 1, 0),
        ("Time", 1, 0, 1),
    ]
    assert per_code[0].kappa == pytest.approx(cohen_kappa_score(*resources))
    assert per_code[1].kappa == pytest.approx(cohen_kappa_score(*time))
    pooled = (resources[0] + time[0], resources[1] + time[1])
    assert kappa == pytest.approx(cohen_kappa_score(*pooled))
    assert percent == 75.0
