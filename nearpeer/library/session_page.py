"""What the library shows on teaching's session page, named for that page's one cache read
(nearpeer.teaching.views.session_detail finds this module through nearpeer.core.hooks)."""


def fragments(session_pk: int) -> list[tuple]:
    """The session's published resources (`templatetags.library_tags.session_resources`)."""
    from .templatetags.library_tags import published_fragment

    return [published_fragment(session_pk)]
