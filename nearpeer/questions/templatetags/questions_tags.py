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
