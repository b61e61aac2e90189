"""The home-panel registry and the whole home page with every app's panel filled.

Lives in core because it spans apps (like the authorization matrix): teaching's own tests must
not know the apps built on it. The questions panel's tests are here too for now (the questions
app's tests are being reworked in parallel); they belong in nearpeer/questions/tests.
"""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from nearpeer.core.hooks import app_modules
from nearpeer.core.panels import Panel, home_panels
from nearpeer.core.tests.redis_commands import redis_commands
from nearpeer.evaluation.models import Survey
from nearpeer.live import services as live
from nearpeer.members.tests.factories import UserFactory
from nearpeer.notifications.models import Notification
from nearpeer.questions.models import ReviewCard
from nearpeer.questions.tests.factories import make_question
from nearpeer.teaching.tests.factories import SessionFactory
from nearpeer.tutorials.models import TutorialGroup
from nearpeer.tutorials.tests.factories import ProgrammeFactory, SlotFactory, sign_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(db):
    return UserFactory(year=2, name="Ada Member")


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def _due_cards(member, n, *, due=None):
    due = due or timezone.now() - timedelta(hours=1)
    for i in range(n):
        question = make_question(title=f"Q{i}")
        ReviewCard.objects.create(member=member, question=question, state={}, due=due)


# --- Discovery ----------------------------------------------------------------------------------


def test_app_modules_finds_each_apps_optional_module_in_installed_apps_order():
    assert [label for label, _ in app_modules("home")] == [
        "notifications",
        "questions",
        "live",
        "tutorials",
        "evaluation",
    ]
    assert [label for label, _ in app_modules("privacy")] == [
        "core",
        "members",
        "notifications",
        "teaching",
        "questions",
        "live",
        "tutorials",
        "osce",
        "teachers",
        "library",
        "evaluation",
    ]


def test_app_modules_skips_apps_without_the_module():
    assert list(app_modules("no_such_hook")) == []


def test_home_panels_is_empty_for_a_member_with_nothing_waiting(member):
    assert home_panels(_request(member)) == []


# --- The questions panel ------------------------------------------------------------------------


def test_questions_panel_counts_due_cards_neutrally_and_links_to_the_queue(client, member):
    _due_cards(member, 3)
    _due_cards(member, 1, due=timezone.now() + timedelta(days=2))
    _due_cards(UserFactory(), 2)
    client.force_login(member)

    html = client.get(reverse("teaching:home")).content.decode()

    assert "3 questions are ready when you are." in html
    assert f'href="{reverse("questions:queue-home")}">Question review</a>' in html
    assert f'href="{reverse("questions:queue-next")}">Start reviewing</a>' in html


def test_questions_panel_says_one_question_in_the_singular(member):
    _due_cards(member, 1)

    (panel,) = home_panels(_request(member))

    assert panel.context["text"] == "1 question is ready when you are."


def test_questions_panel_is_absent_when_nothing_is_due(client, member):
    _due_cards(member, 2, due=timezone.now() + timedelta(days=1))
    client.force_login(member)

    html = client.get(reverse("teaching:home")).content.decode()

    assert "Question review" not in html
    assert "ready when you are" not in html


# --- The whole page -----------------------------------------------------------------------------


def _fill_every_panel(member, n):
    _due_cards(member, n)
    Notification.objects.bulk_create(
        Notification(recipient=member, category="sessions", title=f"N{i}") for i in range(n)
    )
    for i in range(n):
        ProgrammeFactory(title=f"Open programme {i}")
        published = ProgrammeFactory(status="published", title=f"Published programme {i}")
        group = TutorialGroup.objects.create(
            programme=published, slot=SlotFactory(programme=published)
        )
        group.members.add(sign_up(published, member))
        Survey.objects.create(title=f"Survey {i}", slug=f"survey-{i}", audience_years_mask=1 << 2)
        deck = live.create_deck(session=SessionFactory(title=f"Lecture {i}"), title=f"Poll {i}")
        live.add_item(deck=deck, kind="rating", prompt="How clear was this?")
        live.control_deck(deck=deck, action="open")


@pytest.mark.parametrize("n", [1, 3])
def test_home_with_every_panel_filled_query_count(client, member, n, django_assert_num_queries):
    _fill_every_panel(member, n)
    client.force_login(member)

    # Surveys take two: the open ones, then the member's keyed-hash markers among them; the
    # decks live now one. The teaching part takes seven cold, the lectures of the live decks
    # being coming up (nearpeer/teaching/tests/test_pages.py counts them).
    with django_assert_num_queries(14):
        response = client.get(reverse("teaching:home"))

    html = response.content.decode()
    assert f"{n} unread" in html
    assert html.count("Open programme ") == n
    assert html.count(">Published programme ") == n
    assert html.count("evaluation/surveys/survey-") == n
    assert html.count(">Poll ") == n
    assert [type(p) for p in home_panels(_request(member))] == [Panel] * 5


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_home_with_every_panel_passes_axe(page, live_server, sign_in, axe):
    member = UserFactory(year=2, name="Ada Member")
    _fill_every_panel(member, 2)

    sign_in(page, member)
    page.goto(live_server.url + reverse("teaching:home"))

    assert page.get_by_role("heading", level=2).all_text_contents()[-5:] == [
        "Notifications 2 unread",
        "Question review",
        "Live questions now",
        "Tutorials",
        "Surveys",
    ]
    assert axe(page) == []


