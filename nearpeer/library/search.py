"""The library's offer to the site-wide search (see nearpeer.core.searching): published
resources, with their attachments' text; teacher-only ones only for those who may open them."""

from django.db.models import Q
from django.urls import reverse

from nearpeer.core.searching import EVERYONE, TEACHERS, IndexEntry, SearchProvider
from nearpeer.members.permissions import is_member

from .models import Attachment, Audience, Link, Resource
from .permissions import sees_teacher_only

MAX_BODY_CHARS = 100_000


class ResourceProvider(SearchProvider):
    def entries(self, ids=None):
        resources = (
            Resource.objects.published()
            .prefetch_related("tags", "authors", "links", "attachments")
            .order_by("pk")
        )
        if ids is not None:
            resources = resources.filter(pk__in=ids)
        for resource in resources.iterator(chunk_size=1000):
            parts = [
                resource.summary,
                " ".join(a.name for a in resource.authors.all()),
                " ".join(link.title for link in resource.links.all()),
                *(a.text for a in resource.attachments.all()),
            ]
            yield IndexEntry(
                object_id=resource.pk,
                title=resource.title,
                body="\n".join(p for p in parts if p)[:MAX_BODY_CHARS],
                audience=TEACHERS if resource.audience == Audience.TEACHERS else EVERYONE,
                tag_ids=tuple(t.pk for t in resource.tags.all()),
                subkind=resource.get_kind_display(),
            )

    def visible(self, user):
        if not is_member(user):
            return None
        if sees_teacher_only(user):
            return Q(audience__in=[EVERYONE, TEACHERS])
        return Q(audience=EVERYONE)

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
