"""Template tags other apps' pages use to show library content without importing the library
in their views (teaching's session page includes `library/_session_resources.html`)."""

from django import template

from nearpeer.library.models import Resource, Status

register = template.Library()

MAX_SESSION_RESOURCES = 50


@register.simple_tag(takes_context=True)
def session_resources(context, session) -> list[Resource]:
    """Published resources used in this session that the viewer may open (teacher-only ones
    only for those who may see them): one query."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or session is None:
        return []
    resources = (
        Resource.objects.visible_to(user)
        .filter(status=Status.PUBLISHED, sessions=session)
        .only("pk", "title", "kind", "audience")
        .order_by("title", "pk")
    )
    return list(resources[:MAX_SESSION_RESOURCES])
