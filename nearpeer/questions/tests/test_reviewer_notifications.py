"""Reviewers hear about questions waiting for them: one notification per submission each."""

import pytest

from nearpeer.members.models import Role
from nearpeer.members.tests.factories import UserFactory, faculty, teacher
from nearpeer.notifications.models import Category, Notification
from nearpeer.questions.models import Status
from nearpeer.questions.services import add_comment, transition_question

from .factories import make_question


def _told(user) -> list[tuple[str, str]]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("category", "title")
    )


@pytest.mark.django_db
def test_submit_tells_every_student_teacher_but_the_author_when_nobody_has_reviewed():
    author = UserFactory(roles=[Role.STUDENT_TEACHER])
    first, second = teacher(), teacher()
    bystander, lecturer = UserFactory(), faculty()
    question = make_question(author=author, status=Status.DRAFT, title="Peaked T waves")

    transition_question(question=question, by=author, name="submit")

    expected = [(Category.QUESTIONS, "A question awaits review: “Peaked T waves”")]
    assert (_told(first), _told(second)) == (expected, expected)
    assert (_told(author), _told(bystander), _told(lecturer)) == ([], [], [])


@pytest.mark.django_db
def test_submit_tells_only_teachers_who_have_reviewed_before_once_each():
    approver, commenter, never = teacher(), teacher(), teacher()
    earlier = make_question(status=Status.SUBMITTED)
    transition_question(question=earlier, by=approver, name="approve")
    add_comment(question=earlier, by=approver, body="Also fine.")
    add_comment(question=earlier, by=commenter, body="Option C is ambiguous.")
    author = UserFactory()
    question = make_question(author=author, status=Status.DRAFT, title="Naloxone")

    transition_question(question=question, by=author, name="submit")

    titles = [t for _, t in _told(approver) if "Naloxone" in t]
    assert titles == ["A question awaits review: “Naloxone”"]
    assert [t for _, t in _told(commenter) if "Naloxone" in t] == titles
    assert _told(never) == []


@pytest.mark.django_db
def test_authors_own_comments_do_not_make_them_a_usual_reviewer():
    author_teacher = teacher()
    own = make_question(author=author_teacher, status=Status.SUBMITTED)
    add_comment(question=own, by=author_teacher, body="I fixed the stem.")
    other = teacher()
    question = make_question(status=Status.DRAFT, title="Hyperkalaemia")

    transition_question(question=question, by=question.author, name="submit")

    assert [t for _, t in _told(other)] == ["A question awaits review: “Hyperkalaemia”"]
    assert [t for _, t in _told(author_teacher)] == ["A question awaits review: “Hyperkalaemia”"]


@pytest.mark.django_db
def test_each_resubmission_is_one_new_notification():
    reviewer = teacher()
    question = make_question(status=Status.DRAFT, title="Brachial plexus")
    transition_question(question=question, by=question.author, name="submit")
    transition_question(
        question=question, by=reviewer, name="request_changes", comment="Add a key."
    )
    transition_question(question=question, by=question.author, name="submit")

    assert [t for _, t in _told(reviewer)] == ["A question awaits review: “Brachial plexus”"] * 2


@pytest.mark.django_db
def test_peer_approval_tells_faculty_who_endorsed_before_else_all_faculty():
    endorser, other_faculty = faculty(), faculty()
    reviewer = teacher()
    question = make_question(status=Status.SUBMITTED, title="Inferior STEMI")

    transition_question(question=question, by=reviewer, name="approve")

    expected = ["A peer-reviewed question may be endorsed: “Inferior STEMI”"]
    assert ([t for _, t in _told(endorser)], [t for _, t in _told(other_faculty)]) == (
        expected,
        expected,
    )
    transition_question(question=question, by=endorser, name="endorse")
    later = make_question(status=Status.SUBMITTED, title="Atrial flutter")
    transition_question(question=later, by=reviewer, name="approve")

    assert [t for _, t in _told(endorser)][-1] == (
        "A peer-reviewed question may be endorsed: “Atrial flutter”"
    )
    assert [t for _, t in _told(other_faculty)] == expected


@pytest.mark.django_db
def test_inactive_teachers_are_not_told():
    gone = teacher(is_active=False)
    question = make_question(status=Status.DRAFT)

    transition_question(question=question, by=question.author, name="submit")

    assert _told(gone) == []


@pytest.mark.django_db
def test_reviewers_email_choice_is_respected_but_the_in_app_notice_always_arrives():
    from nearpeer.notifications.models import NotificationPreference

    quiet, keen = teacher(), teacher()
    NotificationPreference.objects.create(member=quiet, email_off=[Category.QUESTIONS])
    question = make_question(status=Status.DRAFT)

    transition_question(question=question, by=question.author, name="submit")

    emails_due = dict(
        Notification.objects.filter(recipient__in=[quiet, keen]).values_list(
            "recipient_id", "email_due_at"
        )
    )
    assert (emails_due[quiet.pk], emails_due[keen.pk] is not None) == (None, True)
