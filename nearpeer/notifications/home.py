"""The notifications panel on the member home page (see nearpeer.core.panels)."""

from django.urls import reverse

from nearpeer.core.cache import fragment, owner_topic
from nearpeer.core.panels import Panel

from .models import Notification


def fragments(request) -> list[tuple]:
    """The member's unread count, cached per member under a version every write to their
    notifications bumps (see nearpeer.core.panels)."""
    pk = request.user.pk
    return [
        (
            f"home:unread:{pk}",
            (owner_topic("notifications", pk),),
            lambda: Notification.objects.filter(recipient_id=pk).unread().count(),
        )
    ]


def panels(request) -> list[Panel]:
    """The member's unread count (no query when warm); no panel when nothing is unread."""
    unread = fragment(*fragments(request)[0])
    if not unread:
        return []
    return [
        Panel(
            "core/_home_panel.html",
            {
                "key": "notifications",
                "heading": "Notifications",
                "url": reverse("notifications:list"),
                "badge": f"{unread} unread",
            },
        )
    ]