# --- Cached per member: a change shows at once --------------------------------------------------


def _panel_keys(member) -> list[str]:
    return [p.context.get("key") for p in home_panels(_request(member))]


def test_notifications_panel_follows_new_and_read_notifications_at_once(member):
    from nearpeer.notifications import services

    other = UserFactory()
    Notification.objects.create(recipient=member, category="sessions", title="One")
    assert home_panels(_request(member))[0].context["badge"] == "1 unread"

    Notification.objects.bulk_create(
        [Notification(recipient=member, category="sessions", title="Two")]
    )
    Notification.objects.create(recipient=other, category="sessions", title="Not mine")
    assert home_panels(_request(member))[0].context["badge"] == "2 unread"

    services.mark_all_read(member=member)  # an update(): no signal
    assert "notifications" not in _panel_keys(member)
    assert home_panels(_request(other))[0].context["badge"] == "1 unread"

    Notification.objects.filter(recipient=other).delete()
    assert home_panels(_request(other)) == []


def test_questions_panel_follows_cards_and_the_clock_at_once(
    member, monkeypatch, django_assert_num_queries
):
    from nearpeer.questions.home import due_now

    _due_cards(member, 1)
    _due_cards(member, 1, due=timezone.now() + timedelta(hours=2))
    assert due_now(member.pk) == 1

    ReviewCard.objects.filter(member=member).update(due=timezone.now() - timedelta(minutes=1))
    assert due_now(member.pk) == 2

    ReviewCard.objects.filter(member=member).first().delete()
    assert due_now(member.pk) == 1

    _due_cards(member, 1, due=timezone.now() + timedelta(hours=1))
    assert due_now(member.pk) == 1
    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with django_assert_num_queries(0):  # the cached due times, read against a later clock
        assert due_now(member.pk) == 2


def _tutorials(member) -> dict:
    found = [p for p in home_panels(_request(member)) if "programmes" in p.context]
    if not found:
        return {"programmes": [], "groups": []}
    return {k: [x.programme.title if k == "groups" else x.title for x in v]
            for k, v in found[0].context.items() if k in {"programmes", "groups"}}  # fmt: skip


def test_tutorials_panel_follows_sign_ups_groups_and_programmes_at_once(member):
    first = ProgrammeFactory(title="First")
    assert _tutorials(member) == {"programmes": ["First"], "groups": []}

    signup = sign_up(first, member)
    second = ProgrammeFactory(title="Second")
    assert _tutorials(member) == {"programmes": ["Second"], "groups": []}

    second.status = "published"
    second.save()
    first.status = "published"
    first.save()
    assert _tutorials(member) == {"programmes": [], "groups": []}

    group = TutorialGroup.objects.create(programme=first, slot=SlotFactory(programme=first))
    group.members.add(signup)
    assert _tutorials(member) == {"programmes": [], "groups": ["First"]}

    group.members.remove(signup)
    assert _tutorials(member) == {"programmes": [], "groups": []}


def _survey_titles(member) -> list[str]:
    found = [p for p in home_panels(_request(member)) if "surveys" in p.context]
    return [s.title for s in found[0].context["surveys"]] if found else []


def test_surveys_panel_follows_survey_changes_and_the_clock_at_once(member, monkeypatch):
    survey = Survey.objects.create(title="Year 2", slug="year-2", audience_years_mask=1 << 2)
    assert _survey_titles(member) == ["Year 2"]

    survey.audience_years_mask = 1 << 3
    survey.save()
    assert _survey_titles(member) == []

    survey.audience_years_mask = 1 << 2
    survey.closes_at = timezone.now() + timedelta(hours=1)
    survey.save()
    assert _survey_titles(member) == ["Year 2"]

    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert _survey_titles(member) == []  # closed by the clock, no write needed


@pytest.mark.redis
def test_home_reads_every_panels_fragments_in_its_own_round_trip_and_never_a_stale_one(
    client, member, redis_cache
):
    _fill_every_panel(member, 2)
    client.force_login(member)
    client.get(reverse("teaching:home"))  # cold: builds and stores every fragment
    with redis_commands() as commands:
        html = client.get(reverse("teaching:home")).content.decode()
    # The roles, the year's sessions, the sessions part this member was last shown (used when
    # their live state, read next, is the same) and the five panels' fragments.
    assert commands == ["MGET"]
    assert "2 unread" in html and "2 questions are ready" in html

    # A write between two pages shows on the next: nothing read for one page is kept.
    Notification.objects.create(recipient=member, category="sessions", title="Third")
    other = UserFactory(year=2)
    Notification.objects.create(recipient=other, category="sessions", title="Not mine")
    assert "3 unread" in client.get(reverse("teaching:home")).content.decode()
    client.force_login(other)
    html = client.get(reverse("teaching:home")).content.decode()
    assert "1 unread" in html and "Question review" not in html
