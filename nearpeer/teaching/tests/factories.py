from datetime import timedelta

import factory
from django.utils import timezone

from nearpeer.teaching.models import Series, Session, SessionKind, SessionMode


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series

    title = factory.Sequence(lambda n: f"Series {n}")
    slug = factory.Sequence(lambda n: f"series-{n}")
    target_years_mask = 1 << 2


class SessionFactory(factory.django.DjangoModelFactory):
    """A lecture for year 2, a week from now, one hour, 30 places."""

    class Meta:
        model = Session

    title = factory.Sequence(lambda n: f"Session {n}")
    kind = SessionKind.LECTURE
    mode = SessionMode.ONLINE
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
    capacity = 30
    target_years_mask = 1 << 2
