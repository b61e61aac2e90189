import pytest

from .factories import make_question


@pytest.fixture
def published(db):
    return make_question()
