"""Teaching workflows: registration and the waiting list, sessions and series, check-in,
materials, calendar feeds. Views, commands and tasks call these; none of them write alone."""

import secrets
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import filetype
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from nearpeer.members.permissions import is_committee
from nearpeer.notifications.models import Category
from nearpeer.notifications.services import notify

from .models import (
    Attendance,
    CalendarFeed,
    CheckInCode,
    Material,
    MaterialView,
    Registration,
    Series,
    SeriesCancellation,
    Session,
    SessionTeacher,
)
from .permissions import can_register, teaches

# Fields a calendar subscriber must see change (SEQUENCE grows), and the subset that changes
# where or when people have to be (registrants are told).
CALENDAR_FIELDS = frozenset({"title", "starts_at", "ends_at", "mode", "room", "meeting_url"})
TIME_AND_PLACE_FIELDS = frozenset({"starts_at", "ends_at", "mode", "room", "meeting_url"})

# No 0/O, 1/I/L: the code is read off a projector and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6

ALLOWED_UPLOAD_TYPES = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "video/mp4": "MP4 video",
    "video/webm": "WebM video",
    "audio/mp4": "M4A audio",
    "audio/m4a": "M4A audio",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
}


class TeachingError(Exception):
    """A request the rules refuse; the message is shown to the person as it is."""


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "l j F Y, H:i")


def _places_left(session: Session) -> int | None:
    """Free places, counted now; None when the session has no limit."""
    if session.capacity is None:
        return None
    taken = session.registrations.filter(status=Registration.Status.REGISTERED).count()
    return max(session.capacity - taken, 0)


def _notify_after_commit(*, recipients: Iterable, category: str, title: str, body: str, url: str):
    recipients = list(recipients)
    if recipients:
        message = {"title": title, "body": body, "url": url}
        transaction.on_commit(lambda: notify(recipients=recipients, category=category, **message))


# --- Registration and the waiting list ----------------------------------------------------------


def register(
    *, session: Session, member, lock: bool = True, now: datetime | None = None
) -> Registration:
    """Give the member a place, or put them at the back of the waiting list when it is full.

    Side effects: creates the member's Registration, or reuses their cancelled one with a new
    place in the queue. The session row is locked while places are counted, so two members can
    never take the last place (on SQLite the IMMEDIATE transaction serialises writers instead).
    `lock=False` exists only so a test can show the race the lock prevents.
    Raises TeachingError when the member may not register or registration has closed.
    """
    now = now or timezone.now()
    if not can_register(member, session):
        raise TeachingError("You cannot register for this session.")
    with transaction.atomic():
        sessions = Session.objects.select_for_update() if lock else Session.objects
        session = sessions.get(pk=session.pk)
        if session.is_cancelled:
            raise TeachingError(f"“{session.title}” has been cancelled.")
        if not session.registration_open(now):
            closed = _when(session.registration_deadline)
            raise TeachingError(f"Registration for “{session.title}” closed on {closed}.")
        existing = Registration.objects.filter(session=session, member=member).first()
        if existing and existing.status != Registration.Status.CANCELLED:
            return existing
        places = _places_left(session)
        status = (
            Registration.Status.REGISTERED
            if places is None or places > 0
            else Registration.Status.WAITLISTED
        )
        if existing:
            existing.status = status
            existing.queued_at = now
            existing.save(update_fields=["status", "queued_at", "updated_at"])
            return existing
        return Registration.objects.create(
            session=session, member=member, status=status, queued_at=now, created_at=now
        )


def cancel(*, registration: Registration, by, now: datetime | None = None) -> Registration:
    """Cancel a place or leave the waiting list; a freed place goes to the first in line.

    Side effects: the registration becomes cancelled; in the same transaction the first
    waitlisted members get the freed places and are notified (Category.WAITLIST) after commit.
    """
    now = now or timezone.now()
    if by.pk != registration.member_id and not is_committee(by):
        raise TeachingError("You can only cancel your own registration.")
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=registration.session_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            return registration
        if session.starts_at <= now and not is_committee(by):
            raise TeachingError(f"“{session.title}” has already started.")
        registration.status = Registration.Status.CANCELLED
        registration.save(update_fields=["status", "updated_at"])
        promote_waitlist(session=session)
    return registration


