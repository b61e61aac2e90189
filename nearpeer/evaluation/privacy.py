"""Evaluation's part of a member's data download and erasure (called by
nearpeer.members.services.export_member_data / erase_member). Answers are anonymous: nothing
links them to the member, so they are neither exported nor erasable per member."""

from nearpeer.anonymity.store import answered_scopes

from .models import InterviewVolunteer, Survey


def export_member_data(*, member) -> dict:
    """Which surveys the member answered (found through the keyed-hash markers; what they
    answered is linked to nobody) and their interview sign-ups. Side effects: none."""
    titles = {f"survey:{pk}": title for pk, title in Survey.objects.values_list("pk", "title")}
    return {
        "surveys_answered": sorted(
            titles[scope] for scope in answered_scopes(scopes=titles, user=member)
        ),
        "interview_volunteering": [
            {"survey": v.survey.title, "availability": v.availability}
            for v in InterviewVolunteer.objects.filter(user=member).select_related("survey")
        ],
    }


def erase_member_data(*, member) -> None:
    """Withdraw the member's offers to be interviewed (they carry their contact times). The
    markers stay: they name nobody without the key, and count towards response rates."""
    InterviewVolunteer.objects.filter(user=member).delete()
