"""Finding 4 through the pages: reports fetched one after another must not single anyone out."""

import pytest
from django.urls import reverse

from nearpeer.evaluation import services
from nearpeer.evaluation.models import ShownGroup
from nearpeer.members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _answer(survey, member, value: str) -> None:
    likert = survey.questions.get(kind="likert")
    services.submit_response(
        survey=survey, user=member, answers={likert.pk: [value]}, consented=True
    )


def test_all_respondents_before_and_after_one_more_answer_are_the_same(
    client, lead, open_survey, settings
):
    settings.NEARPEER_MIN_GROUP_SIZE = 5
    open_survey.interview_signup = True
    open_survey.save()
    for member in [UserFactory(year=2) for _ in range(10)]:
        _answer(open_survey, member, "4")
    url = reverse("evaluation:report-view", args=[open_survey.slug])
    client.force_login(lead)
    before = client.get(url, {"format": "csv"}).content
    late = UserFactory(year=2, name="Late Volunteer")

    _answer(open_survey, late, "1")
    services.volunteer_for_interview(survey=open_survey, user=late, availability="Mondays")
    while_held_back = client.get(url, {"format": "csv"}).content
    written = services.close_survey(survey=open_survey)
    after_closing = client.get(url, {"format": "csv"}).content
    page = client.get(url).content.decode()

    # The late answer is first held back in the store, then (closing writes it out alone) kept
    # out of the figures until at least five new responses can be added together.
    assert written == 1
    assert before == while_held_back == after_closing
    assert b"All respondents N,All respondents %" in before
    assert "Not counted yet: 1 response " in page
    assert ShownGroup.objects.filter(survey=open_survey, kind="population").count() == 1


def test_volunteers_are_listed_by_name_whatever_order_they_signed_up_in(client, lead, open_survey):
    open_survey.interview_signup = True
    open_survey.save()
    for name in ("Zed Last", "Amy First", "Max Middle"):
        services.volunteer_for_interview(
            survey=open_survey, user=UserFactory(year=2, name=name), availability=""
        )
    client.force_login(lead)

    page = client.get(reverse("evaluation:survey-detail", args=[open_survey.slug]))

    html = page.content.decode()
    assert html.index("Amy First") < html.index("Max Middle") < html.index("Zed Last")
