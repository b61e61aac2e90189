"""The database-dependent parts on PostgreSQL: random keys in identity columns, the raw answers
query, partial unique constraint on imported response ids."""

import pytest
from django.db import IntegrityError, transaction

from nearpeer.evaluation import services
from nearpeer.evaluation.models import Response
from nearpeer.members.tests.factories import UserFactory

from .conftest import flush
from .test_import_report import EXPECTED_TOGETHER, GROUPS


@pytest.mark.postgres
@pytest.mark.django_db
def test_grouped_report_counts_on_postgres(imported_survey, settings):
    settings.NEARPEER_MIN_GROUP_SIZE = 5
    from nearpeer.evaluation.exports import report_csv

    report = services.survey_report(survey=imported_survey, groups=services.parse_groups(GROUPS))

    rows = [line.split(",") for line in report_csv(report).decode().splitlines()]
    assert rows == EXPECTED_TOGETHER


@pytest.mark.postgres
@pytest.mark.django_db
def test_native_responses_get_random_keys_and_imported_ids_stay_unique(
    open_survey, imported_survey
):
    text_q = open_survey.questions.get(kind="text")
    for _ in range(3):
        services.submit_response(
            survey=open_survey, user=UserFactory(year=2), answers={text_q.pk: ["x"]}, consented=True
        )
    flush(open_survey)

    keys = list(Response.objects.filter(survey=open_survey).values_list("pk", flat=True))
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=imported_survey, external_id="R_a1")

    assert len(keys) == 3 and min(keys) > 1000
