from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from fsrs import Card, Rating, Scheduler

from nearpeer.members.tests.factories import UserFactory
from nearpeer.notifications.models import Category, Notification
from nearpeer.questions import services
from nearpeer.questions.models import Attempt, CommentKind, ReviewCard, Status
from nearpeer.questions.services import Confidence, answer_question, rate_question

from .factories import make_question

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_wrong_answer_is_due_sooner_than_right_and_sure():
    member = UserFactory()
    wrong_q, right_q = make_question(), make_question()
    answer_question(member=member, question=wrong_q, selected=[1], confidence=3, when=NOW)
    answer_question(member=member, question=right_q, selected=[0], confidence=3, when=NOW)
    wrong = ReviewCard.objects.get(member=member, question=wrong_q)
    right = ReviewCard.objects.get(member=member, question=right_q)
    # The library's own schedule for the same ratings, computed independently here.
    scheduler = Scheduler(desired_retention=0.9, enable_fuzzing=False)
    again, _ = scheduler.review_card(Card(), Rating.Again, review_datetime=NOW)
    easy, _ = scheduler.review_card(Card(), Rating.Easy, review_datetime=NOW)
    assert (wrong.due, right.due) == (again.due, easy.due)
    assert wrong.due < right.due


@pytest.mark.parametrize(
    ("correct", "confidence", "rating"),
    [
        (False, Confidence.CERTAIN, Rating.Again),
        (False, Confidence.GUESS, Rating.Again),
        (True, Confidence.GUESS, Rating.Hard),
        (True, Confidence.FAIRLY_SURE, Rating.Good),
        (True, Confidence.CERTAIN, Rating.Easy),
    ],
)
def test_rating_from_correctness_and_confidence(correct, confidence, rating):
    assert services.rating_for(correct=correct, confidence=confidence) == rating


@pytest.mark.django_db
def test_desired_retention_changes_the_interval():
    relaxed, keen = UserFactory(), UserFactory()
    services.set_desired_retention(member=relaxed, retention=0.8)
    services.set_desired_retention(member=keen, retention=0.95)
    question = make_question()
    for member in (relaxed, keen):
        answer_question(member=member, question=question, selected=[0], confidence=3, when=NOW)
    due = {c.member_id: c.due for c in ReviewCard.objects.filter(question=question)}
    assert due[keen.pk] < due[relaxed.pk]


@pytest.mark.django_db
def test_add_to_review_queue_makes_the_question_due_soon():
    member = UserFactory()
    question = make_question()
    card = services.add_to_review_queue(member=member, question=question, when=NOW)
    assert card.due == NOW + timedelta(minutes=1)
    assert services.next_due_question(member=member, now=NOW + timedelta(minutes=2)) == question
    assert services.next_due_question(member=member, now=NOW) is None


@pytest.mark.django_db
def test_editing_a_published_question_makes_a_new_version_and_attempts_keep_theirs():
    question = make_question()
    member = UserFactory()
    attempt = answer_question(member=member, question=question, selected=[0], confidence=2)
    first = question.published_version
    services.save_question(
        author=question.author, question=question,
        content={"title": "Inferior STEMI (revised)", "qtype": "single", "stem": "Revised stem",
                 "options": [{"text": t, "correct": i == 1} for i, t in enumerate("WXYZ")],
                 "explanation": "Revised."},
        tags=list(question.tags.all()), years=[3],
    )  # fmt: skip
    question.refresh_from_db()
    attempt.refresh_from_db()
    assert question.latest_version.number == 2
    assert (question.status, question.published_version) == (Status.DRAFT, first)
    assert (attempt.version, attempt.correct) == (first, True)
    # Members keep practising version 1 until version 2 is published.
    second = answer_question(member=member, question=question, selected=[0], confidence=2)
    assert (second.version, second.correct) == (first, True)


@pytest.mark.django_db
def test_practise_answer_shows_explanation_and_distribution(client):
    question = make_question(explanation="Because leads II, III and aVF face the inferior wall.")
    others = [UserFactory() for _ in range(4)]
    for member, choice in zip(others, [0, 0, 2, 1], strict=True):
        answer_question(member=member, question=question, selected=[choice], confidence=2)
    me = UserFactory()
    client.force_login(me)
    url = reverse("questions:question-practise", kwargs={"pk": question.pk})
    response = client.post(url, {"answer": "2", "confidence": "1"}, follow=True)
    attempt = Attempt.objects.get(member=me)
    html = response.content.decode()
    assert response.redirect_chain == [
        (reverse("questions:attempt-detail", kwargs={"pk": attempt.pk}), 302)
    ]
    assert "Not quite: the answer is A; you chose C." in html
    assert "Because leads II, III and aVF face the inferior wall." in html
    # 5 answers: two chose A, two chose C, one chose B.
    assert html.count('40% <span class="muted">(2)</span>') == 2
    assert html.count('20% <span class="muted">(1)</span>') == 1


