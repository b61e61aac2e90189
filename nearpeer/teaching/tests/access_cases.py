from datetime import timedelta

from django.utils import timezone

from nearpeer.core.tests.access import LOGIN, Access, expect
from nearpeer.teaching.models import (
    CalendarFeed,
    Material,
    Registration,
    SeriesCancellation,
    SessionTeacher,
)
from nearpeer.teaching.tests.factories import SeriesFactory, SessionFactory

SIGNED_IN = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)
SIGNED_IN_POST = expect(anonymous=LOGIN, member=302, teacher=302, committee=302, faculty=302)
EVERYONE = expect(anonymous=200, member=200, teacher=200, committee=200, faculty=200)
NOBODY = expect(anonymous=404, member=404, teacher=404, committee=404, faculty=404)
# The world's member is in year 2 and the teacher teaches `session`; `hidden` is for year 6.
SEES_ALL = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)
SEES_STAFF_ONLY = expect(anonymous=LOGIN, member=404, teacher=404, committee=200, faculty=200)
RUNS_SESSION = expect(anonymous=LOGIN, member=404, teacher=200, committee=200, faculty=404)
RUNS_SESSION_POST = expect(anonymous=LOGIN, member=404, teacher=302, committee=302, faculty=404)
COMMITTEE = expect(anonymous=LOGIN, member=404, teacher=404, committee=200, faculty=404)
COMMITTEE_POST = expect(anonymous=LOGIN, member=404, teacher=404, committee=302, faculty=404)


def arrange(world):
    world.series = SeriesFactory()
    world.session = SessionFactory(series=world.series, target_years_mask=1 << 2)
    SessionTeacher.objects.create(session=world.session, teacher=world.teacher)
    world.hidden = SessionFactory(target_years_mask=1 << 6)
    world.registration = Registration.objects.create(
        session=world.session, member=world.other_member, status=Registration.Status.REGISTERED
    )
    world.material = Material.objects.create(
        session=world.session, kind=Material.Kind.SLIDES, title="Slides", url="https://e.org/s"
    )
    world.hidden_material = Material.objects.create(
        session=world.hidden, kind=Material.Kind.SLIDES, title="Slides", url="https://e.org/h"
    )
    world.feed = CalendarFeed.objects.create(member=world.other_member)
    world.held_cancellation = SeriesCancellation.objects.create(
        series=world.series, by=world.committee, notify_at=timezone.now() + timedelta(minutes=5)
    )


def session(w):
    return {"pk": w.session.pk}


def hidden(w):
    return {"pk": w.hidden.pk}


CASES = [
    Access("teaching:home", SIGNED_IN),
    Access("teaching:timetable", SIGNED_IN),
    Access("teaching:catch-up", SIGNED_IN),
    Access("teaching:session-detail", SEES_ALL, kwargs=session),
    Access("teaching:session-detail", SEES_STAFF_ONLY, kwargs=hidden, label="other year"),
    Access("teaching:session-register", SIGNED_IN_POST, kwargs=session, method="post"),
    Access(
        "teaching:session-register",
        expect(anonymous=LOGIN, member=404, teacher=404, committee=302, faculty=302),
        kwargs=hidden,
        method="post",
        label="other year",
    ),
    Access(
        "teaching:registration-cancel",
        COMMITTEE_POST,
        kwargs=lambda w: {"pk": w.registration.pk},
        method="post",
        label="someone else's",
    ),
    Access("teaching:checkin-create", SIGNED_IN),
    Access(
        "teaching:checkin-create",
        expect(anonymous=LOGIN, member=400, teacher=400, committee=400, faculty=400),
        method="post",
        data=lambda w: {"code": "WRONG1"},
        label="wrong code",
    ),
    Access(
        "teaching:material-open",
        SIGNED_IN_POST,  # a link material redirects to its address
        kwargs=lambda w: {"pk": w.material.pk},
    ),
    Access(
        "teaching:material-open",
        expect(anonymous=LOGIN, member=404, teacher=404, committee=302, faculty=302),
        kwargs=lambda w: {"pk": w.hidden_material.pk},
        label="other year",
    ),
    Access("teaching:calendar-detail", SIGNED_IN),
    Access("teaching:calendar-renew", SIGNED_IN_POST, method="post"),
    Access("teaching:calendar-revoke", SIGNED_IN_POST, method="post"),
    Access("teaching:calendar-member-feed", EVERYONE, kwargs=lambda w: {"token": w.feed.token}),
    Access("teaching:calendar-member-feed", NOBODY, kwargs=lambda w: {"token": "x"}, label="bad"),
    Access(
        "teaching:calendar-series-feed",
        EVERYONE,
        kwargs=lambda w: {"token": w.series.calendar_token},
    ),
    Access(
        "teaching:teacher-home",
        expect(anonymous=LOGIN, member=404, teacher=200, committee=200, faculty=404),
    ),
    Access("teaching:attendance-list", RUNS_SESSION, kwargs=session),
    Access(
        "teaching:attendance-list",
        COMMITTEE,
        kwargs=hidden,
        label="not theirs",
    ),
    Access(
        "teaching:attendance-mark",
        RUNS_SESSION_POST,
        kwargs=session,
        method="post",
        data=lambda w: {"member": w.registration.member_id, "present": "on"},
    ),
    Access("teaching:checkin-display", RUNS_SESSION, kwargs=session),
    Access("teaching:material-create", RUNS_SESSION, kwargs=session),
    Access(
        "teaching:material-delete",
        RUNS_SESSION_POST,
        kwargs=lambda w: {"pk": w.material.pk},
        method="post",
    ),
    Access(
        "teaching:material-delete",
        expect(anonymous=LOGIN, member=404, teacher=404, committee=302, faculty=404),
        kwargs=lambda w: {"pk": w.hidden_material.pk},
        method="post",
        label="other year",
    ),
    Access("teaching:dashboard", COMMITTEE),
    Access("teaching:session-create", COMMITTEE),
    Access("teaching:session-edit", COMMITTEE, kwargs=session),
    Access("teaching:session-cancel", COMMITTEE, kwargs=session),
    Access("teaching:session-cancel", COMMITTEE_POST, kwargs=session, method="post"),
    Access("teaching:series-create", COMMITTEE),
    Access("teaching:series-edit", COMMITTEE, kwargs=lambda w: {"pk": w.series.pk}),
    Access("teaching:series-cancel", COMMITTEE, kwargs=lambda w: {"pk": w.series.pk}),
    Access(
        "teaching:series-cancel",
        COMMITTEE_POST,
        kwargs=lambda w: {"pk": w.series.pk},
        method="post",
    ),
    Access(
        "teaching:series-cancel-undo",
        COMMITTEE_POST,
        kwargs=lambda w: {"pk": w.held_cancellation.pk},
        method="post",
    ),
    Access("teaching:series-schedule", COMMITTEE, kwargs=lambda w: {"pk": w.series.pk}),
    # A POST without the schedule shows the form again with the errors (400).
    Access(
        "teaching:series-schedule",
        expect(anonymous=LOGIN, member=404, teacher=404, committee=400, faculty=404),
        kwargs=lambda w: {"pk": w.series.pk},
        method="post",
    ),
]
