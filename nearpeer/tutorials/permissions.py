"""Who may do what in tutorials and mentoring (used by views, templates and services)."""

from nearpeer.members.permissions import is_committee, is_member, is_teacher


def can_manage(user) -> bool:
    """Only the committee opens programmes, runs allocations, moves people and publishes."""
    return is_committee(user)


def can_see_programme(user, programme) -> bool:
    return is_member(user) and (
        can_manage(user) or is_teacher(user) or programme.is_for_year(user.year)
    )


def can_sign_up_as_tutee(user, programme) -> bool:
    return is_member(user) and programme.is_for_year(user.year)


def can_sign_up_as_tutor(user, programme) -> bool:
    return is_teacher(user) and not programme.is_for_year(user.year)


def can_see_signup(user, signup) -> bool:
    """A sign-up's availability is the member's own business and the committee's; never other
    tutees'."""
    return is_member(user) and (signup.member_id == user.pk or can_manage(user))


def can_see_scheme(user, scheme) -> bool:
    return is_member(user) and (
        can_manage(user) or scheme.is_for_year(user.year) or can_mentor(user, scheme)
    )


def can_mentor(user, scheme) -> bool:
    """Mentors come from years above the youngest target year."""
    years = scheme.target_years
    return is_member(user) and user.year is not None and bool(years) and user.year > min(years)
