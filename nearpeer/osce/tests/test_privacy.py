import uuid

import pytest

from nearpeer.members.tests.factories import UserFactory, committee, teacher
from nearpeer.osce import privacy, services
from nearpeer.osce.models import MockCandidate, Sheet
from nearpeer.osce.tests.factories import StationFactory, all_marks, mock, practice


@pytest.mark.django_db
def test_export_lists_the_members_sheets_and_erasure_drops_feedback_and_unbuilt_sittings():
    station = StationFactory(title="Knee")
    cand, exam = UserFactory(), UserFactory()
    p = practice(station, candidate=cand, examiner=exam)
    services.mark_practice(
        practice=p,
        by=exam,
        marks=all_marks(station),
        global_rating=5,
        feedback="Lovely.",
        client_id=uuid.uuid4(),
    )
    unbuilt = mock(by=committee(), stations=[station], candidates=[cand], examiners=[teacher()])
    data = privacy.export_member_data(member=cand)
    assert data["osce_sheets"][0]["feedback"] == "Lovely."
    assert data["osce_practice_roles"][0]["role"] == "candidate"
    assert data["osce_mocks_sat"] == [unbuilt.title]
    assert privacy.export_member_data(member=exam)["osce_sheets"] == []

    privacy.erase_member_data(member=cand)
    assert Sheet.objects.get().feedback == ""
    assert not MockCandidate.objects.filter(user=cand).exists()
