import calendar
import functools
import hashlib
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nearpeer.core import throttle
from nearpeer.core.cache import fragment, remember, reusing
from nearpeer.core.files import private_file_response
from nearpeer.core.hooks import app_modules
from nearpeer.core.panels import home_panels, panel_fragments
from nearpeer.members.models import User, fragments_with_roles
from nearpeer.members.permissions import is_committee

from . import services
from .forms import (
    ApplyToForm,
    AttendanceForm,
    CheckInForm,
    MaterialForm,
    ScheduleForm,
    SeriesForm,
    SessionForm,
    TimetableFilterForm,
)
from .fragments import fill, marked_ids
from .ical import CalendarEvent, build_calendar
from .models import (
    Attendance,
    CalendarFeed,
    Material,
    MaterialView,
    Registration,
    Series,
    SeriesCancellation,
    Session,
)
from .permissions import (
    can_manage_teaching,
    can_register,
    can_run_session,
    can_see_all_sessions,
    can_use_teacher_pages,
)
from .services import TeachingError
from .terms import term_bounds

PAGE_SIZE = 20


def _require(allowed: bool) -> None:
    """Pages a user has no business with answer 404: they need not learn they exist."""
    if not allowed:
        raise Http404


def _visible_series(user):
    series = Series.objects.all()
    if not can_see_all_sessions(user):
        series = series.for_year(user.year)
    return series.only("pk", "title")


def catch_up_sessions(user):
    """Past sessions of my year that I did not attend and that have materials."""
    viewed = MaterialView.objects.filter(material=OuterRef("pk"), member=user)
    materials = Material.objects.annotate(watched=Exists(viewed))
    return (
        Session.objects.for_year(user.year)
        .past()
        .scheduled()
        .filter(Exists(Material.objects.filter(session=OuterRef("pk"))))
        .exclude(Exists(Attendance.objects.filter(session=OuterRef("pk"), member=user)))
        .select_related("series")
        .prefetch_related(Prefetch("materials", queryset=materials))
    )


# --- Member pages -------------------------------------------------------------------------------


HOME_POOL = (
    30  # sessions cached per year for "coming up" and "catch up", before my own are left out
)


@require_GET
def home(request):
    """The member's home. Which sessions are coming up and to catch up on for a year are cached
    per year and minute (nearpeer.core.cache.fragment); the member's registrations, teaching,
    attendance and opened materials are read live in one query (services.home_state), and
    their own are left out in Python. The sessions part of the page is rendered once for
    those inputs: it is cached under a key made of everything it shows that is not session
    data (which sessions, the member's status and waiting-list number, what they opened), at
    the `teaching` version, so any registration, cancellation or promotion changes the key at
    once and no member's state is read from anyone else's."""
    user = request.user
    now = timezone.now()
    minute = now.replace(second=0, microsecond=0)
    stamp = f"{user.year}:{minute:%Y%m%d%H%M}"
    # The member's roles (for the page's menu) and the fragments the other apps' panels read
    # come in the same round trip.
    panel_specs = panel_fragments(request)
    read_at: dict = {}
    (coming, candidates), last, *panel_values = fragments_with_roles(
        user,
        [
            (
                f"home-year:{stamp}",
                ("teaching",),
                lambda: (
                    list(
                        Session.objects.for_year(user.year)
                        .upcoming(minute)
                        .scheduled()
                        .values_list("pk", flat=True)[:HOME_POOL]
                    ),
                    _catch_up_candidates(user, minute),
                ),
            ),
            # The sessions part this member was last shown, with the digest of its inputs
            # (looked at, never built here).
            (f"home-mine:{user.pk}", ("teaching",), None),
            *panel_specs,
        ],
        versions=read_at,
    )
    mine, teaching, attended, opened = services.home_state(
        user,
        now,
        session_ids=[pk for pk, _ in candidates],
        material_ids=[m for _, materials in candidates for m in materials],
    )
    taken = {pk for pk, *_ in mine}
    suggested = [pk for pk in coming if pk not in taken][:5]
    if len(suggested) < 5 and len(coming) == HOME_POOL:  # I hold most of them: ask the database
        suggested = list(
            Session.objects.for_year(user.year)
            .upcoming(now)
            .scheduled()
            .exclude(registrations__member=user)
            .values_list("pk", flat=True)[:5]
        )
    chosen = [(pk, materials) for pk, materials in candidates if pk not in attended][:3]
    if len(chosen) < 3 and len(candidates) == HOME_POOL:  # attended most of them: ask
        sessions = list(catch_up_sessions(user)[:3])
        chosen = [(s.pk, [m.pk for m in s.materials.all()]) for s in sessions]
        opened = {m.pk for s in sessions for m in s.materials.all() if m.watched}
    inputs = (
        (timezone.get_current_timezone_name(), get_language()),
        tuple(
            (pk, status, position if status == "waitlisted" else 0)
            for pk, status, position, _ in mine
            if status != "cancelled"
        ),
        tuple(pk for pk, _ in teaching[:5]),
        tuple(suggested),
        tuple((pk, tuple((m, m in opened) for m in materials)) for pk, materials in chosen),
    )
    digest = hashlib.sha256(repr(inputs).encode()).hexdigest()
    if isinstance(last, tuple) and len(last) == 2 and last[0] == digest:
        # Read in the first round trip: the same inputs, at the current teaching version.
        sessions_html = last[1]
    else:
        sessions_html = fragment(
            f"home-sessions:{digest}", ("teaching",), lambda: _home_sessions_html(*inputs[1:])
        )
        # Kept as of the versions read before this member's state was: any write since
        # leaves it unread.
        remember(f"home-mine:{user.pk}", ("teaching",), read_at, (digest, sessions_html))
    with reusing(panel_specs, panel_values):
        panels = home_panels(request)
    context = {
        "sessions_html": mark_safe(sessions_html),  # noqa: S308 (rendered by our template)
        "panels": panels,
    }
    return render(request, "teaching/member_home.html", context)


