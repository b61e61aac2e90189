"""Who may do what in the library; used by views, templates and services alike."""

from nearpeer.members.permissions import is_committee, is_faculty, is_member, is_teacher

from .models import Resource, Status


def sees_teacher_only(user) -> bool:
    """Teacher-only resources (tutor cases, mark schemes) are for those who teach or oversee."""
    return is_teacher(user) or is_committee(user) or is_faculty(user)


def is_library_reviewer(user) -> bool:
    return is_teacher(user) or is_committee(user) or is_faculty(user)


def can_create(user) -> bool:
    return is_teacher(user) or is_committee(user) or is_faculty(user)


def is_author(user, resource: Resource) -> bool:
    """Uses prefetched `authors` when present."""
    if not is_member(user):
        return False
    cache = getattr(resource, "_prefetched_objects_cache", {})
    if "authors" in cache:
        return any(a.pk == user.pk for a in cache["authors"])
    return resource.authors.filter(pk=user.pk).exists()


def lead_author_id(resource: Resource) -> int | None:
    """The first author (who wrote the draft, or remixed it): the earliest author row."""
    return (
        Resource.authors.through.objects.filter(resource_id=resource.pk)
        .order_by("pk")
        .values_list("user_id", flat=True)
        .first()
    )


def can_manage_authors(user, resource: Resource) -> bool:
    """The lead author adds and removes co-authors; every co-author may leave (see services)."""
    return is_member(user) and lead_author_id(resource) == user.pk


def can_coauthor(user) -> bool:
    """Co-authors edit the resource, so they are people who may write for the library."""
    return can_create(user)


def can_edit(user, resource: Resource) -> bool:
    return is_author(user, resource) and resource.status in (Status.DRAFT, Status.PUBLISHED)


def can_submit(user, resource: Resource) -> bool:
    return is_author(user, resource) and resource.status == Status.DRAFT


def can_review(user, resource: Resource) -> bool:
    """Peer review by someone who did not write it."""
    return (
        resource.status == Status.IN_REVIEW
        and is_library_reviewer(user)
        and not is_author(user, resource)
    )


def can_endorse(user, resource: Resource) -> bool:
    return (
        resource.status == Status.PUBLISHED
        and not resource.endorsed
        and is_faculty(user)
        and not is_author(user, resource)
    )


def can_report_error(user, resource: Resource) -> bool:
    return is_member(user) and resource.status == Status.PUBLISHED


def can_use_in_session(user, resource: Resource) -> bool:
    return resource.status == Status.PUBLISHED and (is_teacher(user) or is_committee(user))


def can_remix(user, resource: Resource) -> bool:
    return resource.status == Status.PUBLISHED and can_create(user)


def can_see_figures(user, resource: Resource) -> bool:
    """Views and downloads (counts only) for the authors and the committee."""
    return is_committee(user) or is_author(user, resource)


def can_see_all_figures(user) -> bool:
    return is_committee(user)
