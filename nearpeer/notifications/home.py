"""The notifications panel on the member home page (see nearpeer.core.panels)."""

from django.urls import reverse

from nearpeer.core.panels import Panel

from .models import Notification


def panels(request) -> list[Panel]:
    """One query: the member's unread count; no panel when nothing is unread."""
    unread = Notification.objects.filter(recipient=request.user).unread().count()
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
