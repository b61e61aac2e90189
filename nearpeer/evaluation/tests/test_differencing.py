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


# --- Across reports (finding 4) and small cells (finding 8) ---------------------------------------


def _ids(report, name: str) -> frozenset:
    shown = [g for g in report.groups if not g.withheld]
    return report.shown_sets[[g.name for g in shown].index(name)]


def test_a_group_one_person_short_of_an_earlier_group_is_withheld():
    # Finding 4: "G=Q1:pre" (9 people) then "G=Q1:pre&Q2:yes" (8) gave one person's answers.
    rows = [("pre", "yes")] * 8 + [("pre", "no")] + [("clinical", "yes")] * 6
    first = grouped_report(
        questions=QUESTIONS,
        answers=_answers(rows),
        groups=[parse_group("G=Q1:pre")],
        min_group_size=5,
    )
    second = grouped_report(
        questions=QUESTIONS,
        answers=_answers(rows),
        groups=[parse_group("G=Q1:pre&Q2:yes")],
        min_group_size=5,
        earlier=first.shown_sets,
    )

    assert [(g.size, g.withheld) for g in first.groups] == [(9, False)]
    assert _ids(first, "G") == frozenset(range(9))
    assert [(g.size, g.withheld) for g in second.groups] == [(8, True)]
    assert {c.n for row in second.rows for c in row.cells} == {None}


def test_earlier_groups_count_through_differences_and_complements():
    rows = [("pre", "yes")] * 8 + [("pre", "no")] + [("clinical", "yes")] * 6
    earlier = [frozenset(range(8))]  # "Pre and yes" shown before
    # Pre minus it is one person; so is all minus Clinical minus it: both are withheld.

    report = grouped_report(
        questions=QUESTIONS,
        answers=_answers(rows),
        groups=[parse_group("Pre=Q1:pre"), parse_group("Clinical=Q1:clinical")],
        min_group_size=5,
        earlier=earlier,
    )

    assert [(g.name, g.withheld) for g in report.groups] == [("Pre", True), ("Clinical", True)]


def test_what_earlier_reports_already_gave_away_does_not_withhold_everything_after():
    # The threshold was lowered then raised again: "Yes" (14 of 15) was shown. That cannot be
    # taken back; unrelated groups that add nothing to it are still shown.
    rows = [("pre", "yes")] * 8 + [("pre", "no")] + [("clinical", "yes")] * 6
    earlier = [frozenset(r for r, (_, q2) in enumerate(rows) if q2 == "yes")]

    report = grouped_report(
        questions=QUESTIONS,
        answers=_answers(rows),
        groups=[parse_group("Clinical=Q1:clinical")],
        min_group_size=5,
        earlier=earlier,
    )

    assert [(g.name, g.withheld) for g in report.groups] == [("Clinical", False)]


def test_groups_far_enough_from_every_earlier_group_are_shown():
    rows = [("pre", "yes")] * 6 + [("pre", "no")] * 5 + [("clinical", "yes")] * 6
    earlier = [frozenset(range(11))]  # "Pre" shown before

    report = grouped_report(
        questions=QUESTIONS,
        answers=_answers(rows),
        groups=[parse_group("Yes=Q2:yes")],
        min_group_size=5,
        earlier=earlier,
    )

    assert [(g.size, g.withheld) for g in report.groups] == [(12, False)]


def test_free_text_answered_and_no_answer_are_suppressed_together():
    # Finding 8: "(answered)" = 2 hidden alone was 12 − "(no answer)".
    data = [(r, "T", "\x00answered") for r in range(2)] + [(r, "", "") for r in range(12)]
    report = grouped_report(
        questions=[QuestionSpec("T", "text")],
        answers=pd.DataFrame(data, columns=["r", "q", "v"]),
        groups=[GroupSpec("All")],
        min_group_size=5,
        suppress_below=5,
    )

    assert [(r.item, r.cells[0].n, r.cells[0].suppressed) for r in report.rows] == [
        ("\x00answered", None, True),
        ("(no answer)", None, True),
    ]


def test_a_small_cell_is_not_recoverable_from_a_complementary_group():
    # "Yes" and "No" split everyone: a small "pre" count among "No" would be All − Yes.
    rows = [("pre", "yes")] * 3 + [("clinical", "yes")] * 5 + [("pre", "no")] * 2
    rows += [("clinical", "no")] * 6
    report = grouped_report(
        questions=QUESTIONS,
        answers=_answers(rows),
        groups=[parse_group(g) for g in ("All=", "Yes=Q2:yes", "No=Q2:no")],
        min_group_size=5,
        suppress_below=5,
    )

    pre = next(r for r in report.rows if r.question == "Q1" and r.item == "pre")
    shown = [c.n for c in pre.cells if not c.suppressed]
    # Yes (3) and No (2) are small; All (5) alone would give nothing away, but with either
    # of the others shown it would: at most one of the three is shown, and never both smalls.
    assert [c.suppressed for c in pre.cells][1:] == [True, True]
    assert len(shown) <= 1
