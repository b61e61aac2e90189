import io
import random

import pytest

from nearpeer.members import demo as members_demo
from nearpeer.osce import demo, services
from nearpeer.osce.models import Mock, Sheet, Station


@pytest.mark.django_db
def test_demo_seeds_stations_a_practice_and_a_built_mock_and_is_idempotent():
    members_demo.seed(rng=random.Random(1), stdout=io.StringIO())
    demo.seed(rng=random.Random(1), stdout=io.StringIO())
    counts = (Station.objects.count(), Sheet.objects.count(), Mock.objects.count())
    demo.seed(rng=random.Random(1), stdout=io.StringIO())
    assert (Station.objects.count(), Sheet.objects.count(), Mock.objects.count()) == counts
    assert counts == (6, 1, 1)
    assert Station.objects.filter(status="published").count() == 5
    assert Station.objects.get(title="Chest pain: history for PACES").remixed_from.title == (
        "Chest pain: focused history"
    )
    mock = Mock.objects.get()
    seats = services.seats(mock)
    assert len({s.candidate_id for s in seats}) == 10
    conflict = mock.conflicts.get()
    assert all(
        (s.examiner_id, s.candidate_id) != (conflict.examiner_id, conflict.candidate_id)
        for s in seats
    )
