from datetime import date, time, timedelta

import factory
from django.utils import timezone

from nearpeer.tutorials.models import Availability, MentoringScheme, Programme, SignUp, Slot


def next_monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


class ProgrammeFactory(factory.django.DjangoModelFactory):
    """An open programme for year 2 with default bounds (3–6 tutees, 1–2 tutors)."""

    class Meta:
        model = Programme

    title = factory.Sequence(lambda n: f"Programme {n}")
    target_years_mask = 1 << 2
    signup_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    first_week = factory.LazyFunction(next_monday)
    weeks = 4


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    programme = factory.SubFactory(ProgrammeFactory)
    weekday = 1
    start_time = factory.Sequence(lambda n: time(8 + n % 12, 0))
    duration_minutes = 60


def sign_up(programme, member, role="tutee", yes=(), maybe=(), friends=(), **kwargs) -> SignUp:
    """A sign-up with "yes" for `yes` slots, "if need be" for `maybe`, "no" for the rest."""
    signup = SignUp.objects.create(programme=programme, member=member, role=role, **kwargs)
    answers = {s.pk: "no" for s in programme.slots.all()}
    answers.update({s.pk: "yes" for s in yes})
    answers.update({s.pk: "if_need_be" for s in maybe})
    Availability.objects.bulk_create(
        Availability(signup=signup, slot_id=k, answer=v) for k, v in answers.items()
    )
    signup.friends.set(friends)
    return signup


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MentoringScheme

    title = factory.Sequence(lambda n: f"Buddy scheme {n}")
    target_years_mask = 1 << 2
    signup_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
