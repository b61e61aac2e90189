"""Every review transition × every role, allowed and denied, through the one service."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from nearpeer.members.models import Role
from nearpeer.members.tests.factories import UserFactory, committee, faculty, teacher
from nearpeer.notifications.models import Category, Notification
from nearpeer.questions.models import Comment, CommentKind, Status
from nearpeer.questions.services import transition_question

from .factories import make_question

# Written out independently of permissions.TRANSITIONS: (from statuses, to status, roles allowed).
EXPECTED = {
    "submit": ({"draft"}, "submitted", {"author", "author_teacher"}),
    "withdraw": (
        {"submitted", "peer_reviewed", "faculty_endorsed"}, "draft", {"author", "author_teacher"}
    ),
    "approve": ({"submitted"}, "peer_reviewed", {"teacher"}),
    "request_changes": (
        {"submitted", "peer_reviewed", "faculty_endorsed"}, "draft",
        {"teacher", "faculty", "committee"},
    ),
    "endorse": ({"peer_reviewed"}, "faculty_endorsed", {"faculty"}),
    "publish": ({"peer_reviewed", "faculty_endorsed"}, "published", {"committee"}),
}  # fmt: skip
ROLES = ["author", "author_teacher", "member", "teacher", "faculty", "committee"]


def _actor_and_question(role: str, status: str):
    if role == "author":
        author = actor = UserFactory()
    elif role == "author_teacher":
        author = actor = UserFactory(roles=[Role.STUDENT_TEACHER])
    else:
        author = UserFactory()
        actor = {"member": UserFactory, "teacher": teacher, "faculty": faculty,
                 "committee": committee}[role]()  # fmt: skip
    question = make_question(author=author, status=status)
    return actor, question


CASES = [(name, status, role) for name in EXPECTED for status in Status.values for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "status", "role"), CASES)
def test_transition_by_role(name, status, role):
    sources, target, roles = EXPECTED[name]
    actor, question = _actor_and_question(role, status)
    allowed = status in sources and role in roles
    if allowed:
        transition_question(question=question, by=actor, name=name, comment="Looks right.")
        question.refresh_from_db()
        assert question.status == target
    else:
        with pytest.raises(PermissionDenied):
            transition_question(question=question, by=actor, name=name, comment="Looks right.")
        question.refresh_from_db()
        assert question.status == status


@pytest.mark.django_db
def test_request_changes_needs_a_comment():
    question = make_question(status=Status.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        transition_question(question=question, by=teacher(), name="request_changes")
    assert exc.value.message_dict == {"comment": ["Say what needs to change."]}
    question.refresh_from_db()
    assert question.status == Status.SUBMITTED


@pytest.mark.django_db
def test_request_changes_notifies_author_and_keeps_the_comment():
    question = make_question(status=Status.SUBMITTED)
    reviewer = teacher()
    transition_question(
        question=question, by=reviewer, name="request_changes", comment="Option C is also right."
    )
    comment = Comment.objects.get(question=question)
    assert (comment.kind, comment.body, comment.author) == (
        CommentKind.CHANGES, "Option C is also right.", reviewer,
    )  # fmt: skip
    note = Notification.objects.get(recipient=question.author)
    assert (note.category, note.body) == (Category.QUESTIONS, "Option C is also right.")


@pytest.mark.django_db
def test_full_path_to_publication_makes_the_version_practisable():
    question = make_question(status=Status.DRAFT)
    transition_question(question=question, by=question.author, name="submit")
    reviewer = teacher()
    transition_question(question=question, by=reviewer, name="approve")
    transition_question(question=question, by=faculty(), name="endorse")
    transition_question(question=question, by=committee(), name="publish")
    question.refresh_from_db()
    assert (question.status, question.published_version, question.peer_reviewer) == (
        Status.PUBLISHED, question.latest_version, reviewer,
    )  # fmt: skip


@pytest.mark.django_db
def test_denied_transition_over_http_answers_404(client):
    question = make_question(status=Status.SUBMITTED)
    client.force_login(question.author)
    response = client.post(
        reverse("questions:question-transition", kwargs={"pk": question.pk}), {"action": "approve"}
    )
    question.refresh_from_db()
    assert (response.status_code, question.status) == (404, Status.SUBMITTED)


@pytest.mark.django_db
def test_allowed_transition_over_http_redirects_with_message(client):
    question = make_question(status=Status.SUBMITTED)
    reviewer = teacher()
    client.force_login(reviewer)
    response = client.post(
        reverse("questions:question-transition", kwargs={"pk": question.pk}),
        {"action": "approve", "comment": ""},
        follow=True,
    )
    question.refresh_from_db()
    assert question.status == Status.PEER_REVIEWED
    assert "The question is now: Peer-reviewed." in response.content.decode()


@pytest.mark.django_db
def test_blind_review_hides_the_author_from_reviewers(client):
    author = UserFactory(name="Ada Writer")
    question = make_question(author=author, status=Status.SUBMITTED, blind_review=True)
    client.force_login(teacher())
    page = client.get(reverse("questions:question-detail", kwargs={"pk": question.pk}))
    listing = client.get(reverse("questions:review-list"))
    assert "Ada Writer" not in page.content.decode()
    assert "author hidden (blind review)" in page.content.decode()
    assert "Ada Writer" not in listing.content.decode()


@pytest.mark.django_db
def test_open_review_shows_the_author(client):
    author = UserFactory(name="Ada Writer")
    question = make_question(author=author, status=Status.SUBMITTED, blind_review=False)
    client.force_login(teacher())
    page = client.get(reverse("questions:question-detail", kwargs={"pk": question.pk}))
    assert "by Ada Writer" in page.content.decode()