@pytest.mark.django_db
def test_distribution_and_ratings_are_withheld_until_enough_members_answered(client, settings):
    settings.NEARPEER_MIN_GROUP_SIZE = 5
    question = make_question()
    for choice in [0, 0, 2]:
        member = UserFactory()
        answer_question(member=member, question=question, selected=[choice], confidence=2)
        rate_question(member=member, question=question, quality=1, difficulty=5)
    me = UserFactory()
    # Answering twice does not make one member count as two.
    answer_question(member=me, question=question, selected=[1], confidence=2)
    attempt = answer_question(member=me, question=question, selected=[1], confidence=2)
    client.force_login(me)

    response = client.get(reverse("questions:attempt-detail", kwargs={"pk": attempt.pk}))
    html = response.content.decode()

    assert [(r["count"], r["share"]) for r in response.context["distribution"]] == [
        (None, None)
    ] * 4
    assert response.context["rating"] == {"n": 3, "quality": None, "difficulty": None}
    assert "Shown once 5 members have answered" in html
    assert "/5 (3 ratings)" not in html


@pytest.mark.django_db
def test_attempt_of_someone_else_answers_404(client):
    attempt = answer_question(
        member=UserFactory(), question=make_question(), selected=[0], confidence=2
    )
    client.force_login(UserFactory())
    response = client.get(reverse("questions:attempt-detail", kwargs={"pk": attempt.pk}))
    assert response.status_code == 404


@pytest.mark.django_db
def test_flag_notifies_the_author_without_naming_the_reporter(client):
    question = make_question()
    reporter = UserFactory(name="Rita Reporter")
    client.force_login(reporter)
    response = client.post(
        reverse("questions:question-flag", kwargs={"pk": question.pk}),
        {"reason": "The key should be B: circumflex in left-dominant hearts."},
    )
    note = Notification.objects.get(recipient=question.author)
    assert response.headers["Location"] == reverse("questions:home")
    assert (note.category, note.body) == (
        Category.QUESTIONS, "The key should be B: circumflex in left-dominant hearts.",
    )  # fmt: skip
    assert "Rita" not in note.title + note.body
    assert question.comments.get().kind == CommentKind.FLAG


@pytest.mark.django_db
def test_rating_is_one_per_member_and_updates(client):
    question = make_question()
    member = UserFactory()
    attempt = answer_question(member=member, question=question, selected=[0], confidence=2)
    client.force_login(member)
    url = reverse("questions:question-rate", kwargs={"pk": question.pk})
    client.post(url, {"quality": "4", "difficulty": "2", "attempt": attempt.pk})
    response = client.post(
        url, {"quality": "5", "difficulty": "3", "attempt": attempt.pk, "body": "Great vignette"}
    )
    rating = question.ratings.get()
    assert (rating.quality, rating.difficulty) == (5, 3)
    assert response.headers["Location"] == reverse(
        "questions:attempt-detail", kwargs={"pk": attempt.pk}
    )
    assert question.comments.get(kind=CommentKind.PRACTICE).body == "Great vignette"


@pytest.mark.django_db
def test_queue_next_goes_to_the_due_question(client):
    member = UserFactory()
    question = make_question()
    services.add_to_review_queue(member=member, question=question, when=NOW)
    client.force_login(member)
    response = client.get(reverse("questions:queue-next"))
    assert response.headers["Location"] == (
        reverse("questions:question-practise", kwargs={"pk": question.pk}) + "?from=queue"
    )


@pytest.mark.django_db
def test_practice_filters_by_tag_and_year(client):
    from .factories import tag

    cardio = make_question(tags=[tag("Cardiology")], years=[3])
    make_question(tags=[tag("Neurology")], years=[3])
    make_question(tags=[tag("Cardiology")], years=[1])
    client.force_login(UserFactory())
    response = client.get(
        reverse("questions:practice-next"), {"specialty": tag("Cardiology").pk, "year": 3}
    )
    assert response.headers["Location"] == reverse(
        "questions:question-practise", kwargs={"pk": cardio.pk}
    )


@pytest.mark.django_db
def test_unpublished_question_cannot_be_practised(client):
    question = make_question(status=Status.SUBMITTED)
    client.force_login(UserFactory())
    response = client.get(reverse("questions:question-practise", kwargs={"pk": question.pk}))
    assert response.status_code == 404


@pytest.mark.django_db
def test_write_question_form_rejects_two_keys_in_single_best_answer(client):
    from .factories import tag

    client.force_login(UserFactory())
    data = {
        "title": "Diaphragm", "qtype": "single", "stem": "Which nerve?", "explanation": "Phrenic.",
        "specialty": [tag("Anatomy").pk],
        "option_0": "Phrenic", "correct_0": "on", "option_1": "C3-5", "correct_1": "on",
        "option_2": "Vagus",
    }  # fmt: skip
    response = client.post(reverse("questions:question-create"), data)
    assert "A single-best-answer question needs exactly one key, found 2." in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_image_upload_is_checked_by_content(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .factories import tag

    client.force_login(UserFactory())
    data = {
        "title": "ECG", "qtype": "single", "stem": "See the image.", "explanation": "RCA.",
        "specialty": [tag().pk], "option_0": "A", "correct_0": "on", "option_1": "B",
        "option_2": "C", "image_alt": "A 12-lead ECG",
        "image": SimpleUploadedFile("ecg.png", b"<script>alert(1)</script>", "image/png"),
    }  # fmt: skip
    response = client.post(reverse("questions:question-create"), data)
    assert "The file is not a PNG, JPEG, GIF or WebP image." in response.content.decode()