def _catch_up_candidates(user, minute: datetime) -> list[tuple[int, list[int]]]:
    """The year's past sessions with materials, latest first, as (id, material ids)."""
    sessions = (
        Session.objects.for_year(user.year)
        .past(minute)
        .scheduled()
        .filter(Exists(Material.objects.filter(session=OuterRef("pk"))))
        .only("pk")
        .prefetch_related(Prefetch("materials", queryset=Material.objects.only("pk", "session")))[
            :HOME_POOL
        ]
    )
    return [(s.pk, [m.pk for m in s.materials.all()]) for s in sessions]


def _home_sessions_html(registrations, teaching, suggested, catch_up) -> str:
    """The sessions part of the home page for these inputs (two queries: the sessions and
    the catch-up materials)."""
    ids = {pk for pk, *_ in registrations} | set(teaching) | set(suggested)
    ids |= {pk for pk, _ in catch_up}
    sessions = Session.objects.select_related("series").in_bulk(ids)
    materials = Material.objects.in_bulk([m for _, ms in catch_up for m, _ in ms])
    # A session or material deleted since the inputs were read is left out.
    context = {
        "registrations": [
            {"session": sessions[pk], "status": status, "waitlist_position": position}
            for pk, status, position in registrations
            if pk in sessions
        ],
        "teaching": [sessions[pk] for pk in teaching if pk in sessions],
        "suggested": [sessions[pk] for pk in suggested if pk in sessions],
        "catch_up": [
            {
                "session": sessions[pk],
                "materials": [(materials[m], seen) for m, seen in ms if m in materials],
            }
            for pk, ms in catch_up
            if pk in sessions
        ],
    }
    return render_to_string("teaching/_home_sessions.html", context)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _anchor_date(query: QueryDict) -> date:
    try:
        return date.fromisoformat(query.get("date", ""))
    except ValueError:
        return timezone.localdate()


# The query parameters the timetable reads: a cached part is keyed by these alone.
TIMETABLE_PARAMS = ("q", "year", "kind", "mode", "series", "date_from", "date_to", "view", "date")


class _NotShared(Exception):
    """This member's timetable is theirs alone (services.timetable_scope)."""