def promote_waitlist(*, session: Session) -> list[Registration]:
    """Give free places to the waiting list, first in line first. Call with the session locked.

    Side effects: waitlisted registrations become registered; each promoted member is notified
    (Category.WAITLIST) after commit.
    """
    places = _places_left(session)
    waiting = session.registrations.filter(status=Registration.Status.WAITLISTED).select_related(
        "member"
    )
    if places is not None:
        waiting = waiting[:places]
    promoted = list(waiting)
    if not promoted:
        return []
    Registration.objects.filter(pk__in=[r.pk for r in promoted]).update(
        status=Registration.Status.REGISTERED, updated_at=timezone.now()
    )
    for r in promoted:
        r.status = Registration.Status.REGISTERED
    _notify_after_commit(
        recipients=[r.member for r in promoted],
        category=Category.WAITLIST,
        title=f"You have a place: {session.title}",
        body=f"A place came free and it is yours. {session.title}, {_when(session.starts_at)}.",
        url=session.get_absolute_url(),
    )
    return promoted


def waitlist_position(registration: Registration) -> int | None:
    """1 for the next in line; None when the registration is not on the waiting list."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    return (
        Registration.objects.with_waitlist_position()
        .values_list("waitlist_position", flat=True)
        .get(pk=registration.pk)
    )


# --- Sessions and series (committee) ------------------------------------------------------------


def _tell_everyone_involved(session: Session, *, by, title: str, body: str) -> None:
    """Registrants and waitlisted members (Category.SESSIONS) and the session's teachers other
    than the person making the change (Category.TEACHING), after commit."""
    registrants = [
        r.member for r in session.registrations.active().select_related("member").order_by("pk")
    ]
    teachers = [t for t in session.teachers.all() if t.pk != by.pk]
    url = session.get_absolute_url()
    message = {"title": title, "body": body, "url": url}
    _notify_after_commit(recipients=registrants, category=Category.SESSIONS, **message)
    _notify_after_commit(recipients=teachers, category=Category.TEACHING, **message)


@transaction.atomic
def save_session(*, form, by) -> Session:
    """Create or edit a session from a valid SessionForm.

    Side effects: saves the session and its teachers; a change calendars show bumps SEQUENCE;
    a change of time or place notifies registrants (Category.SESSIONS) and the other teachers
    (Category.TEACHING) after commit; more places promote the waiting list.
    """
    is_new = form.instance.pk is None
    before = None if is_new else Session.objects.select_for_update().get(pk=form.instance.pk)
    session = form.save(commit=False)
    watched = CALENDAR_FIELDS | {"capacity"}
    changed = set() if is_new else {f for f in watched if getattr(before, f) != getattr(session, f)}
    if not is_new and changed & CALENDAR_FIELDS:
        session.sequence = F("sequence") + 1
    session.save()
    session.refresh_from_db(fields=["sequence"])
    if "teachers" in form.cleaned_data:
        session.teachers.set(form.cleaned_data["teachers"])
    if is_new:
        return session
    if changed & TIME_AND_PLACE_FIELDS and not session.is_cancelled:
        where = session.room or session.meeting_url or session.get_mode_display()
        _tell_everyone_involved(
            session,
            by=by,
            title=f"Changed: {session.title}",
            body=f"Now {_when(session.starts_at)}–{timezone.localtime(session.ends_at):%H:%M}, "
            f"{where}.",
        )
    if "capacity" in changed:
        promote_waitlist(session=session)
    return session


def cancel_session(*, session: Session, by) -> Session:
    """Cancel a session.

    Side effects: status becomes cancelled and SEQUENCE grows (calendars show it cancelled);
    everyone registered or waiting (Category.SESSIONS) and the other teachers
    (Category.TEACHING) are notified after commit.
    """
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.is_cancelled:
            return session
        session.status = Session.Status.CANCELLED
        session.sequence += 1
        session.save(update_fields=["status", "sequence", "updated_at"])
        _tell_everyone_involved(
            session,
            by=by,
            title=f"Cancelled: {session.title}",
            body=f"{session.title} on {_when(session.starts_at)} will not take place.",
        )
    return session


@transaction.atomic
def cancel_series(*, series: Series, by, now: datetime | None = None) -> int:
    """Cancel every upcoming session of a series. Side effects: as cancel_session, per session.
    Returns how many sessions were cancelled."""
    upcoming = list(series.sessions.scheduled().upcoming(now))
    for session in upcoming:
        cancel_session(session=session, by=by)
    return len(upcoming)


# How long a series cancellation can be undone before anyone is told.
SERIES_UNDO_WINDOW = timedelta(minutes=10)


def series_cancel_summary(*, series: Series, now: datetime | None = None) -> dict:
    """What cancelling the series would do, for the question asked first: its upcoming
    sessions, how many different members hold a place or wait in one, and how many teachers.
    Side effects: none."""
    upcoming = list(series.sessions.scheduled().upcoming(now))
    registrations = Registration.objects.active().filter(session__in=upcoming)
    return {
        "sessions": upcoming,
        "members": registrations.values("member").distinct().count(),
        "teachers": SessionTeacher.objects.filter(session__in=upcoming)
        .values("teacher")
        .distinct()
        .count(),
    }


def cancel_series_with_undo(
    *, series: Series, by, now: datetime | None = None
) -> SeriesCancellation:
    """Cancel every upcoming session of a series now, and hold the notices back for
    SERIES_UNDO_WINDOW so that undo_series_cancellation can put everything back before anyone
    is told.

    Side effects: the sessions' status becomes cancelled and SEQUENCE grows (nobody can register
    meanwhile); a SeriesCancellation row; after commit, a task to send the notices at
    `notify_at` when the task backend can defer (otherwise `nearpeer teaching send-held-notices`,
    run every few minutes, sends them). Registrations are left as they are."""
    now = now or timezone.now()
    with transaction.atomic():
        upcoming = list(
            series.sessions.scheduled().upcoming(now).select_for_update().order_by("starts_at")
        )
        # One save per session (rows locked above), not a bulk update: whatever listens for a
        # session's changes (caches, search) hears of each.
        for session in upcoming:
            session.status = Session.Status.CANCELLED
            session.sequence += 1
            session.save(update_fields=["status", "sequence", "updated_at"])
        cancellation = SeriesCancellation.objects.create(
            series=series, by=by, created_at=now, notify_at=now + SERIES_UNDO_WINDOW
        )
        cancellation.sessions.set(upcoming)
        transaction.on_commit(lambda: _schedule_held_notices(cancellation.notify_at))
    return cancellation


def _schedule_held_notices(when: datetime) -> None:
    from django_tasks import default_task_backend

    from .tasks import send_held_series_notices

    if default_task_backend.supports_defer:
        send_held_series_notices.using(run_after=when).enqueue()


def undo_series_cancellation(
    *, cancellation: SeriesCancellation, now: datetime | None = None
) -> int:
    """Put back the sessions of a held series cancellation, before anyone has been told.
    Raises ValueError (saying why) once the notices have gone, the time is up, or it was
    undone already. Returns how many sessions are scheduled again.

    Side effects: those sessions scheduled again, SEQUENCE grows (calendars follow); undone_at
    set. Places and the waiting list are as they were: cancelling never touched them."""
    now = now or timezone.now()
    with transaction.atomic():
        held = SeriesCancellation.objects.select_for_update().get(pk=cancellation.pk)
        if held.undone_at is not None:
            raise ValueError("This cancellation was undone already.")
        if not held.can_undo(now):
            raise ValueError("Too late to undo: members have been told. Make new sessions instead.")
        restored = 0
        for session in Session.objects.select_for_update().filter(
            pk__in=held.sessions.values("pk"), status=Session.Status.CANCELLED
        ):
            session.status = Session.Status.SCHEDULED
            session.sequence += 1
            session.save(update_fields=["status", "sequence", "updated_at"])
            restored += 1
        held.undone_at = now
        held.save(update_fields=["undone_at"])
    return restored


class _Nobody:
    pk = None


def send_held_series_notices(*, now: datetime | None = None) -> int:
    """Tell everyone involved about each held series cancellation whose undo time is over,
    exactly once (the row is locked and marked in the same transaction). Returns how many
    cancellations were announced.

    Side effects: as cancel_session's notices, per session; notified_at set."""
    now = now or timezone.now()
    due = SeriesCancellation.objects.filter(
        undone_at=None, notified_at=None, notify_at__lte=now
    ).values_list("pk", flat=True)
    announced = 0
    for pk in list(due):
        with transaction.atomic():
            held = (
                # Only this row: PostgreSQL refuses FOR UPDATE on the outer join to `by`.
                SeriesCancellation.objects.select_for_update(of=("self",))
                .filter(pk=pk, undone_at=None, notified_at=None)
                .select_related("by")
                .first()
            )
            if held is None:
                continue
            for session in held.sessions.filter(status=Session.Status.CANCELLED):
                _tell_everyone_involved(
                    session,
                    by=held.by or _Nobody(),
                    title=f"Cancelled: {session.title}",
                    body=f"{session.title} on {_when(session.starts_at)} will not take place.",
                )
            held.notified_at = now
            held.save(update_fields=["notified_at"])
            announced += 1
    return announced


