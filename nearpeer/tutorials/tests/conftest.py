import pytest

from nearpeer.members.tests.factories import UserFactory, committee, teacher
from nearpeer.tutorials.tests.factories import ProgrammeFactory, SlotFactory, sign_up


@pytest.fixture
def boss(db):
    return committee(email="boss@example.ac.uk", name="Committee Boss")


@pytest.fixture
def programme(db):
    """Year 2, two slots (Tue 18:00, Wed 18:00), groups of 2–3 with one tutor."""
    programme = ProgrammeFactory(title="Year 2 OSCE", group_min=2, group_max=3, tutors_max=1)
    SlotFactory(programme=programme, weekday=1, start_time="18:00")
    SlotFactory(programme=programme, weekday=2, start_time="18:00")
    return programme


@pytest.fixture
def cohort(programme):
    """Two tutors (one per slot) and five tutees; Ann and Ben are friends."""
    tue, wed = programme.slots.all()
    people = {}
    people["tina"] = sign_up(programme, teacher(name="Tina Tutor"), role="tutor", yes=[tue])
    people["walt"] = sign_up(programme, teacher(name="Walt Tutor"), role="tutor", yes=[wed])
    people["ann"] = sign_up(programme, UserFactory(name="Ann"), yes=[tue])
    people["ben"] = sign_up(programme, UserFactory(name="Ben"), yes=[tue, wed])
    people["ann"].friends.set([people["ben"]])
    people["cat"] = sign_up(programme, UserFactory(name="Cat"), yes=[tue], maybe=[wed])
    people["dan"] = sign_up(programme, UserFactory(name="Dan"), yes=[wed])
    people["eve"] = sign_up(programme, UserFactory(name="Eve"), yes=[wed])
    people["far"] = sign_up(programme, UserFactory(name="Far"))
    return people