@require_GET
def timetable(request):
    """Upcoming sessions as a list (with a date range), or a week or a month at a time.

    The filters and the sessions are the same for every member of a scope (a year, or everyone
    for the committee), so they are rendered once per scope, filters and minute and cached
    until a teaching write bumps the version; place counts and the member's own badges are
    filled in per request (teaching/fragments.py)."""
    user = request.user
    now = timezone.now().replace(second=0, microsecond=0)  # a minute's grain, for the cache
    # Only the parameters the page reads, in a fixed order: anything else in the address
    # must neither split the cache nor find its way into links cached for others.
    query = QueryDict(mutable=True)
    for name in (*TIMETABLE_PARAMS, "page"):
        if name in request.GET:
            query.setlist(name, request.GET.getlist(name))
    params = [(k, query.get(k, "")) for k in (*TIMETABLE_PARAMS, "page")]
    partial = bool(request.htmx and not request.htmx.boosted)

    def key(scope: str) -> str:
        return f"timetable:{scope}:{now:%Y%m%d%H%M}:{int(partial)}:{urlencode(params)}"

    # Most members see their year's timetable: that fragment is looked at in the round trip
    # that reads the member's roles, and used only if the roles confirm the guess.
    guess = f"year:{user.year}" if user.year else None
    guessed = None
    if guess:
        [guessed] = fragments_with_roles(user, [(key(guess), ("teaching",), None)])
    # The scope is confirmed in the same query as the member's own states (below); a cold
    # build confirms it first, so nothing built for one member is stored for a year.
    scope = services.likely_timetable_scope(user)

    def build() -> dict:
        return _timetable_parts(query, user, now, partial=partial)

    def build_shared() -> dict:
        if services.timetable_scope(user) != scope:
            raise _NotShared
        return build()

    parts = None
    if scope is not None:
        try:
            if scope == guess and guessed is not None:
                parts = guessed
            else:
                parts = fragment(key(scope), ("teaching",), build_shared)
        except _NotShared:
            pass
        else:
            counts, states, outside = services.timetable_live(
                user, parts["ids"], counts=parts["counts"], outside_year=scope != "all"
            )
            if outside:  # they see sessions outside their year: theirs alone
                parts = None
    if parts is None:
        parts = build()
        counts, states, _ = services.timetable_live(
            user, parts["ids"], counts=parts["counts"], outside_year=False
        )
    results = fill(parts["results"], capacities=parts["capacities"], counts=counts, states=states)
    if partial:
        return HttpResponse(results)
    return render(
        request,
        "teaching/session_list.html",
        {"filters_html": mark_safe(parts["filters"]), "results_html": results},  # noqa: S308
    )


def _timetable_parts(query: QueryDict, user, now: datetime, *, partial: bool) -> dict:
    """The timetable's shared HTML with markers where live data goes (see fragments.fill)."""
    # Only series with sessions still to come, of the years this member may attend.
    series = _visible_series(user).filter(
        Exists(Session.objects.filter(series=OuterRef("pk"), ends_at__gte=now))
    )
    years = None if can_see_all_sessions(user) else ([user.year] if user.year else [])
    form = TimetableFilterForm(query or None, series_queryset=series, years=years)
    view = form.chosen_view
    sessions = form.filter(
        Session.objects.visible_to(user).select_related("series").prefetch_related("teachers")
    )
    context = {"form": form, "view": view, "filters": _without(query, "page", "view", "date")}
    if view == "list":
        data = form.cleaned_data if form.is_valid() else {}
        if data.get("date_from"):
            sessions = sessions.filter(starts_at__gte=_local_midnight(data["date_from"]))
        else:
            sessions = sessions.filter(ends_at__gte=now)
        if data.get("date_to"):
            end = _local_midnight(data["date_to"] + timedelta(days=1))
            sessions = sessions.filter(starts_at__lt=end)
        page = Paginator(sessions.order_by("starts_at"), PAGE_SIZE).get_page(query.get("page"))
        shown = list(page.object_list)
        context |= {"page": page, "query": _without(query, "page")}
    else:
        context |= _calendar_context(view, _anchor_date(query), sessions)
        shown = [s for week in context["weeks"] for day in week for s in day["sessions"]]
    template = "teaching/session_list.html"
    results = render_to_string(f"{template}#results", context)
    return {
        "filters": "" if partial else render_to_string(f"{template}#filters", context),
        "results": results,
        "ids": marked_ids(results),
        "capacities": {s.pk: s.capacity for s in shown},
        "counts": view == "list",  # calendar lines show the member's badge, not places
    }


def _without(params, *keys: str) -> str:
    query = params.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