@transaction.atomic
def create_scheduled_sessions(
    *,
    series: Series,
    dates: Iterable[date],
    start_time: time,
    duration_minutes: int,
    title: str,
    number_titles: bool,
    mode: str,
    room: str = "",
    meeting_url: str = "",
    capacity: int | None = None,
) -> list[Session]:
    """Create one session of the series on each date, at `start_time` local time (so a series
    crossing the clock change stays at 18:00), with the series' kind and target years.

    Side effects: Session rows created (one INSERT). Nobody is notified: nobody is registered.
    """
    tz = timezone.get_current_timezone()
    dates = list(dates)
    sessions = []
    for number, day in enumerate(dates, start=1):
        starts = datetime.combine(day, start_time, tzinfo=tz)
        sessions.append(
            Session(
                series=series,
                title=f"{title} {number}" if number_titles and len(dates) > 1 else title,
                description=series.description,
                kind=series.kind,
                mode=mode,
                room=room,
                meeting_url=meeting_url,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=duration_minutes),
                capacity=capacity,
                target_years_mask=series.target_years_mask,
            )
        )
    return Session.objects.bulk_create(sessions)


FOLLOWING_FIELDS = ("description", "kind", "mode", "room", "meeting_url", "capacity")


@transaction.atomic
def apply_to_following(*, session: Session, after: datetime, by) -> int:
    """Copy an edited session's time of day, length, place, capacity, kind, description, target
    years and teachers to the scheduled sessions of its series that start after `after` (the
    edited session's start before the edit). Each keeps its own date and title.

    Side effects: as save_session for each changed session (SEQUENCE, notifications, waiting
    list). Returns how many sessions changed.
    """
    if session.series_id is None:
        return 0
    local_start = timezone.localtime(session.starts_at)
    length = session.ends_at - session.starts_at
    teachers = list(session.teachers.all())
    changed_count = 0
    following = (
        Session.objects.select_for_update()
        .filter(series_id=session.series_id, starts_at__gt=after, status=Session.Status.SCHEDULED)
        .exclude(pk=session.pk)
        .order_by("starts_at")
    )
    for other in following:
        day = timezone.localtime(other.starts_at).date()
        # Same local time on that date (its UTC offset may differ across the clock change).
        starts = datetime.combine(day, local_start.time(), tzinfo=timezone.get_current_timezone())
        new = {f: getattr(session, f) for f in FOLLOWING_FIELDS}
        new |= {
            "starts_at": starts,
            "ends_at": starts + length,
            "target_years_mask": session.target_years_mask,
        }
        changed = {f for f, v in new.items() if getattr(other, f) != v}
        if changed:
            for f, v in new.items():
                setattr(other, f, v)
            if changed & CALENDAR_FIELDS:
                other.sequence += 1
            other.save()
            changed_count += 1
        if set(other.teachers.all()) != set(teachers):
            other.teachers.set(teachers)
            changed_count += 0 if changed else 1
        if changed & TIME_AND_PLACE_FIELDS:
            where = other.room or other.meeting_url or other.get_mode_display()
            _tell_everyone_involved(
                other,
                by=by,
                title=f"Changed: {other.title}",
                body=f"Now {_when(other.starts_at)}–{timezone.localtime(other.ends_at):%H:%M}, "
                f"{where}.",
            )
        if "capacity" in changed:
            promote_waitlist(session=other)
    return changed_count


