"""Error reports: the author (or committee) sees open ones and resolves them with a reply."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from nearpeer.members.tests.factories import UserFactory, committee, teacher
from nearpeer.notifications.models import Category, Notification
from nearpeer.questions.models import Comment
from nearpeer.questions.services import flag_question, resolve_flag

from .factories import make_question


@pytest.fixture
def flagged(db):
    author = UserFactory(name="Ada Author")
    question = make_question(author=author, title="Inferior STEMI")
    flagger = UserFactory(name="Fred Flagger")
    flag = flag_question(question=question, by=flagger, reason="Option B is also right.")
    return question, flagger, flag


def test_author_resolves_flag_and_the_flagger_is_told(flagged):
    question, flagger, flag = flagged

    resolve_flag(flag=flag, by=question.author, reply="Clarified the stem: *posterior* leads.")

    flag.refresh_from_db()
    assert (flag.reply, flag.resolved_by, flag.resolved_at is not None) == (
        "Clarified the stem: *posterior* leads.",
        question.author,
        True,
    )
    told = list(
        Notification.objects.filter(recipient=flagger).values_list("category", "title", "body")
    )
    assert told == [
        (
            Category.QUESTIONS,
            "Your error report on “Inferior STEMI” was resolved",
            "Clarified the stem: *posterior* leads.",
        )
    ]


def test_committee_may_resolve_but_a_reviewer_may_not(flagged):
    question, _, flag = flagged
    with pytest.raises(PermissionDenied):
        resolve_flag(flag=flag, by=teacher(), reply="Fine.")
    resolve_flag(flag=flag, by=committee(), reply="Checked with the author.")
    assert Comment.objects.get(pk=flag.pk).reply == "Checked with the author."


def test_resolving_twice_or_without_reply_is_refused(flagged):
    question, _, flag = flagged
    with pytest.raises(ValidationError) as empty:
        resolve_flag(flag=flag, by=question.author, reply="  ")
    assert empty.value.message_dict == {"reply": ["Say what was done about the report."]}
    resolve_flag(flag=flag, by=question.author, reply="Fixed.")
    with pytest.raises(ValidationError) as twice:
        resolve_flag(flag=flag, by=question.author, reply="Again.")
    assert twice.value.messages == ["This report is already resolved."]


def test_a_review_comment_cannot_be_resolved_as_a_flag(flagged):
    question, _, _ = flagged
    from nearpeer.questions.services import add_comment

    comment = add_comment(question=question, by=teacher(), body="Nice.")
    with pytest.raises(PermissionDenied):
        resolve_flag(flag=comment, by=question.author, reply="Thanks.")


def test_author_sees_open_flag_without_the_flaggers_name_and_resolves_over_http(client, flagged):
    question, flagger, flag = flagged
    client.force_login(question.author)
    detail = reverse("questions:question-detail", kwargs={"pk": question.pk})

    page = client.get(detail).content.decode()

    assert "1 open error report below." in page
    assert "Option B is also right." in page
    assert "Fred Flagger" not in page
    assert f'action="/questions/flags/{flag.pk}/resolve/"' in page
    response = client.post(
        reverse("questions:flag-resolve", kwargs={"pk": flag.pk}), {"reply": "Rewrote option B."}
    )
    assert response.headers["Location"] == detail
    page = client.get(detail).content.decode()
    assert "open error report" not in page
    assert "Rewrote option B." in page
    assert "Fred Flagger" not in page
    assert Notification.objects.filter(recipient=flagger).count() == 1


def test_home_shows_open_reports_on_my_questions(client, flagged):
    question, _, _ = flagged
    client.force_login(question.author)
    page = client.get(reverse("questions:home")).content.decode()
    assert ">1 open report</a>" in page


def test_empty_reply_over_http_leaves_flag_open(client, flagged):
    question, _, flag = flagged
    client.force_login(question.author)
    response = client.post(
        reverse("questions:flag-resolve", kwargs={"pk": flag.pk}), {"reply": ""}, follow=True
    )
    assert "Write a reply (up to 2,000 characters) to resolve the report." in (
        response.content.decode()
    )
    assert Comment.objects.get(pk=flag.pk).resolved_at is None


def test_flag_list_shows_own_open_reports_to_authors_and_all_to_committee(client, flagged):
    question, flagger, flag = flagged
    other = make_question(title="Hyperkalaemia")
    flag_question(question=other, by=flagger, reason="The ECG is missing.")
    resolved = flag_question(question=question, by=flagger, reason="Typo in option D.")
    resolve_flag(flag=resolved, by=question.author, reply="Fixed.")
    url = reverse("questions:flag-list")

    client.force_login(question.author)
    mine = client.get(url).content.decode()
    client.force_login(committee())
    everyone = client.get(url).content.decode()

    assert ("Option B is also right." in mine, "The ECG is missing." in mine) == (True, False)
    assert "Typo in option D." not in mine
    assert ("Option B is also right." in everyone, "The ECG is missing." in everyone) == (
        True,
        True,
    )
    assert "Fred Flagger" not in mine + everyone


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 3])
def test_flag_list_in_constant_queries(client, django_assert_num_queries, rows):
    boss, flagger = committee(), UserFactory()
    for n in range(rows):
        flag_question(question=make_question(title=f"Q {n}"), by=flagger, reason=f"Wrong {n}.")
    client.force_login(boss)
    with django_assert_num_queries(4):
        response = client.get(reverse("questions:flag-list"))
    assert response.content.decode().count('<article class="card comment">') == rows