def _calendar_context(view: str, anchor: date, sessions) -> dict:
    """Days of the week or weeks of the month around `anchor`, each day with its sessions."""
    if view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        end = start + timedelta(days=7)
        previous, following = start - timedelta(days=7), end
        label = f"Week of {start:%-d %B %Y}"
        grid = [[start + timedelta(days=i) for i in range(7)]]
    else:
        start = anchor.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        previous, following = (start - timedelta(days=1)).replace(day=1), end
        label = f"{start:%B %Y}"
        grid = calendar.Calendar(firstweekday=0).monthdatescalendar(start.year, start.month)
    in_range = sessions.filter(
        starts_at__gte=_local_midnight(grid[0][0]),
        starts_at__lt=_local_midnight(grid[-1][-1] + timedelta(days=1)),
    ).order_by("starts_at")[:500]
    by_day: dict[date, list] = {}
    for session in in_range:
        by_day.setdefault(timezone.localtime(session.starts_at).date(), []).append(session)
    today = timezone.localdate()
    weeks = [
        [
            {
                "date": day,
                "sessions": by_day.get(day, []),
                "in_range": start <= day < end,
                "today": day == today,
            }
            for day in week
        ]
        for week in grid
    ]
    return {
        "weeks": weeks,
        "anchor": anchor.isoformat(),
        "period_label": label,
        "previous": previous.isoformat(),
        "following": following.isoformat(),
        "session_count": sum(len(v) for d, v in by_day.items() if start <= d < end),
    }


@require_GET
def catch_up(request):
    page = Paginator(catch_up_sessions(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "teaching/catchup_list.html", {"page": page})


def _visible_session(request, pk: int) -> Session:
    sessions = (
        Session.objects.visible_to(request.user)
        .with_registration_counts()
        .select_related("series")
        .prefetch_related("teachers")
    )
    return get_object_or_404(sessions, pk=pk)


@require_GET
def session_detail(request, pk: int):
    """One query for the live place counts, the member's own place (with their number on the
    waiting list) and their attendance (services.session_live); the session, its teachers and
    materials come from the cache (nearpeer.core.cache.fragment). Who may see it is decided
    from both, as Session.objects.visible_to does."""
    user = request.user
    # The member's roles (for the permissions below) and the fragments other apps show on
    # the page (the library's resources) come in the same round trip.
    others = [spec for module in _session_page_modules() for spec in module.fragments(pk)]
    shared, *other_values = fragments_with_roles(
        user,
        [(f"session-page:{pk}", ("teaching",), lambda: services.session_page_shared(pk)), *others],
    )
    if shared is None:
        raise Http404("No such session.")
    session = shared["session"]
    live = services.session_live(session.pk, user)
    visible = (
        can_see_all_sessions(user)
        or session.is_for_year(user.year)
        or any(t.pk == user.pk for t in shared["teachers"])
        or live["my_status"] is not None
    )
    if not visible:
        raise Http404("No such session.")
    for name, value in live.items():
        setattr(session, name, value)
    # The permissions below read the teachers from here, as from a prefetch.
    session._prefetched_objects_cache = {"teachers": shared["teachers"]}
    registration = None
    if session.my_status:
        registration = Registration(pk=session.my_registration_id, status=session.my_status)
        registration.waitlist_position = session.my_waitlist_position
    context = {
        "session": session,
        "teachers": shared["teachers"],
        "registration": registration,
        "can_register": can_register(user, session),
        "registration_open": session.registration_open(),
        "can_run": can_run_session(user, session),
        "can_manage": can_manage_teaching(user),
        "attended": session.attended,
        "materials": shared["materials"],
    }
    with reusing(others, other_values):
        return render(request, "teaching/session_detail.html", context)


@functools.cache
def _session_page_modules() -> tuple:
    """The apps showing something on the session page (a `session_page` module with
    `fragments(session_pk)`), looked up once per process."""
    return tuple(module for _, module in app_modules("session_page"))


@require_POST
def session_register(request, pk: int):
    session = _visible_session(request, pk)
    try:
        registration = services.register(session=session, member=request.user)
    except TeachingError as exc:
        messages.error(request, str(exc))
    else:
        if registration.status == Registration.Status.REGISTERED:
            messages.success(request, f"You have a place at “{session.title}”.")
        else:
            position = services.waitlist_position(registration)
            messages.info(
                request,
                f"“{session.title}” is full: you are number {position} on the waiting list. "
                "We will tell you if a place comes free.",
            )
    return redirect(session)


@require_POST
def registration_cancel(request, pk: int):
    registrations = Registration.objects.select_related("session")
    if not is_committee(request.user):
        registrations = registrations.filter(member=request.user)
    registration = get_object_or_404(registrations, pk=pk)
    was_waiting = registration.status == Registration.Status.WAITLISTED
    try:
        services.cancel(registration=registration, by=request.user)
    except TeachingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"You left the waiting list for “{registration.session.title}”."
            if was_waiting
            else f"Your place at “{registration.session.title}” is cancelled.",
        )
    return redirect(registration.session)