# --- Check-in -----------------------------------------------------------------------------------


def checkin_window(session: Session) -> tuple[datetime, datetime]:
    before = timedelta(minutes=settings.NEARPEER_CHECKIN_OPENS_MINUTES_BEFORE)
    after = timedelta(minutes=settings.NEARPEER_CHECKIN_CLOSES_MINUTES_AFTER)
    return session.starts_at - before, session.ends_at + after


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not CheckInCode.objects.filter(code=code).exists():
            return code


@transaction.atomic
def get_checkin_code(*, session: Session) -> CheckInCode:
    """The session's check-in code, created on first use.

    Side effects: creates the CheckInCode, or moves its window when the session was moved.
    """
    valid_from, valid_until = checkin_window(session)
    row = CheckInCode.objects.select_for_update().filter(session=session).first()
    if row is None:
        return CheckInCode.objects.create(
            session=session, code=_new_code(), valid_from=valid_from, valid_until=valid_until
        )
    if (row.valid_from, row.valid_until) != (valid_from, valid_until):
        row.valid_from, row.valid_until = valid_from, valid_until
        row.save(update_fields=["valid_from", "valid_until"])
    return row


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def check_in(*, member, code: str, now: datetime | None = None) -> Attendance:
    """Record that the member is at the session whose code they entered.

    Side effects: creates the member's Attendance (method "code") once; nothing otherwise.
    Raises TeachingError for a wrong, not-yet-valid or expired code.
    """
    now = now or timezone.now()
    row = (
        CheckInCode.objects.select_related("session")
        .filter(code=normalise_code(code), session__in=Session.objects.visible_to(member))
        .first()
    )
    if row is None:
        raise TeachingError("That code is not right. Check the code your teacher shows.")
    session = row.session
    if session.is_cancelled:
        raise TeachingError(f"“{session.title}” was cancelled.")
    valid_from, valid_until = checkin_window(session)
    if now < valid_from:
        raise TeachingError(f"Check-in for “{session.title}” opens at {_when(valid_from)}.")
    if now > valid_until:
        raise TeachingError(
            f"That code expired at {_when(valid_until)}: check-in for “{session.title}” "
            "has closed. Ask your teacher to mark you present."
        )
    if teaches(member, session):
        raise TeachingError("You teach this session, so you do not check in.")
    with transaction.atomic():
        attendance, _ = Attendance.objects.get_or_create(
            session=session,
            member=member,
            defaults={"method": Attendance.Method.CODE, "checked_in_at": now},
        )
    return attendance


