from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from nearpeer.members.tests.factories import UserFactory, committee
from nearpeer.questions import services
from nearpeer.questions.models import PaperStatus, ReviewCard, Sitting, SittingAnswer

from .factories import make_question, tag


@pytest.fixture
def paper(db):
    cardio, neuro = tag("Cardiology"), tag("Neurology")
    for _ in range(3):
        make_question(tags=[cardio])
        make_question(tags=[neuro])
    paper = services.build_paper_from_blueprint(
        title="Year 3 mock", by=committee(), blueprint={cardio: 2, neuro: 1}, duration_minutes=30
    )
    services.set_paper_status(paper=paper, status=PaperStatus.OPEN)
    return paper


@pytest.mark.django_db
def test_blueprint_draws_so_many_per_specialty(paper):
    names = [
        [t.name for t in item.question.tags.all()] for item in paper.items.order_by("position")
    ]
    assert sorted(n[0] for n in names) == ["Cardiology", "Cardiology", "Neurology"]
    assert all(item.version_id == item.question.published_version_id for item in paper.items.all())


@pytest.mark.django_db
def test_blueprint_asking_too_many_names_the_specialty():
    cardio = tag("Cardiology")
    make_question(tags=[cardio])
    with pytest.raises(ValidationError) as exc:
        services.build_paper_from_blueprint(
            title="Too big", by=committee(), blueprint={cardio: 5}, duration_minutes=10
        )
    assert exc.value.message_dict == {
        "Cardiology": ["Cardiology has 1 published questions; 5 asked for."]
    }


@pytest.mark.django_db
def test_autosave_then_reload_resumes_where_the_candidate_was(client, paper):
    candidate = UserFactory()
    client.force_login(candidate)
    start = client.post(reverse("questions:sitting-start", kwargs={"pk": paper.pk}))
    sitting = Sitting.objects.get(candidate=candidate)
    url = reverse("questions:sitting-detail", kwargs={"pk": sitting.pk})
    assert start.headers["Location"] == url
    # Question 1 answered with "Save and next", then an HTMX autosave on question 2.
    client.post(url + "?q=1", {"answer": "0", "goto": "2"})
    saved = client.post(url + "?q=2", {"answer": "2", "goto": "2"}, headers={"HX-Request": "true"})
    assert saved.content.decode().startswith("Saved at ")
    # A reload (a fresh GET without ?q) shows question 2 with option C still chosen.
    page = client.get(url).content.decode()
    assert "Question 2 of 3" in page
    assert 'value="2" id="answer-2" checked' in page
    assert dict(sitting.answers.values_list("item__position", "selected_mask")) == {1: 1, 2: 4}


@pytest.mark.django_db
def test_timer_runs_from_the_server_start_and_late_saves_are_refused(client, paper):
    candidate = UserFactory()
    sitting = services.start_sitting(paper=paper, candidate=candidate)
    Sitting.objects.filter(pk=sitting.pk).update(started_at=timezone.now() - timedelta(minutes=31))
    sitting.refresh_from_db()
    item = paper.items.first()
    with pytest.raises(ValidationError):
        services.save_sitting_answer(sitting=sitting, item=item, selected=[0])
    client.force_login(candidate)
    response = client.get(reverse("questions:sitting-detail", kwargs={"pk": sitting.pk}))
    sitting.refresh_from_db()
    assert response.headers["Location"] == reverse(
        "questions:sitting-result", kwargs={"pk": sitting.pk}
    )
    assert (sitting.finished, sitting.score) == (True, 0)


@pytest.mark.django_db
def test_submit_scores_and_puts_missed_questions_in_the_queue(paper):
    candidate = UserFactory()
    sitting = services.start_sitting(paper=paper, candidate=candidate)
    items = list(paper.items.order_by("position"))
    services.save_sitting_answer(sitting=sitting, item=items[0], selected=[0])  # right
    services.save_sitting_answer(sitting=sitting, item=items[1], selected=[1])  # wrong
    services.submit_sitting(sitting=sitting)
    sitting.refresh_from_db()
    queued = set(ReviewCard.objects.filter(member=candidate).values_list("question", flat=True))
    assert sitting.score == 1
    assert queued == {items[1].question_id, items[2].question_id}


@pytest.mark.django_db
def test_result_is_private_to_the_candidate(client, paper):
    candidate = UserFactory()
    sitting = services.submit_sitting(
        sitting=services.start_sitting(paper=paper, candidate=candidate)
    )
    url = reverse("questions:sitting-result", kwargs={"pk": sitting.pk})
    for other in (UserFactory(), committee()):
        client.force_login(other)
        assert client.get(url).status_code == 404
    client.force_login(candidate)
    assert "Only you can see this page." in client.get(url).content.decode()


@pytest.mark.django_db
def test_feedback_per_specialty(paper):
    sitting = services.start_sitting(paper=paper, candidate=UserFactory())
    for item in paper.items.all():
        if item.question.tags.get().name == "Cardiology":
            services.save_sitting_answer(sitting=sitting, item=item, selected=[0])
    services.submit_sitting(sitting=sitting)
    feedback = services.sitting_feedback(sitting)
    assert [(f["specialty"], f["correct"], f["total"]) for f in feedback] == [
        ("Cardiology", 2, 2), ("Neurology", 0, 1),
    ]  # fmt: skip


@pytest.mark.django_db
def test_item_analysis_page_waits_for_the_minimum_group(client, paper, settings):
    settings.NEARPEER_MIN_GROUP_SIZE = 3
    for n in range(3):
        sitting = services.start_sitting(paper=paper, candidate=UserFactory())
        if n < 2:
            services.save_sitting_answer(sitting=sitting, item=paper.items.first(), selected=[0])
        if n < 2:
            services.submit_sitting(sitting=sitting)
    client.force_login(committee())
    url = reverse("questions:paper-analysis", kwargs={"pk": paper.pk})
    assert "Item statistics appear from 3 candidates" in client.get(url).content.decode()
    services.submit_sitting(sitting=Sitting.objects.get(submitted_at__isnull=True))
    csv = client.get(url, {"format": "csv"}).content.decode().splitlines()
    assert csv[0] == "item,n,facility,discrimination,point_biserial,options,flags"
    assert csv[1].startswith("Q1,3,0.6667,")


@pytest.mark.django_db
def test_autosave_of_an_option_not_on_the_question_is_refused(paper):
    sitting = services.start_sitting(paper=paper, candidate=UserFactory())
    with pytest.raises(ValidationError):
        services.save_sitting_answer(sitting=sitting, item=paper.items.first(), selected=[7])
    assert SittingAnswer.objects.count() == 0