@require_http_methods(["GET", "POST"])
def checkin_create(request):
    """Members check in from a phone: type the code, or open the QR link and confirm. Wrong
    codes are counted per member, so nobody can try codes until one fits."""
    if request.method == "POST":
        minutes = settings.NEARPEER_CHECKIN_ATTEMPT_WINDOW_MINUTES
        if (
            throttle.count("check-in", str(request.user.pk))
            >= settings.NEARPEER_CHECKIN_ATTEMPT_LIMIT
        ):
            return render(
                request,
                "members/login_locked.html",
                {"what": "check-in", "minutes": minutes},
                status=429,
            )
        form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                attendance = services.check_in(member=request.user, code=form.cleaned_data["code"])
            except TeachingError as exc:
                throttle.hit("check-in", str(request.user.pk), window_seconds=minutes * 60)
                form.add_error("code", str(exc))
            else:
                messages.success(request, f"You are checked in to “{attendance.session.title}”.")
                return redirect(attendance.session)
        status = 400
    else:
        form = CheckInForm(initial={"code": request.GET.get("code", "")[:12]})
        status = 200
    return render(request, "teaching/checkin_form.html", {"form": form}, status=status)


@require_GET
def material_open(request, pk: int):
    materials = Material.objects.filter(
        session__in=Session.objects.visible_to(request.user)
    ).select_related("session")
    material = get_object_or_404(materials, pk=pk)
    services.record_material_view(material=material, member=request.user)
    if material.url:
        return redirect(material.url)
    return private_file_response(material.file, content_type=material.content_type)


# --- Calendar feeds -----------------------------------------------------------------------------


def _feed_url(request, name: str, token: str) -> str:
    return request.build_absolute_uri(reverse(name, kwargs={"token": token}))


@require_GET
def calendar_detail(request):
    feed = CalendarFeed.objects.filter(member=request.user).first()
    url = _feed_url(request, "teaching:calendar-member-feed", feed.token) if feed else ""
    series = [
        (s, _feed_url(request, "teaching:calendar-series-feed", s.calendar_token))
        for s in _visible_series(request.user).only("pk", "title", "calendar_token")
    ]
    context = {
        "feed": feed,
        "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1] if url else "",
        "series_feeds": series,
    }
    return render(request, "teaching/calendar_detail.html", context)


@require_POST
def calendar_renew(request):
    had_feed = CalendarFeed.objects.filter(member=request.user).exists()
    services.renew_calendar_feed(member=request.user)
    messages.success(
        request,
        "Your calendar link is renewed: the old link has stopped working."
        if had_feed
        else "Your calendar link is ready.",
    )
    return redirect("teaching:calendar-detail")


@require_POST
def calendar_revoke(request):
    services.revoke_calendar_feed(member=request.user)
    messages.success(request, "Your calendar link is switched off.")
    return redirect("teaching:calendar-detail")


