"""Two sends of one sheet at the same moment (a phone retrying while its first send is still in
flight) store one sheet on PostgreSQL, where the requests really run in parallel."""

import threading
import uuid

import pytest
from django.db import connection

from nearpeer.members.tests.factories import UserFactory, committee, teacher
from nearpeer.osce import services
from nearpeer.osce.models import Sheet, Station
from nearpeer.osce.tests.factories import StationFactory, all_marks, mock


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_sheet_sent_twice_at_once_is_stored_once():
    boss, examiner = committee(), teacher()
    station = StationFactory()
    candidate = UserFactory()
    m = mock(by=boss, stations=[station], candidates=[candidate], examiners=[examiner])
    services.build_mock_rotation(mock=m, by=boss)
    station = Station.objects.get(pk=station.pk)
    client_id = uuid.uuid4()
    barrier = threading.Barrier(2)
    outcomes = []

    def send(rating):
        barrier.wait()
        try:
            sheet, created = services.mark_mock(
                mock=m,
                by=examiner,
                station=station,
                candidate_id=candidate.pk,
                marks=all_marks(station),
                global_rating=rating,
                feedback="",
                client_id=client_id,
            )
            outcomes.append((sheet.pk, created))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(4,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sheet = Sheet.objects.get()
    assert sorted(outcomes, key=lambda o: not o[1]) == [(sheet.pk, True), (sheet.pk, False)]
