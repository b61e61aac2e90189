from datetime import timedelta

import factory
from django.utils import timezone

from nearpeer.teachers.models import Call
from nearpeer.teaching.models import Attendance, Session, SessionTeacher
from nearpeer.teaching.tests.factories import SessionFactory


class CallFactory(factory.django.DjangoModelFactory):
    """An open call for lecture topics, closing in two weeks, no questions of its own."""

    class Meta:
        model = Call

    title = factory.Sequence(lambda n: f"Call {n}")
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


def past_session(*, teachers=(), attendees=(), hours_ago: float = 2, **kwargs) -> Session:
    """A one-hour year-2 lecture that ended `hours_ago - 1` hours ago."""
    starts = timezone.now() - timedelta(hours=hours_ago)
    session = SessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=1), **kwargs)
    for t in teachers:
        SessionTeacher.objects.create(session=session, teacher=t)
    Attendance.objects.bulk_create([Attendance(session=session, member=m) for m in attendees])
    return session