def _calendar_response(request, *, name: str, sessions) -> HttpResponse:
    host = urlsplit(settings.SITE_URL).hostname or "nearpeer"
    events = [
        CalendarEvent(
            uid=f"{s.uid}@{host}",
            summary=f"{s.title} (cancelled)" if s.is_cancelled else s.title,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            stamp=s.updated_at,
            sequence=s.sequence,
            cancelled=s.is_cancelled,
            url=request.build_absolute_uri(s.get_absolute_url()),
            location=s.location,
            description=s.description,
        )
        for s in sessions
    ]
    response = HttpResponse(
        build_calendar(name=name, events=events), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="nearpeer.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response


def _feed_sessions():
    return Session.objects.filter(starts_at__gte=timezone.now() - timedelta(days=120))


@require_GET
@login_not_required
def calendar_member_feed(request, token: str):
    feed = get_object_or_404(CalendarFeed.objects.select_related("member"), token=token)
    member = feed.member
    if not member.is_active:
        raise Http404
    mine = Q(
        registrations__member=member, registrations__status=Registration.Status.REGISTERED
    ) | Q(teachers=member)
    sessions = _feed_sessions().filter(mine).distinct().order_by("starts_at")
    return _calendar_response(
        request, name=f"{settings.NEARPEER_SOCIETY_NAME}: my sessions", sessions=sessions
    )


@require_GET
@login_not_required
def calendar_series_feed(request, token: str):
    series = get_object_or_404(Series, calendar_token=token)
    sessions = _feed_sessions().filter(series=series).order_by("starts_at")
    return _calendar_response(request, name=series.title, sessions=sessions)


# --- Teachers -----------------------------------------------------------------------------------


@require_GET
def teacher_home(request):
    _require(can_use_teacher_pages(request.user))
    now = timezone.now()
    mine = (
        Session.objects.filter(teachers=request.user)
        .with_registration_counts()
        .with_attendance_count()
        .select_related("series")
    )
    context = {
        "upcoming": mine.upcoming(now)[:50],
        "recent": mine.past(now).filter(ends_at__gte=now - timedelta(days=60))[:50],
    }
    return render(request, "teaching/teacher_home.html", context)


def _session_i_run(request, pk: int) -> Session:
    session = _visible_session(request, pk)
    _require(can_run_session(request.user, session))
    return session


def _register_rows(session: Session):
    present = Attendance.objects.filter(session=session, member=OuterRef("member"))
    return (
        session.registrations.active()
        .with_waitlist_position()
        .annotate(present=Exists(present))
        .select_related("member")
        .order_by("status", "member__name")
    )


@require_GET
def attendance_list(request, pk: int):
    session = _session_i_run(request, pk)
    walk_ins = (
        session.attendances.exclude(member__in=session.registrations.values("member"))
        .select_related("member")
        .order_by("member__name")
    )
    context = {"session": session, "rows": _register_rows(session), "walk_ins": walk_ins}
    return render(request, "teaching/attendance_list.html", context)


@require_POST
def attendance_mark(request, pk: int):
    session = _session_i_run(request, pk)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a member from the register.")
        return redirect("teaching:attendance-list", pk=session.pk)
    member = get_object_or_404(User, pk=form.cleaned_data["member"])
    present = form.cleaned_data["present"]
    try:
        services.mark_attendance(session=session, member=member, present=present, by=request.user)
    except TeachingError as exc:
        messages.error(request, str(exc))
        return redirect("teaching:attendance-list", pk=session.pk)
    if request.htmx:
        row = _register_rows(session).filter(member=member).first()
        return render(
            request, "teaching/attendance_list.html#row", {"session": session, "row": row}
        )
    messages.success(request, f"{member} marked {'present' if present else 'absent'}.")
    return redirect("teaching:attendance-list", pk=session.pk)


@require_GET
def checkin_display(request, pk: int):
    """The teacher's check-in screen: a code and QR, shown only while check-in is open."""
    session = _session_i_run(request, pk)
    now = timezone.now()
    code = services.get_checkin_code(session=session)
    is_open = code.valid_from <= now <= code.valid_until and not session.is_cancelled
    context = {
        "session": session,
        "code": code,
        "is_open": is_open,
        "not_yet": now < code.valid_from,
        "checked_in": session.attendances.count(),
    }
    if is_open:
        url = request.build_absolute_uri(reverse("teaching:checkin-create") + f"?code={code.code}")
        context["checkin_url"] = url
        context["qr"] = segno.make(url, error="m").svg_data_uri(scale=8, border=2)
    template = "teaching/checkin_display.html"
    if request.htmx:
        template += "#count"
    return render(request, template, context)


def _upload_too_large(request) -> bool:
    """Refuse before Django reads the body: an over-limit upload is never stored, even briefly."""
    limit = settings.NEARPEER_MAX_UPLOAD_MB * 1024 * 1024 + 64 * 1024  # form fields, boundaries
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return True


@require_http_methods(["GET", "POST"])
def material_create(request, pk: int):
    session = _session_i_run(request, pk)
    if request.method == "POST" and _upload_too_large(request):
        limit = settings.NEARPEER_MAX_UPLOAD_MB
        context = {
            "session": session,
            "form": MaterialForm(),
            "max_mb": limit,
            "error": f"The file is larger than the limit of {limit} MB.",
        }
        return render(request, "teaching/material_form.html", context, status=413)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_material(
                session=session,
                kind=data["kind"],
                title=data["title"],
                upload=data.get("upload"),
                url=data.get("url", ""),
                by=request.user,
            )
        except TeachingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"“{data['title']}” added to “{session.title}”.")
            return redirect(session)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "teaching/material_form.html",
        {"session": session, "form": form, "max_mb": settings.NEARPEER_MAX_UPLOAD_MB},
        status=status,
    )


