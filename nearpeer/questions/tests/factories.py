from nearpeer.members.tests.factories import UserFactory
from nearpeer.questions.models import Question, Status, Tag, TagKind
from nearpeer.questions.services import save_question

OPTIONS = [
    {"text": "Right coronary artery", "correct": True},
    {"text": "Left anterior descending artery", "correct": False},
    {"text": "Left circumflex artery", "correct": False},
    {"text": "Left main stem", "correct": False},
]


def tag(name: str = "Cardiology", kind: str = TagKind.SPECIALTY) -> Tag:
    return Tag.objects.get_or_create(kind=kind, name=name)[0]


def make_question(
    *, author=None, status: str = Status.PUBLISHED, title: str = "Inferior STEMI",
    options=None, tags=None, years=(3,), qtype: str = "single", blind_review: bool = True,
    **content,
) -> Question:  # fmt: skip
    """A question with one version in the given status (published ones are practisable)."""
    author = author or UserFactory()
    question = save_question(
        author=author,
        question=None,
        content={
            "title": title,
            "qtype": qtype,
            "stem": content.pop("stem", "ST elevation in II, III and aVF. Which artery?"),
            "options": options or OPTIONS,
            "explanation": content.pop("explanation", "Inferior leads: right coronary artery."),
            "references": content.pop("references", ""),
            **content,
        },
        tags=tags if tags is not None else [tag()],
        years=list(years),
        blind_review=blind_review,
    )
    question.status = status
    if status == Status.PUBLISHED:
        question.published_version = question.latest_version
    question.save()
    return question
