"""What every linkage test of the anonymous-answer store shares: scoring an attacker's guessed
order against the truth, and the number of correct pairs that pure chance within the batches
exceeds only with negligible probability (used by the survey and the teaching-feedback tests)."""

from math import comb, factorial


def score(order: list, truth: list) -> int:
    return sum(1 for guess, actual in zip(order, truth, strict=False) if guess == actual)


def best(strategies: dict[str, list], truth: list) -> tuple[str, int]:
    """The attacker's best strategy, each also tried in reverse."""
    scores = {name: score(order, truth) for name, order in strategies.items()}
    for name, order in list(strategies.items()):
        scores[f"{name} (reversed)"] = score(order[::-1], truth)
    name = max(scores, key=scores.get)
    return name, scores[name]


def _fixed_points(n: int) -> list[float]:
    """Distribution of the number of fixed points of a uniformly random permutation of n."""
    derangements = [1, 0]
    for k in range(2, n + 1):
        derangements.append((k - 1) * (derangements[-1] + derangements[-2]))
    return [comb(n, k) * derangements[n - k] / factorial(n) for k in range(n + 1)]


def chance_bound(batch_sizes: list[int], tail: float = 1e-6) -> int:
    """Smallest b with P(correct pairs > b) < tail for an attacker who knows which batch each
    answer is in but nothing inside a batch (the design's anonymity set)."""
    dist = [1.0]
    for n in batch_sizes:
        fixed = _fixed_points(n)
        out = [0.0] * (len(dist) + len(fixed) - 1)
        for i, p in enumerate(dist):
            for j, q in enumerate(fixed):
                out[i + j] += p * q
        dist = out
    for b in range(len(dist)):
        if sum(dist[b + 1 :]) < tail:
            return b
    return len(dist) - 1
