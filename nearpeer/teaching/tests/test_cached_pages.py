"""The cached timetable and session pages (nearpeer.core.cache.fragment): what is shared is
cached per scope and data version; place counts and each member's own state never are."""

import pytest
from django.urls import reverse

from nearpeer.core.tests.redis_commands import redis_commands
from nearpeer.members.tests.factories import UserFactory, committee
from nearpeer.teaching import services
from nearpeer.teaching.models import Registration, Series, Session, SessionTeacher
from nearpeer.teaching.tests.factories import SeriesFactory, SessionFactory

pytestmark = pytest.mark.django_db

TIMETABLE = "/timetable/"


def _get(client, path, **params) -> str:
    response = client.get(path, params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_cached_timetable_shows_the_new_place_count_after_another_member_registers(
    client, member, session
):
    other = UserFactory(year=2)
    client.force_login(member)
    before = _get(client, TIMETABLE)

    services.register(session=session, member=other)  # as another client would
    after = _get(client, TIMETABLE)
    services.cancel(registration=Registration.objects.get(member=other), by=other)
    cancelled = _get(client, TIMETABLE)

    assert "2 of 2 places left" in before
    assert "1 of 2 places left" in after and "2 of 2 places left" not in after
    assert "2 of 2 places left" in cancelled


def test_registering_through_the_page_shows_my_place_on_the_cached_timetable(
    client, member, session
):
    client.force_login(member)
    before = _get(client, TIMETABLE)

    client.post(reverse("teaching:session-register", args=[session.pk]))
    after = _get(client, TIMETABLE)

    assert "You have a place" not in before
    assert "You have a place" in after and "1 of 2 places left" in after


def test_two_members_of_one_year_share_the_cached_timetable_but_not_their_state(client):
    first, second = SessionFactory(title="Renal one"), SessionFactory(title="Renal two")
    ada, bea = UserFactory(year=2), UserFactory(year=2)
    services.register(session=first, member=ada)
    services.register(session=second, member=bea)

    client.force_login(ada)
    as_ada = _get(client, TIMETABLE)
    client.force_login(bea)
    as_bea = _get(client, TIMETABLE)

    def badge_after(html: str, title: str) -> bool:
        card = html.split(title, 1)[1].split("</li>", 1)[0]
        return "You have a place" in card

    assert (badge_after(as_ada, "Renal one"), badge_after(as_ada, "Renal two")) == (True, False)
    assert (badge_after(as_bea, "Renal one"), badge_after(as_bea, "Renal two")) == (False, True)
    assert as_ada.count("You have a place") == as_bea.count("You have a place") == 1


def test_the_month_view_shows_each_members_own_badge(client):
    first = SessionFactory(title="Renal one")
    SessionFactory(title="Renal two", starts_at=first.starts_at, ends_at=first.ends_at)
    ada, bea = UserFactory(year=2), UserFactory(year=2)
    services.register(session=first, member=ada)

    client.force_login(ada)
    as_ada = _get(client, TIMETABLE, view="month", date=first.starts_at.date().isoformat())
    client.force_login(bea)
    as_bea = _get(client, TIMETABLE, view="month", date=first.starts_at.date().isoformat())

    assert as_ada.count('badge badge-ok">Place</span>') == 1
    assert "Renal two" in as_bea and 'badge-ok">Place</span>' not in as_bea


@pytest.mark.parametrize(
    "change, shown",
    [
        (
            lambda s: Session.objects.filter(pk=s.pk).update(title="Renamed by update"),
            "Renamed by update",
        ),
        (lambda s: setattr(s, "title", "Renamed by save") or s.save(), "Renamed by save"),
        (
            lambda s: Series.objects.filter(pk=s.series_id).update(title="Series renamed"),
            "Series renamed",
        ),
        (
            lambda s: SessionTeacher.objects.create(
                session=s, teacher=UserFactory(name="Nina New")
            ),
            "With Nina New",
        ),
        (lambda s: _rename_teacher(s), "With Renamed Teacher"),
        (lambda s: SessionFactory(title="A new session"), "A new session"),
        (lambda s: services.cancel_session(session=s, by=committee()), 'badge-bad">Cancelled'),
    ],
    ids=[
        "update",
        "save",
        "series",
        "teacher added",
        "teacher renamed",
        "new session",
        "cancelled",
    ],
)
def test_every_write_the_timetable_shows_invalidates_it(client, member, session, change, shown):
    session.series = SeriesFactory(title="Cardio series")
    session.save()
    client.force_login(member)
    before = _get(client, TIMETABLE)

    change(session)
    after = _get(client, TIMETABLE)

    assert shown not in before
    assert shown in after


def _rename_teacher(session):
    teacher = session.teachers.get()
    teacher.name = "Renamed Teacher"
    teacher.save(update_fields=["name"])


def test_a_sign_in_does_not_invalidate_the_timetable(client, member, session):
    from nearpeer.core.cache import data_versions

    before = data_versions("teaching")
    client.force_login(member)  # saves last_login only
    assert data_versions("teaching") == before


@pytest.mark.parametrize("n", [1, 3])
def test_timetable_queries_are_constant_cold_and_warm(
    client, member, lead_teacher, n, django_assert_num_queries
):
    for _ in range(n):
        s = SessionFactory(series=SeriesFactory())
        SessionTeacher.objects.create(session=s, teacher=lead_teacher)
        services.register(session=s, member=member)
    client.force_login(member)

    # Session, user, roles, scope; the cached part (series, count, page, teachers); counts
    # and my state in one query (services.timetable_live). Warm: the roles come from the cache
    # too, and the scope is confirmed in the same query as the counts and my state.
    with django_assert_num_queries(9):
        cold = client.get(TIMETABLE)
    with django_assert_num_queries(3):
        warm = client.get(TIMETABLE)

    assert cold.content.decode().count("You have a place") == n
    assert warm.content == cold.content or warm.content.decode().count("You have a place") == n


# --- Session detail -----------------------------------------------------------------------------


def test_the_session_page_shows_places_and_my_own_place_live(client, member, session):
    other = UserFactory(year=2)
    page = f"/sessions/{session.pk}/"
    client.force_login(other)
    as_other_before = _get(client, page)

    services.register(session=session, member=member)
    as_other = _get(client, page)
    client.force_login(member)
    as_member = _get(client, page)

    assert "2 of 2 left" in as_other_before and "1 of 2 left" in as_other
    assert "You have a place" in as_member and "You have a place" not in as_other
    assert "Cancel my place" in as_member and ">Register<" in as_other


def test_the_session_page_shows_new_materials_and_teachers_at_once(client, member, session):
    page = f"/sessions/{session.pk}/"
    client.force_login(member)
    before = _get(client, page)

    from nearpeer.teaching.models import Material

    Material.objects.create(session=session, kind="slides", title="Slides", url="https://s.org/1")
    SessionTeacher.objects.create(session=session, teacher=UserFactory(name="Nina New"))
    after = _get(client, page)

    assert "Nothing yet." in before and "Slides" in after
    assert "Nina New" not in before and "Nina New" in after


def test_a_teacher_of_the_session_may_not_register_on_the_cached_page(
    client, lead_teacher, session, member
):
    client.force_login(member)
    _get(client, f"/sessions/{session.pk}/")  # fills the cache
    client.force_login(lead_teacher)

    html = _get(client, f"/sessions/{session.pk}/")

    assert "You run this session." in html and ">Register<" not in html


def test_session_page_queries_are_constant_and_few_when_warm(
    client, member, session, django_assert_num_queries
):
    from nearpeer.teaching.models import Material

    for n in range(3):
        Material.objects.create(session=session, kind="slides", title=f"S{n}", url="https://s.org")
    client.force_login(member)
    _get(client, f"/sessions/{session.pk}/")

    # Session, user, the counts, my place and my attendance (services.session_live); the
    # session itself, its teachers, materials, roles and library resources from the cache.
    with django_assert_num_queries(3):
        html = _get(client, f"/sessions/{session.pk}/")

    assert html.count('href="/materials/') == 3


def test_session_page_shows_my_waitlist_number_in_its_one_query(
    client, session, django_assert_num_queries
):
    # The session has two places: a and b hold them, c and d wait in that order.
    a, b, c, d = UserFactory.create_batch(4, year=2)
    for m in (a, b, c, d):
        services.register(session=session, member=m)
    client.force_login(d)
    _get(client, f"/sessions/{session.pk}/")

    with django_assert_num_queries(3):  # the same count as with a place or none
        waiting = _get(client, f"/sessions/{session.pk}/")
    services.cancel(registration=Registration.objects.get(member=c), by=c)
    moved_up = _get(client, f"/sessions/{session.pk}/")

    assert "You are number 2 on the waiting list" in waiting
    assert "You are number 1 on the waiting list" in moved_up


# --- Home ---------------------------------------------------------------------------------------


def test_home_leaves_out_my_own_sessions_from_coming_up_per_member(client, member):
    mine, theirs = SessionFactory(title="Mine to attend"), SessionFactory(title="Still open")
    services.register(session=mine, member=member)
    other = UserFactory(year=2)

    client.force_login(member)
    as_member = _get(client, "/")
    client.force_login(other)
    as_other = _get(client, "/")

    coming = as_member.split("Coming up for your year", 1)[1]
    assert "Mine to attend" not in coming and "Still open" in coming
    assert "Mine to attend" in as_other.split("Coming up for your year", 1)[1]
    assert theirs.title in as_other


def test_unknown_parameters_neither_split_nor_reach_the_cached_timetable(client, member):
    SessionFactory.create_batch(21)
    client.force_login(member)

    html = _get(client, TIMETABLE, planted="x1y2z3", kind="")

    assert "x1y2z3" not in html and 'rel="next"' in html


def _home_sessions(client) -> str:
    """The cached sessions part of the home page (views.home), up to the panels."""
    return _get(client, "/").split("My upcoming sessions", 1)[1]


def test_the_cached_home_sessions_change_at_once_on_each_write_they_show(client, member):
    from datetime import timedelta

    from django.utils import timezone

    from nearpeer.teaching.models import Attendance, Material

    full = SessionFactory(capacity=1, title="Full session")
    ahead = UserFactory(year=2)
    theirs = services.register(session=full, member=ahead)
    mine = services.register(session=full, member=member)
    start = timezone.now() - timedelta(days=3)
    missed = SessionFactory(title="Missed one", starts_at=start, ends_at=start + timedelta(hours=1))
    slides = Material.objects.create(session=missed, kind="slides", title="S", url="https://v.org/")
    client.force_login(member)
    assert "Waiting list: number 1" in _home_sessions(client)
    assert "slides" in _home_sessions(client) and "(opened)" not in _home_sessions(client)

    # Another member's cancellation promotes me.
    services.cancel(registration=theirs, by=ahead)
    html = _home_sessions(client)
    assert "You have a place" in html and "Waiting list" not in html

    # The session's own data (the `teaching` version).
    Session.objects.filter(pk=full.pk).update(title="Renamed session")
    assert "Renamed session" in _home_sessions(client)

    # What I opened and attended.
    services.record_material_view(material=slides, member=member)
    assert "slides (opened)" in _home_sessions(client)
    Attendance.objects.create(session=missed, member=member)
    assert "Missed one" not in _home_sessions(client)

    # The other member, now behind me, sees only their own state; then my own cancellation.
    services.register(session=full, member=ahead)
    client.force_login(ahead)
    html = _home_sessions(client)
    assert "You have a place" not in html and "Waiting list: number 1" in html
    client.force_login(member)
    assert "You have a place" in _home_sessions(client)
    mine.refresh_from_db()
    services.cancel(registration=mine, by=member)
    assert "You are not registered for anything coming up" in _home_sessions(client)


@pytest.mark.parametrize("first", ["shared", "outside"])
def test_a_member_who_teaches_outside_their_year_neither_reads_nor_fills_the_years_timetable(
    client, first
):
    from nearpeer.teaching.years import years_to_mask

    ours = SessionFactory(title="Year two lecture")
    elsewhere = SessionFactory(title="Year five lecture", target_years_mask=years_to_mask([5]))
    peer, tutor = UserFactory(year=2), UserFactory(year=2)
    SessionTeacher.objects.create(session=elsewhere, teacher=tutor)
    order = [peer, tutor] if first == "shared" else [tutor, peer]

    pages = {}
    for user in order + order:  # each one cold and warm, in both orders
        client.force_login(user)
        pages[user.pk] = _get(client, TIMETABLE)
        assert ours.title in pages[user.pk]
    assert elsewhere.title in pages[tutor.pk]
    assert elsewhere.title not in pages[peer.pk]


def test_the_cached_session_page_is_shown_only_to_whom_may_see_it(client):
    from nearpeer.teaching.years import years_to_mask

    invited_only = SessionFactory(title="Tutorial group", target_years_mask=0)
    path = f"/sessions/{invited_only.pk}/"
    guest, stranger, tutor = UserFactory(year=2), UserFactory(year=2), UserFactory(year=5)
    SessionTeacher.objects.create(session=invited_only, teacher=tutor)
    place = Registration.objects.create(session=invited_only, member=guest)

    for user, status in [(guest, 200), (stranger, 404), (tutor, 200), (committee(), 200)]:
        client.force_login(user)
        assert client.get(path).status_code == status, user

    # Losing the place hides it at once, though the session itself is cached.
    place.status = Registration.Status.CANCELLED
    place.save()
    client.force_login(guest)
    assert client.get(path).status_code == 404
    # And another year's session stays hidden from a member of year 2.
    fifth = SessionFactory(target_years_mask=years_to_mask([5]))
    client.force_login(stranger)
    assert client.get(f"/sessions/{fifth.pk}/").status_code == 404
    assert client.get("/sessions/999999/").status_code == 404


def test_the_session_page_and_home_follow_a_granted_role_at_once(client, member, session):
    from nearpeer.members.models import Role, RoleGrant

    client.force_login(member)
    page = reverse("teaching:session-detail", args=[session.pk])
    before, home_before = _get(client, page), _get(client, "/")

    grant = RoleGrant.objects.create(user=member, role=Role.COMMITTEE)
    granted, home_granted = _get(client, page), _get(client, "/")
    grant.delete()
    revoked = _get(client, page)

    edit = reverse("teaching:session-edit", args=[session.pk])
    assert edit not in before and edit in granted and edit not in revoked
    dashboard = reverse("teaching:dashboard")
    assert dashboard not in home_before and dashboard in home_granted


@pytest.mark.redis
def test_timetable_and_session_page_read_the_cache_once_and_never_a_stale_resource(
    client, member, session, redis_cache
):
    from nearpeer.library import services as library
    from nearpeer.library.tests.factories import make_resource
    from nearpeer.members.tests.factories import teacher

    page = reverse("teaching:session-detail", args=[session.pk])
    client.force_login(member)
    _get(client, TIMETABLE), _get(client, page)  # cold: builds and stores
    with redis_commands() as commands:
        timetable = _get(client, TIMETABLE)
        read_timetable, commands[:] = list(commands), []
        before = _get(client, page)
        read_page = list(commands)
    # The roles with the year's timetable (guessed); the roles, the session and the library's
    # resources for it.
    assert read_timetable == ["MGET"] and read_page == ["MGET"]
    assert "Cardiac cycle" in timetable and "2 of 2 places left" in timetable

    tutor = teacher()
    resource = make_resource(title="Murmurs by ear", author=tutor)
    library.use_in_session(resource=resource, session=session, by=tutor)
    assert "Murmurs by ear" not in before and "Murmurs by ear" in _get(client, page)
    # The committee see every year's sessions: the year's guess is not theirs.
    elsewhere = SessionFactory(title="Final-year ward round", target_years_mask=1 << 5)
    client.force_login(committee())
    everyone = _get(client, TIMETABLE)
    assert "Final-year ward round" in everyone and "Cardiac cycle" in everyone
    client.force_login(member)
    assert elsewhere.title not in _get(client, TIMETABLE)
