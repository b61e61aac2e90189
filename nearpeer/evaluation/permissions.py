"""Who may do what in evaluation."""

from nearpeer.members.permissions import is_evaluation_lead, is_member


def can_run_evaluation(user) -> bool:
    return is_evaluation_lead(user)


def can_answer(user, survey) -> bool:
    """Members in the survey's audience; the survey itself must be open to accept answers."""
    return is_member(user) and survey.includes(user)
