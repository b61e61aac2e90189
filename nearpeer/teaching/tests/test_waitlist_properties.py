"""Property test: any sequence of register / cancel (with promotion) keeps the rules."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from nearpeer.members.tests.factories import UserFactory
from nearpeer.teaching import services
from nearpeer.teaching.models import Registration
from nearpeer.teaching.tests.factories import SessionFactory

PEOPLE = 6


class Waitlist(RuleBasedStateMachine):
    """Compares the database with a plain model: a list of places and a queue."""

    def __init__(self):
        super().__init__()
        self.capacity = 2
        self.session = SessionFactory(capacity=self.capacity)
        self.members = UserFactory.create_batch(PEOPLE)
        self.clock = timezone.now()
        self.placed: list[int] = []
        self.queue: list[int] = []

    def _tick(self):
        self.clock += timedelta(seconds=1)
        return self.clock

    @rule(i=st.integers(0, PEOPLE - 1))
    def register(self, i):
        services.register(session=self.session, member=self.members[i], now=self._tick())
        if i in self.placed or i in self.queue:
            return
        if len(self.placed) < self.capacity:
            self.placed.append(i)
        else:
            self.queue.append(i)

    @rule(i=st.integers(0, PEOPLE - 1))
    def cancel(self, i):
        row = Registration.objects.filter(session=self.session, member=self.members[i]).first()
        if row is None:
            return
        services.cancel(registration=row, by=self.members[i], now=self._tick())
        if i in self.placed:
            self.placed.remove(i)
            if self.queue:
                self.placed.append(self.queue.pop(0))
        elif i in self.queue:
            self.queue.remove(i)

    def _db(self, status):
        rows = self.session.registrations.filter(status=status)
        index = {m.pk: n for n, m in enumerate(self.members)}
        return [
            index[pk] for pk in rows.order_by("queued_at", "pk").values_list("member", flat=True)
        ]

    @invariant()
    def never_more_than_capacity(self):
        assert len(self._db(Registration.Status.REGISTERED)) <= self.capacity

    @invariant()
    def nobody_twice(self):
        members = list(self.session.registrations.values_list("member", flat=True))
        assert len(members) == len(set(members))

    @invariant()
    def matches_the_model(self):
        assert sorted(self._db(Registration.Status.REGISTERED)) == sorted(self.placed)
        assert self._db(Registration.Status.WAITLISTED) == self.queue


@pytest.mark.django_db
def test_waitlist_state_machine():
    run_state_machine_as_test(
        Waitlist,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
