"""Small predicates about who may do what, shared by views, templates and services."""

from .models import Role


def is_member(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_teacher(user) -> bool:
    return is_member(user) and user.has_role(Role.STUDENT_TEACHER)


def is_committee(user) -> bool:
    return is_member(user) and (user.has_role(Role.COMMITTEE) or user.is_superuser)


def is_faculty(user) -> bool:
    return is_member(user) and user.has_role(Role.FACULTY)


def is_evaluation_lead(user) -> bool:
    """Committee members run the society's evaluation too."""
    return is_member(user) and (user.has_role(Role.EVALUATION_LEAD) or is_committee(user))


def may_edit_account(actor, target) -> bool:
    """Nobody edits a superuser but a superuser."""
    return bool(actor.is_superuser or not target.is_superuser)


def may_change_credentials(actor, target) -> bool:
    """Email, password and roles: a person's own, or anyone's for a superuser. A committee
    member who could change another's email could take the account with a password reset."""
    return bool(actor.is_superuser or actor.pk == target.pk)