@require_POST
def material_delete(request, pk: int):
    material = get_object_or_404(
        Material.objects.filter(session__in=Session.objects.visible_to(request.user)), pk=pk
    )
    session = _session_i_run(request, material.session_id)
    services.remove_material(material=material, by=request.user)
    messages.success(request, f"“{material.title}” removed from “{session.title}”.")
    return redirect(session)


# --- Committee ----------------------------------------------------------------------------------


@require_GET
def dashboard(request):
    _require(can_manage_teaching(request.user))
    start, end, term_name = term_bounds(timezone.localdate())
    tz = timezone.get_current_timezone()
    start_at = datetime.combine(start, datetime.min.time(), tzinfo=tz)
    end_at = datetime.combine(end, datetime.min.time(), tzinfo=tz)
    in_term = Session.objects.filter(starts_at__gte=start_at, starts_at__lt=end_at)
    sessions = (
        in_term.with_registration_counts()
        .with_attendance_count()
        .select_related("series")
        .order_by("starts_at")
    )
    page = Paginator(sessions, 50).get_page(request.GET.get("page"))
    registered = Registration.objects.filter(
        session__in=in_term, status=Registration.Status.REGISTERED
    )
    by_year = {
        row["member__year"]: {"year": row["member__year"], "registered": row["n"], "attended": 0}
        for row in registered.values("member__year").annotate(n=Count("pk")).order_by()
    }
    attendances = Attendance.objects.filter(session__in=in_term)
    for row in attendances.values("member__year").annotate(n=Count("pk")).order_by():
        by_year.setdefault(
            row["member__year"], {"year": row["member__year"], "registered": 0, "attended": 0}
        )["attended"] = row["n"]
    totals = in_term.aggregate(
        sessions=Count("pk", distinct=True),
        cancelled=Count("pk", filter=Q(status=Session.Status.CANCELLED), distinct=True),
    )
    context = {
        "term_name": term_name,
        "page": page,
        "totals": totals,
        "by_year": sorted(by_year.values(), key=lambda r: (r["year"] is None, r["year"] or 0)),
        "series_list": Series.objects.annotate(n_sessions=Count("sessions")),
    }
    return render(request, "teaching/dashboard.html", context)


def _committee_session(request, pk: int) -> Session:
    _require(can_manage_teaching(request.user))
    return get_object_or_404(Session, pk=pk)


@require_http_methods(["GET", "POST"])
def session_create(request):
    _require(can_manage_teaching(request.user))
    form = SessionForm(request.POST or None, initial={"series": request.GET.get("series")})
    if request.method == "POST" and form.is_valid():
        session = services.save_session(form=form, by=request.user)
        messages.success(request, f"“{session.title}” is on the timetable.")
        return redirect(session)
    return render(request, "teaching/session_form.html", {"form": form}, status=_status(request))


@require_http_methods(["GET", "POST"])
def session_edit(request, pk: int):
    session = _committee_session(request, pk)
    started_at = session.starts_at
    form = SessionForm(request.POST or None, instance=session)
    apply_to = ApplyToForm(request.POST or None) if session.series_id else None
    if request.method == "POST" and form.is_valid() and (apply_to is None or apply_to.is_valid()):
        with transaction.atomic():
            session = services.save_session(form=form, by=request.user)
            following = 0
            if apply_to and apply_to.cleaned_data["apply_to"] == "following":
                following = services.apply_to_following(
                    session=session, after=started_at, by=request.user
                )
        extra = (
            f" {following} following session{pluralize(following)} changed too."
            if (apply_to and apply_to.cleaned_data["apply_to"] == "following")
            else ""
        )
        messages.success(request, f"“{session.title}” is saved.{extra}")
        return redirect(session)
    return render(
        request,
        "teaching/session_form.html",
        {"form": form, "session": session, "apply_to": apply_to},
        status=_status(request),
    )


