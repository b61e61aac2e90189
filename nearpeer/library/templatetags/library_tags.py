"""Template tags other apps' pages use to show library content without importing the library
in their views (teaching's session page includes `library/_session_resources.html`)."""

from django import template

from nearpeer.library.models import Audience, Resource, Status

register = template.Library()

MAX_SESSION_RESOURCES = 50


@register.simple_tag(takes_context=True)
def session_resources(context, session) -> list[Resource]:
    """Published resources used in this session that the viewer may open (teacher-only ones
    only for those who may see them, or who wrote them). The session's published resources are
    a fragment per session under the `library` topic (any write to a resource or its links bumps
    it: apps.py), filtered per viewer in Python: no query when warm."""
    from nearpeer.core.cache import fragment
    from nearpeer.members.permissions import is_member

    from ..permissions import sees_teacher_only

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or session is None or not is_member(user):
        return []
    published = fragment(*published_fragment(session.pk))
    teacher_too = sees_teacher_only(user)
    return [
        r
        for r in published
        if r.audience == Audience.EVERYONE or teacher_too or user.pk in r.author_ids
    ][:MAX_SESSION_RESOURCES]


def published_fragment(session_id: int) -> tuple:
    """The (key, topics, build) of a session's published resources in the shared cache."""
    return (
        f"library:session:{session_id}",
        ("library",),
        lambda: _published_for(session_id),
    )


def _published_for(session_id: int) -> list[Resource]:
    resources = list(
        Resource.objects.filter(status=Status.PUBLISHED, sessions=session_id)
        .only("pk", "title", "kind", "audience")
        .order_by("title", "pk")
    )
    authors = Resource.authors.through.objects.filter(resource__in=resources)
    by_resource: dict[int, set[int]] = {}
    for resource_id, user_id in authors.values_list("resource_id", "user_id"):
        by_resource.setdefault(resource_id, set()).add(user_id)
    for r in resources:
        r.author_ids = frozenset(by_resource.get(r.pk, ()))
    return resources
