"""Teaching's offer to the site-wide search (see nearpeer.core.searching): sessions and series,
each only to those who may see it. The rules of Session.objects.visible_to, as index groups: a
session or series is in the group of each of its target years and in "staff" (committee and
faculty see everything); sessions one teaches or holds a place in, beyond one's year, are added
one by one (`Reach.object_ids`)."""

from django.db import connection
from django.urls import reverse

from nearpeer.core.searching import IndexEntry, Reach, SearchProvider
from nearpeer.members.permissions import is_member

from .models import Registration, Series, Session, SessionTeacher
from .permissions import can_see_all_sessions
from .years import mask_to_years

STAFF = "staff"
_HELD_SESSIONS_SQL = (
    f"SELECT id, target_years_mask FROM {Session._meta.db_table} WHERE id IN ("  # noqa: S608
    f"SELECT session_id FROM {SessionTeacher._meta.db_table} WHERE teacher_id = %s "
    f"UNION SELECT session_id FROM {Registration._meta.db_table} "
    "WHERE member_id = %s AND status <> %s)"
)


def _groups(mask: int) -> tuple[str, ...]:
    return (*(f"year{year}" for year in mask_to_years(mask)), STAFF)


def _year_reach(user) -> frozenset[str] | None:
    if not is_member(user):
        return None
    if can_see_all_sessions(user):
        return frozenset([STAFF])
    return frozenset([f"year{user.year}"]) if user.year is not None else frozenset()


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
                groups=_groups(session.target_years_mask),
                subkind=f"{session.get_kind_display()}, {session.starts_at:%d %b %Y}",
            )

    def reach(self, user):
        query = self.reach_query(user)
        rows = []
        if query is not None:
            with connection.cursor() as cursor:
                cursor.execute(*query)
                rows = cursor.fetchall()
        return self.reach_from_rows(user, rows)

    def reach_query(self, user) -> tuple[str, list] | None:
        """The sessions one teaches or holds a place in (invite-only ones, other years'), as
        (sql, params) selecting (id, target years mask), for the search to read in the same
        round trip as what else it needs (it runs on every search; written out: the ORM's
        compilation cost more than the query); None for a non-member. Asked of every member,
        staff included (who need no rows): deciding that here would read their roles first, a
        round trip of its own, while the search reads them in its one round trip."""
        if not is_member(user):
            return None
        return _HELD_SESSIONS_SQL, [user.pk, user.pk, Registration.Status.CANCELLED]

    def reach_from_rows(self, user, rows) -> Reach | None:
        """`reach`, from the rows of `reach_query` (none when it gave no query)."""
        groups = _year_reach(user)
        if groups is None or STAFF in groups:
            return None if groups is None else Reach(groups)
        bit = 1 << user.year if user.year is not None else 0
        return Reach(groups, frozenset(int(pk) for pk, mask in rows if not int(mask) & bit))

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
                groups=_groups(item.target_years_mask),
                subkind=f"Series, {item.target_years_label}",
            )

    def reach(self, user):
        groups = _year_reach(user)
        return None if groups is None else Reach(groups)

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
