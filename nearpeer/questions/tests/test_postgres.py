"""Row locks on PostgreSQL: two reviewers acting at once, two tabs autosaving at once."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from nearpeer.members.tests.factories import UserFactory, committee, teacher
from nearpeer.questions import services
from nearpeer.questions.models import PaperStatus, SittingAnswer, Status

from .factories import make_question, tag


def _run_together(*actions):
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        barrier.wait()
        try:
            outcomes[index] = action()
        except PermissionDenied:
            outcomes[index] = "denied"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_approve_and_request_changes_at_once_leave_one_consistent_outcome():
    question = make_question(status=Status.SUBMITTED)
    first, second = teacher(), teacher()
    outcomes = _run_together(
        lambda: services.transition_question(question=question, by=first, name="approve").status,
        lambda: (
            services.transition_question(
                question=question, by=second, name="request_changes", comment="Two keys."
            ).status
        ),
    )
    question.refresh_from_db()
    # Serialised by the row lock, either order ends in draft: approve then request changes
    # (allowed from peer-reviewed), or request changes then a refused approve.
    assert outcomes in ([Status.PEER_REVIEWED, Status.DRAFT], ["denied", Status.DRAFT])
    assert (question.status, question.peer_reviewer) == (Status.DRAFT, None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_autosaving_the_same_item_keep_one_answer_row():
    make_question(tags=[tag()])
    paper = services.build_paper_from_blueprint(
        title="Mock", by=committee(), blueprint={tag(): 1}, duration_minutes=10
    )
    services.set_paper_status(paper=paper, status=PaperStatus.OPEN)
    sitting = services.start_sitting(paper=paper, candidate=UserFactory())
    item = paper.items.get()
    _run_together(
        lambda: services.save_sitting_answer(sitting=sitting, item=item, selected=[0]),
        lambda: services.save_sitting_answer(sitting=sitting, item=item, selected=[2]),
    )
    assert SittingAnswer.objects.filter(sitting=sitting).count() == 1
    assert SittingAnswer.objects.get(sitting=sitting).selected_mask in (1, 4)
