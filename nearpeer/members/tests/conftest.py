import pytest

from nearpeer.members.tests.factories import UserFactory, committee


@pytest.fixture
def member(db):
    return UserFactory(name="Ada Member", email="ada@example.ac.uk", year=2)


@pytest.fixture
def chair(db):
    return committee(name="Cara Chair", email="cara@example.ac.uk")
