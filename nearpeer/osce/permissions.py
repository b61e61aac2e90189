"""Who may see and do what with OSCE stations, practices and mocks."""

from nearpeer.members.permissions import is_committee, is_faculty, is_member, is_teacher

from .models import Mock, MockCandidate, Practice, PracticeRole, Station


def can_write_stations(user) -> bool:
    return is_teacher(user) or is_committee(user) or is_faculty(user)


def is_reviewer(user) -> bool:
    return can_write_stations(user)


def can_see_station(user, station: Station) -> bool:
    if not is_member(user):
        return False
    if station.status in (Station.Status.PUBLISHED, Station.Status.RETIRED):
        return True
    if station.author_id == user.pk:
        return True
    return station.status != Station.Status.DRAFT and is_reviewer(user)


def will_sit(user, station: Station) -> bool:
    """True while the user is a candidate of an unfinished practice or mock with this station:
    then they must not see its mark scheme or patient brief."""
    if PracticeRole.objects.filter(
        user=user,
        role=PracticeRole.Role.CANDIDATE,
        practice__station=station,
        practice__finished_at__isnull=True,
    ).exists():
        return True
    return MockCandidate.objects.filter(
        user=user, mock__stations=station, mock__results_released=False
    ).exists()


def can_see_scheme(user, station: Station) -> bool:
    """Mark scheme and simulated-patient brief: writers and reviewers, never a future candidate."""
    if not can_see_station(user, station):
        return False
    if station.author_id != user.pk and not is_reviewer(user):
        return False
    return not will_sit(user, station)


def can_review(user, station: Station) -> bool:
    return (
        station.status == Station.Status.REVIEW
        and is_reviewer(user)
        and station.author_id != user.pk
        and not will_sit(user, station)
    )


def can_endorse(user, station: Station) -> bool:
    return (
        is_faculty(user)
        and station.endorsed_at is None
        and station.status in (Station.Status.APPROVED, Station.Status.PUBLISHED)
    )


def can_publish(user, station: Station) -> bool:
    return station.status == Station.Status.APPROVED and (
        station.author_id == user.pk or is_committee(user)
    )


def practice_role(user, practice: Practice) -> str | None:
    if not is_member(user):
        return None
    for role in practice.roles.all():
        if role.user_id == user.pk:
            return role.role
    return None


def can_run_mock(user, mock: Mock | None = None) -> bool:
    return is_committee(user)


def can_see_image(user, station: Station) -> bool:
    """The station's image goes with the examiner's material: writers and reviewers as for the
    scheme, and whoever examines it in a practice or a mock (not a future candidate)."""
    if not station.image or not is_member(user):
        return False
    if can_see_scheme(user, station):
        return True
    if will_sit(user, station):
        return False
    examines = PracticeRole.objects.filter(
        user=user, role=PracticeRole.Role.EXAMINER, practice__station=station
    ).exists()
    return examines or station.mocks.filter(examiners__user=user).exists()
