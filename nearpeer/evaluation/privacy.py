"""Evaluation's part of a member's data download and erasure (called by
nearpeer.members.services.export_member_data / erase_member). Answers are anonymous: nothing
links them to the member, so they are neither exported nor erasable per member."""

from .models import InterviewVolunteer, Respondent


def export_member_data(*, member) -> dict:
    """Which surveys the member answered (not what they answered) and their interview
    sign-ups. Side effects: none."""
    return {
        "surveys_answered": sorted(
            Respondent.objects.filter(user=member).values_list("survey__title", flat=True)
        ),
        "interview_volunteering": [
            {
                "survey": v.survey.title,
                "availability": v.availability,
                "week": v.week.isoformat(),
            }
            for v in InterviewVolunteer.objects.filter(user=member).select_related("survey")
        ],
    }


def erase_member_data(*, member) -> None:
    """Withdraw the member's offers to be interviewed (they carry their contact times). The
    'who responded' rows stay, under the anonymous account, for response rates."""
    InterviewVolunteer.objects.filter(user=member).delete()
