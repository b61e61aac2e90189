import pytest

from nearpeer.members.tests.factories import UserFactory


@pytest.fixture
def ada(db):
    return UserFactory(name="Ada Member", email="ada@example.ac.uk", year=2)
