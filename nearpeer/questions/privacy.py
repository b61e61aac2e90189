"""The question bank's part of a member's data download and erasure (called by
nearpeer.members.services.export_member_data / erase_member)."""

from .models import (
    Attempt,
    Comment,
    PendingImport,
    Question,
    QueueSettings,
    Rating,
    ReviewCard,
    Sitting,
)

# Every reference to a user in this app and what erasure does with it
# (nearpeer/core/tests/test_privacy_coverage.py fails on a reference no hook names).
COVERS = {
    "questions.Question.author": "kept under the anonymous account (the bank keeps the question)",
    "questions.Question.peer_reviewer": "kept under the anonymous account",
    "questions.Question.endorsed_by": "kept under the anonymous account",
    "questions.QuestionVersion.created_by": "kept under the anonymous account",
    "questions.Comment.author": "the text replaced",
    "questions.Comment.resolved_by": "kept under the anonymous account",
    "questions.Attempt.member": "kept under the anonymous account for item statistics",
    "questions.Rating.member": "kept under the anonymous account for item statistics",
    "questions.ReviewCard.member": "deleted",
    "questions.QueueSettings.member": "deleted",
    "questions.Paper.created_by": "kept under the anonymous account",
    "questions.Sitting.candidate": "unfinished deleted; finished kept, anonymous",
    "questions.PendingImport.uploaded_by": "deleted",
}


def _iso(value):
    return value.isoformat() if value else None


def export_member_data(*, member) -> dict:
    """The member's questions, comments and reports, answers, ratings, mock-exam sittings and
    review-queue state. Side effects: none."""
    settings_row = QueueSettings.objects.filter(member=member).first()
    return {
        "questions_authored": [
            {"question": f"Q{q.pk}", "status": q.status}
            for q in Question.objects.filter(author=member).order_by("pk")
        ],
        "comments": [
            {
                "question": f"Q{c.question_id}",
                "kind": c.kind,
                "body": c.body,
                "created_at": _iso(c.created_at),
            }
            for c in Comment.objects.filter(author=member)
        ],
        "attempts": [
            {
                "question": f"Q{a.question_id}",
                "selected": a.selected_letters,
                # What was answered for any type (letters, EMQ stems, typed text) and the marks.
                "answer": a.response_label,
                "credit": a.credit,
                "correct": a.correct,
                "confidence": a.confidence,
                "source": a.source,
                "answered_at": _iso(a.answered_at),
            }
            for a in Attempt.objects.filter(member=member).select_related("version")
        ],
        "ratings": [
            {
                "question": f"Q{r.question_id}",
                "quality": r.quality,
                "difficulty": r.difficulty,
                "rated_at": _iso(r.rated_at),
            }
            for r in Rating.objects.filter(member=member)
        ],
        "sittings": [
            {
                "paper": s.paper.title,
                "started_at": _iso(s.started_at),
                "submitted_at": _iso(s.submitted_at),
                "score": s.score,
            }
            for s in Sitting.objects.filter(candidate=member).select_related("paper")
        ],
        "review_queue": [
            {"question": f"Q{c.question_id}", "due": _iso(c.due)}
            for c in ReviewCard.objects.filter(member=member).order_by("due", "pk")
        ],
        "desired_retention": settings_row.desired_retention if settings_row else None,
    }


def erase_member_data(*, member) -> None:
    """Drop what only serves the member (review-queue cards and settings, unfinished sittings,
    uploaded files awaiting import) and the text they wrote in comments and reports. Answers,
    ratings, finished sittings and authored questions stay, now under the anonymous account,
    for the bank's statistics."""
    ReviewCard.objects.filter(member=member).delete()
    QueueSettings.objects.filter(member=member).delete()
    Sitting.objects.filter(candidate=member, submitted_at__isnull=True).delete()
    PendingImport.objects.filter(uploaded_by=member).delete()
    Comment.objects.filter(author=member).update(body="(removed: the author's data was erased)")
