"""Issue #8, finding 7: a member's year comes from the roster or the committee."""

import pytest
from django.urls import reverse

from nearpeer.members.models import YearChangeRequest
from nearpeer.members.tests.factories import committee
from nearpeer.notifications.models import Notification


def test_member_asks_and_the_committee_approves(
    client, member, chair, django_capture_on_commit_callbacks
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(
            reverse("members:year-request"),
            {"year": "4", "intercalating": "on", "reason": "Intercalating this year"},
            follow=True,
        )
    member.refresh_from_db()
    assert member.year == 2  # nothing changes until the committee decides
    assert "You asked for: Year 4 (intercalated BSc)" in asked.content.decode()
    request = YearChangeRequest.objects.get()
    assert Notification.objects.filter(recipient=chair).get().title == (
        "Ada Member asks to change their year of study"
    )

    client.force_login(chair)
    listing = client.get(reverse("members:year-request-list"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("members:year-request-decide", kwargs={"pk": request.pk}),
            {"decision": "approve"},
        )

    member.refresh_from_db()
    request.refresh_from_db()
    assert "Intercalating this year" in listing.content.decode()
    assert (member.year, member.intercalating, request.status, request.decided_by) == (
        4,
        True,
        "approved",
        chair,
    )
    assert Notification.objects.filter(recipient=member).get().title == (
        "Your year-of-study request (Year 4 (intercalated BSc)) was approved"
    )


def test_declined_request_leaves_the_year(client, member, chair):
    request = YearChangeRequest.objects.create(member=member, year=6)
    client.force_login(chair)

    client.post(
        reverse("members:year-request-decide", kwargs={"pk": request.pk}), {"decision": "decline"}
    )

    member.refresh_from_db()
    assert (member.year, YearChangeRequest.objects.get().status) == (2, "declined")


def test_a_new_request_replaces_the_pending_one(client, member):
    client.force_login(member)

    client.post(reverse("members:year-request"), {"year": "3"})
    client.post(reverse("members:year-request"), {"year": "5"})

    assert list(YearChangeRequest.objects.values_list("year", "status")) == [(5, "pending")]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"year": "7"},
            {"year": ["Select a valid choice. 7 is not one of the available choices."]},
        ),
        (
            {"year": "", "intercalating": "on"},
            {"intercalating": ["Only a year of study can be an intercalated year."]},
        ),
        ({"year": "2"}, {"year": ["That is already your year; choose the year you are in now."]}),
        (
            {"year": "3", "reason": "x" * 501},
            {"reason": ["Ensure this value has at most 500 characters (it has 501)."]},
        ),
    ],
)
def test_bad_requests_are_refused_with_the_field_named(client, member, data, errors):
    client.force_login(member)

    response = client.post(reverse("members:year-request"), data)

    assert (response.context["form"].errors, YearChangeRequest.objects.count()) == (errors, 0)


def test_committee_member_cannot_approve_their_own_request(client, db):
    chair = committee(name="Cara Chair", year=4)
    other = committee(name="Other Chair")
    request = YearChangeRequest.objects.create(member=chair, year=6)
    client.force_login(chair)

    response = client.post(
        reverse("members:year-request-decide", kwargs={"pk": request.pk}),
        {"decision": "approve"},
        follow=True,
    )

    chair.refresh_from_db()
    assert chair.year == 4
    assert [str(m) for m in response.context["messages"]] == [
        "Not decided: another committee member decides your own request."
    ]
    assert other.year == 4


@pytest.mark.parametrize("count", [1, 3])
def test_request_list_query_count(client, chair, django_assert_num_queries, count):
    from nearpeer.members.tests.factories import UserFactory

    for _ in range(count):
        YearChangeRequest.objects.create(member=UserFactory(), year=3)
    client.force_login(chair)

    with django_assert_num_queries(4):
        response = client.get(reverse("members:year-request-list"))

    assert len(response.context["requests"]) == count
