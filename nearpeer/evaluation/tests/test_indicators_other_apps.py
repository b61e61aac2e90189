import pytest
from django.utils import timezone

from nearpeer.evaluation.indicators import question_bank_contributions, tutorial_placement
from nearpeer.members.tests.factories import UserFactory
from nearpeer.questions.models import Status
from nearpeer.questions.tests.factories import make_question
from nearpeer.tutorials.models import Programme, TutorialGroup
from nearpeer.tutorials.tests.factories import ProgrammeFactory, SlotFactory, sign_up

pytestmark = pytest.mark.django_db


def test_question_bank_contributions_count_questions_authors_and_published():
    since = timezone.now() - timezone.timedelta(days=1)
    alice, bob = UserFactory(), UserFactory()
    make_question(author=alice)
    make_question(author=alice, status=Status.SUBMITTED)
    make_question(author=bob)

    indicator = question_bank_contributions(since)

    assert (indicator.value, indicator.detail) == (
        "3",
        "questions written this year by 2 members; 2 published so far",
    )


def test_tutorial_placement_counts_placed_tutees_of_published_programmes_only():
    since = timezone.now() - timezone.timedelta(days=1)
    programme = ProgrammeFactory(status=Programme.Status.PUBLISHED)
    slot = SlotFactory(programme=programme)
    placed = [sign_up(programme, UserFactory(), yes=[slot]) for _ in range(3)]
    sign_up(programme, UserFactory(), yes=[slot])  # signed up, not placed
    tutor = sign_up(programme, UserFactory(year=5), role="tutor", yes=[slot])
    group = TutorialGroup.objects.create(programme=programme, slot=slot)
    group.members.set([*placed, tutor])
    still_open = ProgrammeFactory()
    sign_up(still_open, UserFactory(), yes=[SlotFactory(programme=still_open)])

    indicator = tutorial_placement(since)

    assert indicator.detail == "3 of 4 tutees who signed up were placed in a group"
    assert indicator.value == "75.0 %"
