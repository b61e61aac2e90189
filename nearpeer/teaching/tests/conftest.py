import pytest

from nearpeer.members.tests.factories import UserFactory, committee, teacher
from nearpeer.teaching.models import SessionTeacher
from nearpeer.teaching.tests.factories import SessionFactory


@pytest.fixture
def member(db):
    return UserFactory(year=2, name="Ada Member")


@pytest.fixture
def lead_teacher(db):
    return teacher(name="Tom Teacher")


@pytest.fixture
def organiser(db):
    return committee(name="Cora Committee")


@pytest.fixture
def session(db, lead_teacher):
    session = SessionFactory(title="Cardiac cycle", capacity=2)
    SessionTeacher.objects.create(session=session, teacher=lead_teacher)
    return session