@transaction.atomic
def mark_attendance(*, session: Session, member, present: bool, by) -> Attendance | None:
    """The teacher marks a member on the register present or absent.

    Side effects: creates (method "teacher") or deletes the member's Attendance.
    """
    on_register = (
        session.registrations.filter(member=member).exists()
        or session.attendances.filter(member=member).exists()
    )
    if not on_register:
        raise TeachingError(f"{member} is not on the register of “{session.title}”.")
    if not present:
        session.attendances.filter(member=member).delete()
        return None
    attendance, _ = Attendance.objects.get_or_create(
        session=session, member=member, defaults={"method": Attendance.Method.TEACHER}
    )
    return attendance


# --- Materials ----------------------------------------------------------------------------------


def check_upload(upload) -> str:
    """Return the content type of an acceptable upload, judged by its content, not its name.

    Raises TeachingError naming the problem (too large, or a type we do not accept).
    """
    limit_mb = settings.NEARPEER_MAX_UPLOAD_MB
    if upload.size > limit_mb * 1024 * 1024:
        raise TeachingError(
            f"“{upload.name}” is {upload.size / 1024 / 1024:.1f} MB; the limit is {limit_mb} MB."
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_UPLOAD_TYPES:
        found = kind.mime if kind else "not recognised"
        accepted = ", ".join(sorted(set(ALLOWED_UPLOAD_TYPES.values())))
        raise TeachingError(
            f"“{upload.name}” is not a file type we accept (its content is {found}). "
            f"Accepted: {accepted}."
        )
    return kind.mime


@transaction.atomic
def remove_material(*, material: Material, by) -> None:
    """Side effects: deletes the material, its view records and its stored file."""
    stored = material.file.name if material.file else ""
    storage = material.file.storage if material.file else None
    material.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


@transaction.atomic
def add_material(
    *, session: Session, kind: str, title: str, by, upload=None, url: str = ""
) -> Material:
    """Attach a recording, slides or another resource to a session: an upload or a link.

    Side effects: stores the upload (checked by content and size) and creates the Material.
    """
    if bool(upload) == bool(url):
        raise TeachingError("Give either a file or a link, not both.")
    material = Material(session=session, kind=kind, title=title, url=url, uploaded_by=by)
    if upload:
        material.content_type = check_upload(upload)
        material.size_bytes = upload.size
        material.file.save(upload.name, upload, save=False)
    material.save()
    return material


def record_material_view(*, material: Material, member) -> MaterialView:
    """Side effects: the member's first opening of the material is recorded once."""
    view, _ = MaterialView.objects.get_or_create(material=material, member=member)
    return view


# --- Calendar feeds -----------------------------------------------------------------------------


def renew_calendar_feed(*, member) -> CalendarFeed:
    """Side effects: creates the member's feed, or gives it a new token (the old URL stops)."""
    feed, created = CalendarFeed.objects.get_or_create(member=member)
    if not created:
        feed.token = secrets.token_urlsafe()
        feed.save(update_fields=["token"])
    return feed


def revoke_calendar_feed(*, member) -> None:
    """Side effects: deletes the member's feed; its URL answers 404 from now on."""
    CalendarFeed.objects.filter(member=member).delete()


# --- Cached pages: the shared part's scope, and what each request fills in --------------------


def timetable_scope(user) -> str | None:
    """Whom a cached timetable may be shared with: "all" (committee and faculty see every
    session), "year:N" (a member who sees exactly their year's sessions), or None when the
    member also sees sessions outside their year (ones they teach, or hold a place in by
    invitation), whose timetable is theirs alone. One small query."""
    scope = likely_timetable_scope(user)
    if scope is None or scope == "all":
        return scope
    return None if _outside_year(user).exists() else scope


def likely_timetable_scope(user) -> str | None:
    """timetable_scope(user) without its query: "year:N" for every member of a year, to be
    confirmed by timetable_live(..., outside_year=True) (or timetable_scope) before the
    cached timetable is shown to them."""
    from .permissions import can_see_all_sessions

    if can_see_all_sessions(user):
        return "all"
    return f"year:{user.year}" if user.year else None


def _outside_year(user):
    """The sessions outside the member's year that they teach or hold a place in."""
    from django.db.models import Q

    from .models import SessionTeacher
    from .years import masks_with_year

    taught = SessionTeacher.objects.filter(teacher=user).values("session_id")
    invited = Registration.objects.active().filter(member=user).values("session_id")
    return Session.objects.exclude(target_years_mask__in=masks_with_year(user.year)).filter(
        Q(pk__in=taught) | Q(pk__in=invited)
    )


def session_shared_part(session: Session) -> dict:
    """What a session's page shows alike to everyone who may see it, for the cache: its
    teachers (id and name only) and its materials. Two queries."""
    from nearpeer.members.models import User

    return {
        "teachers": list(User.objects.filter(teaching_sessions=session).only("pk", "name")),
        "materials": list(session.materials.all()),
    }


def _in_list(column: str, values, *, negate: bool = False) -> tuple[str, list]:
    """`column IN (…)` (or NOT IN) over `values`, as SQL and its parameters. On PostgreSQL one
    array parameter (`= ANY(%s)`, `<> ALL(%s)`): the statement's text is then the same however
    many values there are, so psycopg converts it once (it re-parses a statement of more than 50
    parameters on every call) and the server prepares it once, instead of a statement per list
    length; SQLite has no arrays and takes a placeholder per value."""
    from django.db import connection

    values = list(values)
    if connection.vendor == "postgresql":
        return (f"{column} <> ALL(%s)" if negate else f"{column} = ANY(%s)"), [values]
    placeholders = ", ".join(["%s"] * len(values))
    return f"{column} {'NOT IN' if negate else 'IN'} ({placeholders})", values


def _waitlist_position_sql(reg: str) -> str:
    """Registration `r`'s number on its session's waiting list, as plain SQL: those waiting
    before it, plus one (the rule of RegistrationQuerySet.with_waitlist_position). Takes one
    parameter, the waitlisted status."""
    return (
        f"(SELECT COUNT(*) FROM {reg} w WHERE w.session_id = r.session_id AND w.status = %s "  # noqa: S608 (a table name only)
        "AND (w.queued_at < r.queued_at OR (w.queued_at = r.queued_at AND w.id < r.id))) + 1"
    )


def home_state(
    member, now: datetime, *, session_ids: list[int], material_ids: list[int]
) -> tuple[list[tuple[int, str, int, object]], list[tuple[int, object]], set[int], set[int]]:
    """What the home page reads live for one member, in one query: their registrations for
    sessions not yet over as (session id, status, waitlist position, start), the sessions they
    teach not yet over as (id, start), and which of `session_ids` they attended and which of
    `material_ids` they opened. Each list is in start order (the start is only for ordering:
    as the database returns it). Plain SQL, as timetable_live and for the same reason."""
    from django.db import connection

    from .models import SessionTeacher

    reg, ses = Registration._meta.db_table, Session._meta.db_table
    at = connection.ops.adapt_datetimefield_value(now)
    parts = [
        f"SELECT 'reg', r.session_id, r.status, {_waitlist_position_sql(reg)}, "  # noqa: S608 (table names and placeholders only)
        f"s.starts_at FROM {reg} r JOIN {ses} s ON s.id = r.session_id "
        "WHERE r.member_id = %s AND s.ends_at >= %s",
        "SELECT 'teach', s.id, '', 0, s.starts_at "  # noqa: S608 (table names and placeholders only)
        f"FROM {ses} s JOIN {SessionTeacher._meta.db_table} t ON t.session_id = s.id "
        "WHERE t.teacher_id = %s AND s.ends_at >= %s",
    ]
    params: list = [Registration.Status.WAITLISTED, member.pk, at, member.pk, at]
    if session_ids:
        among, among_params = _in_list("session_id", session_ids)
        parts.append(
            "SELECT 'att', session_id, '', 0, NULL "  # noqa: S608 (table names and placeholders only)
            f"FROM {Attendance._meta.db_table} WHERE member_id = %s AND {among}"
        )
        params += [member.pk, *among_params]
    if material_ids:
        among, among_params = _in_list("material_id", material_ids)
        parts.append(
            "SELECT 'open', material_id, '', 0, NULL "  # noqa: S608 (table names and placeholders only)
            f"FROM {MaterialView._meta.db_table} WHERE member_id = %s AND {among}"
        )
        params += [member.pk, *among_params]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    registrations, teaching, attended, opened = [], [], set(), set()
    for kind, pk, status, position, starts_at in rows:
        if kind == "reg":
            registrations.append((pk, status, int(position), starts_at))
        elif kind == "teach":
            teaching.append((pk, starts_at))
        elif kind == "att":
            attended.add(pk)
        else:
            opened.add(pk)
    registrations.sort(key=lambda r: (r[3], r[0]))
    teaching.sort(key=lambda t: (t[1], t[0]))
    return registrations, teaching, attended, opened


def timetable_live(
    member, session_ids: list[int], *, counts: bool, outside_year: bool
) -> tuple[dict[int, tuple[int, int]], dict[int, str], bool]:
    """What the cached timetable fills in per request, in one query: {session id:
    (registered, waitlisted)} when `counts` (never cached, so a place count is as fresh as the
    database); the member's own {session id: "checked_in" | "registered" | "waitlisted"}
    (sessions they have nothing to do with are left out; attendance without a registration
    counts too); and, with `outside_year`, whether they see sessions outside their year
    (timetable_scope would be None). Plain SQL, written once: building the same querysets
    through the ORM on every request cost more than running them."""
    from django.db import connection

    from .years import masks_with_year

    reg, att = Registration._meta.db_table, Attendance._meta.db_table
    parts: list[str] = []
    params: list = []
    cancelled, registered, waitlisted = (
        Registration.Status.CANCELLED,
        Registration.Status.REGISTERED,
        Registration.Status.WAITLISTED,
    )
    if session_ids:
        among, ids = _in_list("session_id", session_ids)
        parts.append(
            f"SELECT 'state', session_id, status, 0, 0 FROM {reg} "  # noqa: S608 (table names and placeholders only)
            f"WHERE member_id = %s AND {among} AND status <> %s"
        )
        params += [member.pk, *ids, cancelled]
        parts.append(
            f"SELECT 'attended', session_id, '', 0, 0 FROM {att} "  # noqa: S608 (table names and placeholders only)
            f"WHERE member_id = %s AND {among}"
        )
        params += [member.pk, *ids]
        if counts:
            parts.append(
                "SELECT 'count', session_id, '', "  # noqa: S608 (table names and placeholders only)
                "SUM(CASE WHEN status = %s THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN status = %s THEN 1 ELSE 0 END) "
                f"FROM {reg} WHERE {among} GROUP BY session_id"
            )
            params += [registered, waitlisted, *ids]
    if outside_year and member.year:
        from .models import SessionTeacher

        masks = masks_with_year(member.year)
        not_among, mask_params = _in_list("s.target_years_mask", masks, negate=True)
        # One IN over both lists (not two joined by OR): PostgreSQL then looks the member's
        # few sessions up by key instead of scanning every session.
        parts.append(
            f"SELECT 'outside', s.id, '', 0, 0 FROM {Session._meta.db_table} s "  # noqa: S608 (table names and placeholders only)
            f"WHERE {not_among} AND "
            f"s.id IN (SELECT session_id FROM {SessionTeacher._meta.db_table} "
            "WHERE teacher_id = %s "
            f"UNION ALL SELECT session_id FROM {reg} WHERE member_id = %s AND status <> %s)"
        )
        params += [*mask_params, member.pk, member.pk, cancelled]
    found: dict[int, tuple[int, int]] = {}
    states: dict[int, str] = {}
    outside = False
    if not parts:
        return found, states, outside
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    for kind, pk, status, registered_n, waitlisted_n in rows:
        if kind == "count":
            found[pk] = (int(registered_n or 0), int(waitlisted_n or 0))
        elif kind == "attended":
            states[pk] = "checked_in"
        elif kind == "state":
            if states.get(pk) != "checked_in":
                states[pk] = status
        else:
            outside = True
    return found, states, outside


def session_page_shared(pk: int) -> dict | None:
    """The session (with its series), its teachers and materials, as every viewer of its page
    sees them, for the cache; None when there is no such session. Three queries."""
    session = Session.objects.select_related("series").filter(pk=pk).first()
    if session is None:
        return None
    return {"session": session, **session_shared_part(session)}


def session_live(session_id: int, member) -> dict:
    """What a session's page shows live, in one query: its place counts, the member's own
    active registration (id, status and number on the waiting list) and whether they
    attended. Plain SQL, as timetable_live and for the same reason."""
    from django.db import connection

    reg, att = Registration._meta.db_table, Attendance._meta.db_table
    status = Registration.Status
    sql = " UNION ALL ".join(
        [
            "SELECT 'count', status, COUNT(*), 0 "  # noqa: S608 (table names and placeholders only)
            f"FROM {reg} WHERE session_id = %s AND status IN (%s, %s) GROUP BY status",
            f"SELECT 'mine', r.status, r.id, {_waitlist_position_sql(reg)} "  # noqa: S608 (table names and placeholders only)
            f"FROM {reg} r WHERE r.session_id = %s AND r.member_id = %s AND r.status <> %s",
            f"SELECT 'attended', '', 1, 0 FROM {att} "  # noqa: S608 (table names and placeholders only)
            "WHERE session_id = %s AND member_id = %s",
        ]
    )
    params = [session_id, status.REGISTERED, status.WAITLISTED]
    params += [status.WAITLISTED, session_id, member.pk, status.CANCELLED]
    params += [session_id, member.pk]
    live = {
        "registered_count": 0,
        "waitlisted_count": 0,
        "my_registration_id": None,
        "my_status": None,
        "my_waitlist_position": None,
        "attended": False,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for kind, text, number, position in rows:
        if kind == "count":
            live[f"{text}_count"] = int(number)
        elif kind == "mine":
            live |= {
                "my_registration_id": number,
                "my_status": text,
                "my_waitlist_position": int(position),
            }
        else:
            live["attended"] = True
    return live
