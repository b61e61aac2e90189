"""The question bank's offer to the site-wide search (see nearpeer.core.searching): published
questions only (the published version's text); drafts and questions in review are never indexed."""

from django.db.models import Q
from django.urls import reverse

from nearpeer.core.searching import EVERYONE, IndexEntry, SearchProvider
from nearpeer.members.permissions import is_member

from .models import Question


class QuestionProvider(SearchProvider):
    def entries(self, ids=None):
        questions = (
            Question.objects.filter(published_version__isnull=False)
            .select_related("published_version")
            .prefetch_related("tags")
            .order_by("pk")
        )
        if ids is not None:
            questions = questions.filter(pk__in=ids)
        for question in questions.iterator(chunk_size=1000):
            version = question.published_version
            options = " ".join(str(o.get("text", "")) for o in version.options or [])
            yield IndexEntry(
                object_id=question.pk,
                title=version.title,
                body="\n".join([version.stem, options, version.explanation]),
                audience=EVERYONE,
                tag_ids=tuple(t.pk for t in question.tags.all()),
                subkind=version.get_qtype_display(),
            )

    def visible(self, user):
        # A published version is open to every member (questions.permissions.can_see_question).
        return Q() if is_member(user) else None

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