def _status(request) -> int:
    return 400 if request.method == "POST" else 200


@require_http_methods(["GET", "POST"])
def session_cancel(request, pk: int):
    """GET asks first, saying who will be told; POST cancels."""
    session = _committee_session(request, pk)
    if request.method == "GET":
        return render(
            request,
            "teaching/session_cancel_confirm.html",
            {
                "session": session,
                "affected": session.registrations.active().count(),
                "teachers": session.teachers.count(),
            },
        )
    services.cancel_session(session=session, by=request.user)
    messages.success(request, f"“{session.title}” is cancelled; registrants are told.")
    return redirect(session)


@require_http_methods(["GET", "POST"])
def series_create(request):
    _require(can_manage_teaching(request.user))
    form = SeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        series = form.save()
        messages.success(
            request, f"Series “{series.title}” created. Now give it its dates, all at once."
        )
        return redirect("teaching:series-schedule", pk=series.pk)
    return render(request, "teaching/series_form.html", {"form": form}, status=_status(request))


@require_http_methods(["GET", "POST"])
def series_edit(request, pk: int):
    _require(can_manage_teaching(request.user))
    series = get_object_or_404(Series, pk=pk)
    form = SeriesForm(request.POST or None, instance=series)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Series “{series.title}” saved.")
        return redirect("teaching:dashboard")
    held = series.cancellations.filter(undone_at=None, notified_at=None).first()
    return render(
        request,
        "teaching/series_form.html",
        {
            "form": form,
            "series": series,
            "held_cancellation": held if held and held.can_undo() else None,
        },
        status=_status(request),
    )


@require_http_methods(["GET", "POST"])
def series_cancel(request, pk: int):
    """GET asks first (how many sessions, how many people will be told); POST cancels them
    and holds the notices for a few minutes, with an undo on the series page."""
    _require(can_manage_teaching(request.user))
    series = get_object_or_404(Series, pk=pk)
    if request.method == "GET":
        summary = services.series_cancel_summary(series=series)
        return render(
            request,
            "teaching/series_cancel_confirm.html",
            {
                "series": series,
                "undo_minutes": int(services.SERIES_UNDO_WINDOW.total_seconds() // 60),
                **summary,
            },
        )
    held = services.cancel_series_with_undo(series=series, by=request.user)
    n = held.sessions.count()
    messages.success(
        request,
        f"{n} upcoming session{pluralize(n)} of “{series.title}” cancelled. Nobody is told "
        f"until {timezone.localtime(held.notify_at):%H:%M}: until then you can undo it here.",
    )
    return redirect("teaching:series-edit", pk=series.pk)


@require_POST
def series_cancel_undo(request, pk: int):
    _require(can_manage_teaching(request.user))
    held = get_object_or_404(SeriesCancellation, pk=pk)
    try:
        n = services.undo_series_cancellation(cancellation=held)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Undone: {n} session{pluralize(n)} of “{held.series.title}” back on."
        )
    return redirect("teaching:series-edit", pk=held.series_id)


@require_http_methods(["GET", "POST"])
def series_schedule(request, pk: int):
    """Many sessions of a series at once from a weekly or fortnightly schedule: preview the
    dates first, then create them."""
    _require(can_manage_teaching(request.user))
    series = get_object_or_404(Series, pk=pk)
    form = ScheduleForm(request.POST or None, initial={"title": series.title})
    context = {"form": form, "series": series}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") != "create":
            tz = timezone.get_current_timezone()
            context["preview"] = [
                datetime.combine(day, data["start_time"], tzinfo=tz) for day in data["dates"]
            ]
            context["schedule"] = data["schedule"]
            return render(request, "teaching/series_schedule.html", context)
        created = services.create_scheduled_sessions(
            series=series,
            dates=data["dates"],
            start_time=data["start_time"],
            duration_minutes=data["duration"],
            title=data["title"],
            number_titles=data["number_titles"],
            mode=data["mode"],
            room=data["room"],
            meeting_url=data["meeting_url"],
            capacity=data["capacity"],
        )
        messages.success(
            request,
            f"{len(created)} session{pluralize(len(created))} of “{series.title}” created: "
            f"{data['schedule'].describe()}.",
        )
        return redirect(reverse("teaching:timetable") + f"?series={series.pk}")
    return render(request, "teaching/series_schedule.html", context, status=_status(request))
