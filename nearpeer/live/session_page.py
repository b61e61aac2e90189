"""What live questions show on teaching's session page, named for that page's one cache read
(nearpeer.teaching.views.session_detail finds this module through nearpeer.core.hooks)."""


def fragments(session_pk: int) -> list[tuple]:
    """The session's decks (`templatetags.live_tags.session_decks`)."""
    from .templatetags.live_tags import decks_fragment

    return [decks_fragment(session_pk)]
