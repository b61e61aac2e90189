import pytest

from nearpeer.members.services import erase_member, export_member_data
from nearpeer.members.tests.factories import UserFactory, committee
from nearpeer.questions import services
from nearpeer.questions.models import (
    Attempt,
    Comment,
    CommentKind,
    Paper,
    PendingImport,
    QueueSettings,
    ReviewCard,
    Sitting,
)
from nearpeer.questions.tests.factories import make_question

pytestmark = pytest.mark.django_db


def _member_with_bank_data():
    member = UserFactory(year=3)
    question = make_question()
    own = make_question(author=member, title="Own question")
    services.answer_question(member=member, question=question, selected=[0], confidence=None)
    services.add_comment(
        question=question, by=member, body="I revised with Dr Smith", kind=CommentKind.PRACTICE
    )
    services.set_desired_retention(member=member, retention=0.8)
    paper = Paper.objects.create(title="Mock 1", created_by=committee())
    Sitting.objects.create(paper=paper, candidate=member)
    PendingImport.objects.create(
        uploaded_by=member, filename="bank.gift", file_format="gift", data=b"::Q:: x {=y ~z}"
    )
    return member, question, own


def test_data_download_includes_the_members_question_bank_data():
    member, question, own = _member_with_bank_data()

    data = export_member_data(member=member)["questions"]

    assert data["questions_authored"] == [{"question": f"Q{own.pk}", "status": "published"}]
    assert [(c["question"], c["kind"], c["body"]) for c in data["comments"]] == [
        (f"Q{question.pk}", "practice", "I revised with Dr Smith")
    ]
    assert [
        (a["question"], a["selected"], a["answer"], a["credit"], a["correct"])
        for a in data["attempts"]
    ] == [(f"Q{question.pk}", "A", "A", 1.0, True)]
    assert [s["paper"] for s in data["sittings"]] == ["Mock 1"]
    assert [c["question"] for c in data["review_queue"]] == [f"Q{question.pk}"]
    assert data["desired_retention"] == 0.8


def test_erasure_drops_personal_bank_state_and_keeps_answers_for_statistics():
    member, question, _ = _member_with_bank_data()

    erase_member(member=member, by=committee())

    assert ReviewCard.objects.filter(member=member).count() == 0
    assert QueueSettings.objects.filter(member=member).count() == 0
    assert Sitting.objects.filter(candidate=member).count() == 0
    assert PendingImport.objects.filter(uploaded_by=member).count() == 0
    assert list(Comment.objects.filter(author=member).values_list("body", flat=True)) == [
        "(removed: the author's data was erased)"
    ]
    assert Attempt.objects.filter(member=member, question=question).count() == 1
