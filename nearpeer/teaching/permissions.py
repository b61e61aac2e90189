"""Small predicates about teaching, shared by views, templates and services."""

from nearpeer.members.permissions import is_committee, is_faculty, is_member, is_teacher

from .models import Session


def teaches(user, session: Session) -> bool:
    """The user is one of the session's teachers (uses a prefetched `teachers` when present)."""
    if not is_member(user):
        return False
    cache = getattr(session, "_prefetched_objects_cache", {})
    if "teachers" in cache:
        return any(t.pk == user.pk for t in cache["teachers"])
    return session.teachers.filter(pk=user.pk).exists()


def can_run_session(user, session: Session) -> bool:
    """Take the register, show the check-in code, add materials."""
    return is_committee(user) or teaches(user, session)


def can_manage_teaching(user) -> bool:
    """Create, edit and cancel sessions and series."""
    return is_committee(user)


def can_register(user, session: Session) -> bool:
    """Members of the target years may register; the session's own teachers may not."""
    return (
        is_member(user)
        and session.is_for_year(user.year)
        and not session.is_cancelled
        and not teaches(user, session)
    )


def can_use_teacher_pages(user) -> bool:
    return is_teacher(user) or is_committee(user)


def can_see_all_sessions(user) -> bool:
    return is_committee(user) or is_faculty(user)
