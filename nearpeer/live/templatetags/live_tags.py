from django import template

from nearpeer.live.protocol import percent as _percent
from nearpeer.live.protocol import rating_mean as _rating_mean
from nearpeer.live.protocol import word_size as _word_size

register = template.Library()


@register.filter
def moment(seconds: int | None) -> str:
    """750 → "12:30"; 3723 → "1:02:03"."""
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def option_label(item, index: int) -> str:
    try:
        return item.options[index]
    except (IndexError, TypeError):
        return ""


@register.filter
def seek_url(player, seconds: int) -> str:
    """The embedded recording's source started at `seconds` (see live.embeds.Player)."""
    return player.seek_url(seconds)


@register.filter
def word_size(count: int, most: int) -> int:
    """{{ n|word_size:most }}: 1-5, see protocol.word_size."""
    return _word_size(int(count), int(most or 0))


@register.filter
def percent(count: int, total: int) -> int:
    """{{ n|percent:total }}: whole percent, see protocol.percent."""
    return _percent(int(count), int(total or 0))


@register.filter
def rating_mean(counts) -> str:
    """{{ results.counts|rating_mean }}: "3.8", or "" when nobody answered."""
    mean = _rating_mean(list(counts or []))
    return "" if mean is None else f"{mean:.1f}"
