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


MAX_SESSION_DECKS = 20


@register.simple_tag(takes_context=True)
def session_decks(context, session) -> dict:
    """For teaching's session page: {"runs": whether the viewer runs the session, "decks": the
    decks they may follow from there}. Those who run it see every deck; members see the ones
    that are live (to join) or ended (to answer beside the recording), not those still being
    prepared. The session's decks are a fragment per session under the `live` topic (apps.py
    says which writes bump it): no query when warm."""
    from nearpeer.core.cache import fragment
    from nearpeer.members.permissions import is_member
    from nearpeer.teaching.permissions import can_run_session

    from ..models import DeckStatus

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or session is None or not is_member(user):
        return {"runs": False, "decks": []}
    decks = fragment(*decks_fragment(session.pk))
    runs = can_run_session(user, session)
    if not runs:
        decks = [d for d in decks if d["status"] != DeckStatus.READY]
    return {"runs": runs, "decks": decks}


def decks_fragment(session_id: int) -> tuple:
    """The (key, topics, build) of a session's decks in the shared cache."""
    return (f"live:session:{session_id}", ("live",), lambda: _decks_of(session_id))


def _decks_of(session_id: int) -> list[dict]:
    from ..models import Deck

    decks = Deck.objects.filter(session_id=session_id).order_by("created_at", "pk")
    return list(decks.values("pk", "title", "code", "status")[:MAX_SESSION_DECKS])


@register.simple_tag
def ended_decks(sessions) -> dict[int, list[dict]]:
    """For teaching's catch-up page: the decks of these sessions that recording viewers may
    answer (ended ones), by session id, in one query whatever the number of sessions."""
    from ..models import Deck, DeckStatus

    by_session: dict[int, list[dict]] = {}
    ids = [s.pk for s in sessions]
    if not ids:
        return by_session
    decks = Deck.objects.filter(session_id__in=ids, status=DeckStatus.ENDED).order_by(
        "created_at", "pk"
    )
    for deck in decks.values("session_id", "title", "code"):
        by_session.setdefault(deck["session_id"], []).append(deck)
    return by_session


@register.filter
def decks_of(by_session: dict, session_id: int) -> list[dict]:
    """{{ decks|decks_of:session.pk }}: that session's entries of `ended_decks`."""
    return by_session.get(session_id, [])
