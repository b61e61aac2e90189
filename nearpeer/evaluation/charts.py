"""Diverging stacked bar charts for Likert items, as SVG. Plain Python (matplotlib, Agg)."""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Colour-blind-safe diverging palette (negative → positive); labels carry the meaning too.
COLOURS = ["#b2182b", "#ef8a62", "#bababa", "#67a9cf", "#2166ac"]


def _plain(text: str) -> str:
    """Members' wording must not be read as matplotlib mathtext ($…$ would fail or render)."""
    return text.replace("$", r"\$")


def likert_svg(*, title: str, bars: list[tuple[str, list[int]]], labels: list[str]) -> bytes:
    """One horizontal bar per (label, counts of the five levels), centred on the neutral level,
    in percent of those who answered."""
    height = 1.2 + 0.55 * max(len(bars), 1)
    fig, ax = plt.subplots(figsize=(8, height))
    for y, (_, counts) in enumerate(bars):
        total = sum(counts) or 1
        shares = [100 * c / total for c in counts]
        left = -(shares[0] + shares[1] + shares[2] / 2)
        for level, share in enumerate(shares):
            ax.barh(
                y,
                share,
                left=left,
                color=COLOURS[level],
                edgecolor="white",
                label=labels[level] if y == 0 else None,
            )
            left += share
    ax.set_yticks(range(len(bars)), [_plain(name) for name, _ in bars])
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlim(-100, 100)
    ax.set_xlabel("% of those answering (disagree ← → agree)")
    ax.set_title(_plain(title[:90]))
    ax.invert_yaxis()
    if bars:
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=5, fontsize="small", frameon=False
        )
    fig.tight_layout()
    buffer = io.BytesIO()
    # Real <text> in the SVG: smaller, searchable, and readable by screen readers.
    with plt.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()
