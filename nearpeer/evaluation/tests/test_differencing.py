"""Withheld results must not be recoverable by subtracting one shown group from another (or
from all respondents, whose report anyone with the lead role can ask for)."""

import pandas as pd

from nearpeer.evaluation.stats import GroupSpec, QuestionSpec, grouped_report, parse_group

QUESTIONS = [
    QuestionSpec("Q1", "single", ("pre", "clinical")),
    QuestionSpec("Q2", "single", ("yes", "no")),
]


def _answers(rows: list[tuple[str, str]]) -> pd.DataFrame:
    """rows: (Q1 value or "", Q2 value), one respondent each."""
    data = []
    for r, (q1, q2) in enumerate(rows):
        if q1:
            data.append((r, "Q1", q1))
        data.append((r, "Q2", q2))
    return pd.DataFrame(data, columns=["r", "q", "v"])


def _shown(groups: list[str], rows) -> list[tuple[str, int, bool]]:
    report = grouped_report(
        questions=QUESTIONS,
        answers=_answers(rows),
        groups=[parse_group(g) for g in groups],
        min_group_size=5,
    )
    return [(g.name, g.size, g.withheld) for g in report.groups]


def test_a_group_nested_in_another_is_withheld_when_they_differ_by_fewer_than_the_minimum():
    # Year 1 (5) sits inside Pre-clinical (6): Pre-clinical minus Year 1 would be one person.
    rows = [("pre", "yes")] * 5 + [("pre", "no")] + [("clinical", "yes")] * 6
    assert _shown(["Pre=Q1:pre", "Yes pre=Q1:pre&Q2:yes"], rows) == [
        ("Pre", 6, False),
        ("Yes pre", 5, True),
    ]


def test_a_group_is_withheld_when_all_respondents_minus_it_is_below_the_minimum():
    # 10 of 11 said yes: all respondents minus "Yes" is the one who said no.
    rows = [("pre", "yes")] * 10 + [("pre", "no")]
    assert _shown(["Yes=Q2:yes"], rows) == [("Yes", 10, True)]


def test_groups_whose_union_leaves_out_fewer_than_the_minimum_are_not_all_shown():
    # One respondent skipped Q1: all minus Pre minus Clinical would be that one person.
    rows = [("pre", "yes")] * 5 + [("clinical", "no")] * 6 + [("", "yes")]
    assert _shown(["All=", "Pre=Q1:pre", "Clinical=Q1:clinical"], rows) == [
        ("All", 12, False),
        ("Pre", 5, True),
        ("Clinical", 6, False),
    ]


def test_groups_that_differ_by_at_least_the_minimum_are_all_shown():
    rows = [("pre", "yes")] * 5 + [("clinical", "no")] * 6 + [("", "yes")] * 5
    assert _shown(["All=", "Pre=Q1:pre", "Clinical=Q1:clinical"], rows) == [
        ("All", 16, False),
        ("Pre", 5, False),
        ("Clinical", 6, False),
    ]


def test_withheld_groups_answer_nothing_in_the_rows():
    rows = [("pre", "yes")] * 10 + [("pre", "no")]
    report = grouped_report(
        questions=QUESTIONS,
        answers=_answers(rows),
        groups=[GroupSpec("Yes", (("Q2", ("yes",)),))],
        min_group_size=5,
    )
    assert {(c.n, c.pct) for row in report.rows for c in row.cells} == {(None, None)}
