"""Inter-coder agreement: Cohen's kappa and percent agreement. Plain Python, no Django."""

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass


def percent_agreement(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Share of units (0–100) on which both coders gave the same label."""
    if len(a) != len(b):
        raise ValueError("both coders must label the same units")
    if not a:
        raise ValueError("no units to compare")
    return 100.0 * sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa, (p_o − p_e) / (1 − p_e). None when undefined (both coders gave one and
    the same label to every unit, so chance agreement is 1)."""
    if len(a) != len(b):
        raise ValueError("both coders must label the same units")
    n = len(a)
    if not n:
        raise ValueError("no units to compare")
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[label] * cb[label] for label in set(ca) | set(cb)) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


@dataclass
class CodeAgreement:
    code: str
    kappa: float | None
    percent: float
    both: int
    only_a: int
    only_b: int


def agreement_by_code(
    units: Iterable[Hashable],
    coder_a: dict[Hashable, set[str]],
    coder_b: dict[Hashable, set[str]],
    codes: Iterable[str],
) -> tuple[list[CodeAgreement], float | None, float]:
    """Per code, each unit is a yes/no decision by each coder. Overall figures pool every
    (unit, code) decision. Returns (per code, overall kappa, overall percent)."""
    units = list(units)
    per_code = []
    pooled_a: list[bool] = []
    pooled_b: list[bool] = []
    for code in codes:
        a = [code in coder_a.get(u, set()) for u in units]
        b = [code in coder_b.get(u, set()) for u in units]
        pooled_a += a
        pooled_b += b
        if not units:
            continue
        per_code.append(
            CodeAgreement(
                code=code,
                kappa=cohen_kappa(a, b),
                percent=percent_agreement(a, b),
                both=sum(x and y for x, y in zip(a, b, strict=True)),
                only_a=sum(x and not y for x, y in zip(a, b, strict=True)),
                only_b=sum(y and not x for x, y in zip(a, b, strict=True)),
            )
        )
    if not pooled_a:
        return per_code, None, 0.0
    return per_code, cohen_kappa(pooled_a, pooled_b), percent_agreement(pooled_a, pooled_b)
