"""Teaching's offer to the site-wide search (see nearpeer.core.searching): sessions and series,
each only to those who may see it (Session.objects.visible_to; series of one's year)."""

from django.db.models import Q
from django.urls import reverse

from nearpeer.core.searching import EVERYONE, IndexEntry, SearchProvider
from nearpeer.members.permissions import is_member

from .models import Series, Session
from .permissions import can_see_all_sessions


class SessionProvider(SearchProvider):
    def entries(self, ids=None):
        sessions = (
            Session.objects.filter(status=Session.Status.SCHEDULED)
            .select_related("series")
            .order_by("pk")
        )
        if ids is not None:
            sessions = sessions.filter(pk__in=ids)
        for session in sessions.iterator(chunk_size=1000):
            parts = [session.description, session.series.title if session.series else ""]
            yield IndexEntry(
                object_id=session.pk,
                title=session.title,
                body="\n".join(p for p in parts if p),
                audience=EVERYONE,
                subkind=f"{session.get_kind_display()}, {session.starts_at:%d %b %Y}",
            )

    def visible(self, user):
        if not is_member(user):
            return None
        if can_see_all_sessions(user):
            return Q()
        # Inside the search query: year, teaching and invitation (registration) rules alike.
        return Q(object_id__in=Session.objects.visible_to(user).values("pk"))

    def url(self, object_id: int) -> str:
        return reverse("teaching:session-detail", kwargs={"pk": object_id})


class SeriesProvider(SearchProvider):
    def entries(self, ids=None):
        series = Series.objects.order_by("pk")
        if ids is not None:
            series = series.filter(pk__in=ids)
        for item in series.iterator(chunk_size=1000):
            yield IndexEntry(
                object_id=item.pk,
                title=item.title,
                body=item.description,
                audience=EVERYONE,
                subkind=f"Series, {item.target_years_label}",
            )

    def visible(self, user):
        if not is_member(user):
            return None
        if can_see_all_sessions(user):
            return Q()
        return Q(object_id__in=Series.objects.for_year(user.year).values("pk"))

    def url(self, object_id: int) -> str:
        return reverse("teaching:timetable") + f"?series={object_id}"


PROVIDERS = [
    SessionProvider(
        kind="session",
        label="Sessions",
        model=Session,
        watch={Session: lambda s: [s.pk]},
    ),
    SeriesProvider(
        kind="series",
        label="Series",
        model=Series,
        watch={Series: lambda s: [s.pk]},
    ),
]
