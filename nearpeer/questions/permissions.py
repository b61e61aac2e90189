"""Who may do what with questions and papers. The review workflow's transition table lives here,
the one place services, views and templates ask."""

from collections.abc import Callable
from dataclasses import dataclass

from nearpeer.members.permissions import is_committee, is_faculty, is_member, is_teacher

from .models import PaperStatus, Status


def is_reviewer(user) -> bool:
    return is_teacher(user) or is_faculty(user) or is_committee(user)


def is_author(user, question) -> bool:
    return is_member(user) and question.author_id == user.pk


def _author(user, question) -> bool:
    return is_author(user, question)


def _peer(user, question) -> bool:
    return is_teacher(user) and not is_author(user, question)


def _faculty(user, question) -> bool:
    return is_faculty(user) and not is_author(user, question)


def _any_reviewer(user, question) -> bool:
    return is_reviewer(user) and not is_author(user, question)


def _committee(user, question) -> bool:
    return is_committee(user) and not is_author(user, question)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    allowed: Callable
    needs_comment: bool = False


REVIEWING = frozenset({Status.SUBMITTED, Status.PEER_REVIEWED, Status.FACULTY_ENDORSED})
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "submit", "Submit for review", frozenset({Status.DRAFT}), Status.SUBMITTED, _author
        ),
        Transition("withdraw", "Withdraw to draft", REVIEWING, Status.DRAFT, _author),
        Transition(
            "approve",
            "Approve (peer review)",
            frozenset({Status.SUBMITTED}),
            Status.PEER_REVIEWED,
            _peer,
        ),
        Transition(
            "request_changes", "Request changes", REVIEWING, Status.DRAFT, _any_reviewer, True
        ),
        Transition(
            "endorse",
            "Endorse (faculty)",
            frozenset({Status.PEER_REVIEWED}),
            Status.FACULTY_ENDORSED,
            _faculty,
        ),
        Transition(
            "publish",
            "Publish",
            frozenset({Status.PEER_REVIEWED, Status.FACULTY_ENDORSED}),
            Status.PUBLISHED,
            _committee,
        ),
    ]
}  # fmt: skip


def can_transition(user, question, name: str) -> bool:
    transition = TRANSITIONS.get(name)
    return bool(
        transition and question.status in transition.sources and transition.allowed(user, question)
    )


def transitions_for(user, question) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if can_transition(user, question, t.name)]


def can_see_question(user, question) -> bool:
    if question.published_version_id or is_author(user, question):
        return True
    return is_reviewer(user) and question.status != Status.DRAFT


def can_edit(user, question) -> bool:
    """Authors edit drafts in place; editing a published question starts a new version."""
    return is_author(user, question) and question.status in (Status.DRAFT, Status.PUBLISHED)


def can_see_author(user, question) -> bool:
    if not question.blind_review or question.published_version_id:
        return True
    return is_author(user, question) or is_committee(user)


def can_review_comment(user, question) -> bool:
    return can_see_question(user, question) and (
        is_author(user, question) or (is_reviewer(user) and question.status != Status.DRAFT)
    )


def can_resolve_flag(user, question) -> bool:
    """Error reports are answered by the author or the committee."""
    return is_author(user, question) or is_committee(user)


def can_manage_tags(user) -> bool:
    return is_committee(user)


def can_import(user) -> bool:
    return is_committee(user)


def can_manage_papers(user) -> bool:
    return is_committee(user)


def can_sit(user, paper) -> bool:
    return is_member(user) and paper.status == PaperStatus.OPEN


def can_see_paper(user, paper) -> bool:
    return can_manage_papers(user) or paper.status != PaperStatus.DRAFT
