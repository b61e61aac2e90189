"""Issue #8, finding 8: with Redis down, reports answered 500. Now they are computed uncached."""

from django.urls import reverse

from nearpeer.core.tests.test_redis_down import redis_down  # noqa: F401  (fixture)


def test_report_is_computed_uncached_when_redis_is_down(
    client,
    lead,
    imported_survey,
    redis_down,  # noqa: F811
):
    client.force_login(lead)

    response = client.get(reverse("evaluation:report-view", kwargs={"slug": imported_survey.slug}))

    assert response.status_code == 200
    assert "All respondents" in response.content.decode()
