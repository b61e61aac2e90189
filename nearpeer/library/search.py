"""The library's offer to the site-wide search (see nearpeer.core.searching): published
resources, with their attachments' text; teacher-only ones only for those who may open them."""

from collections import defaultdict

from django.urls import reverse

from nearpeer.core.searching import EVERYONE, TEACHERS, IndexEntry, Reach, SearchProvider
from nearpeer.members.permissions import is_member

from .models import Attachment, Audience, Link, Resource, ResourceKind
from .permissions import sees_teacher_only

MAX_BODY_CHARS = 100_000
CHUNK = 2000


def _grouped(rows) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for key, value in rows:
        grouped[key].append(value)
    return grouped


class ResourceProvider(SearchProvider):
    def entries(self, ids=None):
        resources = Resource.objects.published().order_by("pk")
        if ids is not None:
            resources = resources.filter(pk__in=ids)
        kinds = dict(ResourceKind.choices)
        all_ids = list(resources.values_list("pk", flat=True))
        # Plain rows in chunks rather than prefetched model instances: a rebuild of 50,000
        # resources spends its time here.
        for start in range(0, len(all_ids), CHUNK):
            chunk = all_ids[start : start + CHUNK]
            tags = _grouped(
                Resource.tags.through.objects.filter(resource_id__in=chunk).values_list(
                    "resource_id", "tag_id"
                )
            )
            authors = _grouped(
                Resource.authors.through.objects.filter(resource_id__in=chunk).values_list(
                    "resource_id", "user__name"
                )
            )
            links = _grouped(
                Link.objects.filter(resource_id__in=chunk).values_list("resource_id", "title")
            )
            texts = _grouped(
                Attachment.objects.filter(resource_id__in=chunk)
                .order_by("pk")
                .values_list("resource_id", "text")
            )
            rows = Resource.objects.filter(pk__in=chunk).order_by("pk")
            for pk, title, summary, audience, kind in rows.values_list(
                "pk", "title", "summary", "audience", "kind"
            ):
                parts = [summary, " ".join(authors[pk]), " ".join(links[pk]), *texts[pk]]
                yield IndexEntry(
                    object_id=pk,
                    title=title,
                    body="\n".join(p for p in parts if p)[:MAX_BODY_CHARS],
                    audience=TEACHERS if audience == Audience.TEACHERS else EVERYONE,
                    tag_ids=tuple(tags[pk]),
                    subkind=kinds.get(kind, ""),
                )

    def reach(self, user):
        if not is_member(user):
            return None
        if sees_teacher_only(user):
            return Reach(frozenset([EVERYONE, TEACHERS]))
        return Reach(frozenset([EVERYONE]))

    def url(self, object_id: int) -> str:
        return reverse("library:resource-detail", kwargs={"pk": object_id})


PROVIDERS = [
    ResourceProvider(
        kind="resource",
        label="Resources",
        model=Resource,
        watch={
            Resource: lambda r: [r.pk],
            Attachment: lambda a: [a.resource_id],
            Link: lambda link: [link.resource_id],
            Resource.tags.through: lambda row: [row.resource_id],
            Resource.authors.through: lambda row: [row.resource_id],
        },
    )
]
