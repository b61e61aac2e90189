"""Small predicates about teachers' pages, shared by views, templates and services."""

from nearpeer.members.permissions import is_committee, is_member, is_teacher

from .models import Application, Call, Certificate, Observation


def can_manage_calls(user) -> bool:
    return is_committee(user)


def can_review(user, call: Call) -> bool:
    """Reviewers named on the call, and the committee."""
    if not is_member(user):
        return False
    if is_committee(user):
        return True
    cache = getattr(call, "_prefetched_objects_cache", {})
    if "reviewers" in cache:
        return any(r.pk == user.pk for r in cache["reviewers"])
    return call.reviewers.filter(pk=user.pk).exists()


def sees_applicant_identity(user, call: Call) -> bool:
    """With blind review, reviewers who are not on the committee see neither names nor years;
    the committee, who decide and write to applicants, always do."""
    return is_committee(user) or not call.blind_review


def can_see_application(user, application: Application) -> bool:
    return is_member(user) and (
        application.applicant_id == user.pk or can_review(user, application.call)
    )


def can_use_teacher_tools(user) -> bool:
    return is_teacher(user) or is_committee(user)


def can_observe(user, observation: Observation) -> bool:
    return is_member(user) and observation.observer_id == user.pk


def owns_certificate(user, certificate: Certificate) -> bool:
    return is_member(user) and (certificate.holder_id == user.pk or is_committee(user))
