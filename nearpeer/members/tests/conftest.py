import pytest

from nearpeer.members.tests.factories import UserFactory, committee


@pytest.fixture
def member(db):
    return UserFactory(name="Ada Member", email="ada@example.ac.uk", year=2)


@pytest.fixture
def chair(db):
    return committee(name="Cara Chair", email="cara@example.ac.uk")


@pytest.fixture
def root(db):
    """A superuser: the only one who changes another person's email, password or roles."""
    return committee(name="Rhea Root", email="root@example.ac.uk", is_superuser=True, is_staff=True)
