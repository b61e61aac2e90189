"""Item statistics against a hand-worked example (see docs/item-analysis.md) and pingouin."""

import numpy as np
import pandas as pd
import pingouin
import pytest

from nearpeer.questions import itemstats
from nearpeer.questions.itemstats import Response, ResponsesError, analyse, read_responses_csv

# 4 candidates × 4 items; keys A, B, C, A. Scores: C1 1111, C2 1101, C3 1001, C4 0001.
HAND = """candidate,item,response,key
C1,Q1,A,A
C1,Q2,B,B
C1,Q3,C,C
C1,Q4,A,A
C2,Q1,A,A
C2,Q2,B,B
C2,Q3,D,C
C2,Q4,A,A
C3,Q1,A,A
C3,Q2,C,B
C3,Q3,,C
C3,Q4,A,A
C4,Q1,B,A
C4,Q2,C,B
C4,Q3,D,C
C4,Q4,A,A
"""


def test_hand_worked_example_items():
    result = analyse(read_responses_csv(HAND)).as_dict()
    items = {i["item"]: i for i in result["items"]}
    assert [items[q]["facility"] for q in ("Q1", "Q2", "Q3", "Q4")] == [0.75, 0.5, 0.25, 1.0]
    # 27 % of 4 rounds to 1: upper = C1, lower = C4.
    assert [items[q]["discrimination"] for q in ("Q1", "Q2", "Q3", "Q4")] == [1.0, 1.0, 1.0, 0.0]
    # Q1: item (1,1,1,0) vs rest (2,1,0,0) → 0.75 / sqrt(0.75 × 2.75); Q2 → 1/√2.
    assert items["Q1"]["point_biserial"] == 0.5222
    assert items["Q2"]["point_biserial"] == 0.7071
    assert items["Q3"]["point_biserial"] == 0.5222
    assert items["Q4"]["point_biserial"] is None
    assert items["Q3"]["options"] == {"C": 0.25, "D": 0.5, "omitted": 0.25}
    assert items["Q1"]["options"] == {"A": 0.75, "B": 0.25}
    assert items["Q4"]["flags"] == ["high_facility", "low_discrimination"]
    assert items["Q1"]["flags"] == []
    assert items["Q1"]["n"] == 4


def test_hand_worked_example_test_statistics():
    test = analyse(read_responses_csv(HAND)).as_dict()["test"]
    # totals 4,3,2,1: mean 2.5, SD √(5/3); KR-20 = 4/3 × (1 − (1/4+1/3+1/4+0)/(5/3)) = 2/3.
    assert test == {
        "candidates": 4, "items": 4, "mean": 2.5, "sd": 1.291, "kr20": 0.6667, "sem": 0.7454,
    }  # fmt: skip


def test_low_facility_flag():
    responses = [Response(f"C{c}", "Q1", "A" if c == 0 else "B", "A") for c in range(10)]
    responses += [Response(f"C{c}", "Q2", "A", "A") for c in range(10)]
    items = analyse(responses).items
    assert items[0].facility == 0.1
    assert "low_facility" in items[0].flags


def test_multiple_response_letters_in_any_order_match():
    result = analyse([Response("C1", "Q1", "ca", "AC"), Response("C2", "Q1", "A", "AC")])
    assert result.items[0].facility == 0.5


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kr20_equals_pingouin_cronbach_alpha_on_random_data(seed):
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=(60, 1))
    difficulty = rng.normal(size=(1, 25))
    scores = (rng.random((60, 25)) < 1 / (1 + np.exp(-(ability - difficulty)))).astype(int)
    responses = [
        Response(f"C{c}", f"Q{i}", "A" if scores[c, i] else "B", "A")
        for c in range(60)
        for i in range(25)
    ]
    ours = analyse(responses)
    alpha, _ = pingouin.cronbach_alpha(data=pd.DataFrame(scores))
    assert ours.test.kr20 == pytest.approx(alpha, abs=1e-4)
    totals = scores.sum(axis=1)
    assert ours.test.sd == pytest.approx(totals.std(ddof=1), abs=1e-4)
    rest = totals - scores[:, 0]
    assert ours.items[0].point_biserial == pytest.approx(
        np.corrcoef(scores[:, 0], rest)[0, 1], abs=1e-4
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: the file is empty"),
        ("candidate,item,answer,key\n", "line 1: expected the header candidate,item,response,key"),
        ("candidate,item,response,key\nC1,Q1,A\n", "line 2: expected 4 columns, found 3"),
        ("candidate,item,response,key\nC1,Q1,A,A\nC1,Q1,B,A\n", "line 3: candidate 'C1' already"),
        ("candidate,item,response,key\nC1,Q1,A,A\nC2,Q1,B,B\n", "line 3: item 'Q1' has key 'B'"),
        ("candidate,item,response,key\nC1,Q1,A,\n", "line 2: the key of item 'Q1' is empty"),
        ("candidate,item,response,key\nC1,Q1,A,A\nC1,Q2,A,A\nC2,Q1,A,A\n",
         "candidate 'C2' has no row for item 'Q2'"),
    ],
)  # fmt: skip
def test_bad_csv_names_the_line(text, message):
    with pytest.raises(ResponsesError) as exc:
        read_responses_csv(text)
    assert str(exc.value).startswith(message)


def test_csv_output_has_one_row_per_item_and_escapes_formulas():
    responses = [Response("C1", "=SUM(A1)", "A", "A"), Response("C2", "=SUM(A1)", "B", "A")]
    out = itemstats.to_csv(analyse(responses)).splitlines()
    assert out[0] == "item,n,facility,discrimination,point_biserial,options,flags"
    assert out[1] == "'=SUM(A1),2,0.5,1.0,,A=0.5;B=0.5,"
    assert len(out) == 2


def test_ties_at_the_cut_are_shared_fractionally():
    # C1 and C2 tie on 1 for the single upper place, C3 and C4 tie on 0 for the lower place:
    # each tied candidate counts as half a member, whatever the row order.
    responses = [
        Response("C1", "Q1", "A", "A"), Response("C1", "Q2", "B", "A"),
        Response("C2", "Q1", "B", "A"), Response("C2", "Q2", "A", "A"),
        Response("C3", "Q1", "B", "A"), Response("C3", "Q2", "B", "A"),
        Response("C4", "Q1", "B", "A"), Response("C4", "Q2", "B", "A"),
    ]  # fmt: skip
    items = {i.item: i for i in analyse(responses).items}
    assert items["Q1"].discrimination == 0.5
    assert items["Q2"].discrimination == 0.5


def test_group_weights_sum_to_the_group_and_share_ties():
    weights = itemstats.group_weights(np.array([3.0, 2.0, 2.0, 2.0, 1.0]), 2)
    assert weights.tolist() == [1.0, 1 / 3, 1 / 3, 1 / 3, 0.0]


def test_analysis_does_not_depend_on_row_order():
    rng = np.random.default_rng(13)
    keys = {f"Q{i}": "ABCDE"[i % 5] for i in range(12)}
    responses = [
        Response(f"C{c}", item, str(rng.choice(list("ABCDE") + [""])), key)
        for c in range(37)
        for item, key in keys.items()
    ]
    expected = analyse(responses).as_dict()
    by_item = {i["item"]: i for i in expected["items"]}
    # Totals on 12 five-option items tie often, so the 27 % cut falls inside a tie.
    for seed in range(5):
        shuffled = list(responses)
        np.random.default_rng(seed).shuffle(shuffled)
        result = analyse(shuffled).as_dict()
        assert result["test"] == expected["test"]
        assert {i["item"]: i for i in result["items"]} == by_item
