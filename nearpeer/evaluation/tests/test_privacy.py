import pytest

from nearpeer.evaluation.models import InterviewVolunteer
from nearpeer.evaluation.services import (
    has_responded,
    submit_response,
    volunteer_for_interview,
)
from nearpeer.members.services import erase_member, export_member_data
from nearpeer.members.tests.factories import UserFactory, committee

pytestmark = pytest.mark.django_db


def test_data_download_lists_surveys_answered_but_not_the_answers(open_survey):
    member = UserFactory(year=2)
    q1 = open_survey.questions.get(qid="Q1")
    submit_response(survey=open_survey, user=member, answers={q1.pk: ["4"]}, consented=True)
    volunteer_for_interview(survey=open_survey, user=member, availability="Tuesdays after 4")

    data = export_member_data(member=member)["evaluation"]

    assert data["surveys_answered"] == ["End of year"]
    assert [(v["survey"], v["availability"]) for v in data["interview_volunteering"]] == [
        ("End of year", "Tuesdays after 4")
    ]


def test_erasure_withdraws_interview_offers_and_keeps_who_responded(open_survey):
    member = UserFactory(year=2)
    submit_response(survey=open_survey, user=member, answers={}, consented=True)
    volunteer_for_interview(survey=open_survey, user=member, availability="Tuesdays after 4")

    erase_member(member=member, by=committee())

    assert InterviewVolunteer.objects.filter(user=member).count() == 0
    member.refresh_from_db()
    assert has_responded(survey=open_survey, user=member)
