from pathlib import Path

import pytest

from nearpeer.evaluation.models import Survey
from nearpeer.evaluation.parsing import parse
from nearpeer.evaluation.services import add_question, import_responses
from nearpeer.members.models import Role
from nearpeer.members.tests.factories import UserFactory

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Reports are cached; each test starts without another test's reports."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def lead(db):
    return UserFactory(roles=[Role.EVALUATION_LEAD], year=4, email="lead@example.ac.uk")


@pytest.fixture
def open_survey(db):
    survey = Survey.objects.create(
        title="End of year", slug="end-of-year", audience_years_mask=1 << 2
    )
    add_question(survey=survey, kind="likert", text="I feel more confident", options=[])
    add_question(
        survey=survey, kind="multi", text="What did you use?", options=["Recordings", "Slides"]
    )
    add_question(survey=survey, kind="text", text="Anything else?", options=[])
    return survey


@pytest.fixture
def imported_survey(db):
    survey = Survey.objects.create(title="Imported", slug="imported")
    parsed = parse((DATA / "qualtrics_export.csv").read_bytes(), fmt="qualtrics")
    import_responses(survey=survey, parsed=parsed)
    return survey


def flush(survey) -> int:
    """Write out the answers the anonymity store holds back for `survey` (as closing it would),
    without closing it."""
    from nearpeer.anonymity import store

    return store.close(scope=f"survey:{survey.pk}")
