import io
import random

import pytest

from nearpeer.questions import demo
from nearpeer.questions.models import Attempt, Paper, Question, Sitting, Status


@pytest.mark.django_db
def test_demo_seeds_a_bank_a_review_pile_and_a_mock_and_is_idempotent():
    demo.seed(rng=random.Random(1), stdout=io.StringIO())
    counts = (Question.objects.count(), Attempt.objects.count(), Sitting.objects.count())
    demo.seed(rng=random.Random(1), stdout=io.StringIO())
    assert (Question.objects.count(), Attempt.objects.count(), Sitting.objects.count()) == counts
    assert Question.objects.filter(status=Status.PUBLISHED).count() == 62
    assert Question.objects.filter(status__in=[Status.SUBMITTED, Status.PEER_REVIEWED]).count() == 3
    paper = Paper.objects.get(title=demo.PAPER_TITLE)
    assert (paper.items.count(), paper.sittings.filter(submitted_at__isnull=False).count()) == (
        10, 15,
    )  # fmt: skip
    # Keys are shuffled, so not every key is option A.
    keys = {q.published_version.key_letters for q in Question.objects.practisable()}
    assert len(keys) > 3
