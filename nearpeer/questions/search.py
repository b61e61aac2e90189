"""The question bank's offer to the site-wide search (see nearpeer.core.searching): published
questions only (the published version's text); drafts and questions in review are never indexed."""

from collections import defaultdict

from django.urls import reverse

from nearpeer.core.searching import EVERYONE, IndexEntry, Reach, SearchProvider
from nearpeer.members.permissions import is_member

from .models import Question, QuestionType

CHUNK = 2000


class QuestionProvider(SearchProvider):
    def entries(self, ids=None):
        questions = Question.objects.filter(published_version__isnull=False).order_by("pk")
        if ids is not None:
            questions = questions.filter(pk__in=ids)
        qtypes = dict(QuestionType.choices)
        all_ids = list(questions.values_list("pk", flat=True))
        # Plain rows in chunks: a rebuild of 20,000 questions spends its time here.
        for start in range(0, len(all_ids), CHUNK):
            chunk = all_ids[start : start + CHUNK]
            tags: dict[int, list[int]] = defaultdict(list)
            for question_id, tag_id in Question.tags.through.objects.filter(
                question_id__in=chunk
            ).values_list("question_id", "tag_id"):
                tags[question_id].append(tag_id)
            versions = (
                Question.objects.filter(pk__in=chunk)
                .order_by("pk")
                .values_list(
                    "pk",
                    "published_version__title",
                    "published_version__stem",
                    "published_version__options",
                    "published_version__explanation",
                    "published_version__qtype",
                )
            )
            for question_id, title, stem, options, explanation, qtype in versions:
                texts = " ".join(str(o.get("text", "")) for o in options or [])
                yield IndexEntry(
                    object_id=question_id,
                    title=title,
                    body="\n".join([stem, texts, explanation]),
                    audience=EVERYONE,
                    tag_ids=tuple(tags[question_id]),
                    subkind=qtypes.get(qtype, ""),
                )

    def reach(self, user):
        # A published version is open to every member (questions.permissions.can_see_question).
        return Reach(frozenset([EVERYONE])) if is_member(user) else None

    def url(self, object_id: int) -> str:
        return reverse("questions:question-detail", kwargs={"pk": object_id})


PROVIDERS = [
    QuestionProvider(
        kind="question",
        label="Questions",
        model=Question,
        watch={
            Question: lambda q: [q.pk],
            Question.tags.through: lambda row: [row.question_id],
        },
    )
]
