from django import template
from django.utils.safestring import mark_safe

from nearpeer.questions.models import mask_letters
from nearpeer.questions.rendering import render_inline, render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    return mark_safe(render_markdown(text))  # noqa: S308 - nh3 has sanitised it


@register.filter
def markdown_inline(text: str) -> str:
    return mark_safe(render_inline(text))  # noqa: S308 - nh3 has sanitised it


@register.filter
def letter(index: int) -> str:
    return chr(ord("A") + int(index))


@register.filter
def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


@register.filter
def option_text(version, index: int) -> str:
    return version.options[int(index)]["text"]


@register.filter(name="mask_letters")
def mask_letters_filter(mask: int) -> str:
    return mask_letters(int(mask or 0))


@register.filter
def at(values, index: int):
    """values[index], or None past the end (a stem not answered yet)."""
    try:
        return values[int(index)]
    except (IndexError, TypeError, ValueError, KeyError):
        return None


@register.filter
def stems(version) -> list[dict]:
    return (version.details or {}).get("stems", [])


@register.filter
def marks(value) -> str:
    """A score with partial credit: 3, 1.5, 2.33."""
    if value is None:
        return "–"
    return f"{float(value):.2f}".rstrip("0").rstrip(".")
