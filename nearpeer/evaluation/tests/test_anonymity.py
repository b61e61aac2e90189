"""Search every table and the logs for a distinctive answer; nothing may lead back to its author."""

import logging
import re

import pytest
from django.apps import apps
from django.db import models

from nearpeer.anonymity import store
from nearpeer.anonymity.models import Marker
from nearpeer.evaluation import services
from nearpeer.evaluation.models import Answer, InterviewVolunteer, Response
from nearpeer.members.models import User
from nearpeer.members.tests.factories import UserFactory

X = "zebra-quartz-7791 the recordings saved my term"


def _rows_containing(text: str):
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField))
        ]
        for field in fields:
            for row in model._default_manager.filter(**{f"{field.name}__contains": text}):
                yield model, row


def _user_links(row, user, depth=0) -> list[str]:
    """Every path from a row to the user through foreign keys, or a field holding their
    email/name/pk-as-text."""
    found = []
    for field in row._meta.concrete_fields:
        value = getattr(row, field.attname)
        if isinstance(field, models.ForeignKey):
            if field.related_model is User and value == user.pk:
                found.append(f"{row._meta.label}.{field.name}")
            elif value is not None and depth < 3:
                found += _user_links(getattr(row, field.name), user, depth + 1)
        elif isinstance(value, str) and (user.email in value or user.name in value):
            found.append(f"{row._meta.label}.{field.name}")
    return found


@pytest.mark.django_db
def test_distinctive_answer_cannot_be_linked_to_its_author(open_survey, client, caplog):
    author = UserFactory(year=2, email="author@example.ac.uk", name="Author Person")
    others = [UserFactory(year=2) for _ in range(3)]
    text_q = open_survey.questions.get(kind="text")
    client.force_login(author)
    caplog.set_level(logging.DEBUG)

    response = client.post(
        f"/evaluation/surveys/{open_survey.slug}/answer/",
        {f"q{text_q.pk}": X, f"q{open_survey.questions.get(kind='likert').pk}": "4"},
        REMOTE_ADDR="203.0.113.77",
    )
    for other in others:
        services.submit_response(
            survey=open_survey, user=other, answers={text_q.pk: ["fine"]}, consented=True
        )
    held_back = list(_rows_containing(X))
    services.close_survey(survey=open_survey)

    assert response.status_code == 302
    # Sealed while its batch fills: the text is nowhere in the database.
    assert held_back == []
    hits = list(_rows_containing(X))
    assert [m._meta.label for m, _ in hits] == ["evaluation.Answer"]
    assert _user_links(hits[0][1], author) == []
    assert not any(_rows_containing("203.0.113.77"))
    log_text = "\n".join(r.getMessage() + " " + repr(r.__dict__) for r in caplog.records)
    assert X not in log_text
    assert not re.search(r"author@example\.ac\.uk.*(zebra|recordings)", log_text)
    # Who answered is recorded apart, as a keyed hash of survey and person: no user column.
    assert services.has_responded(survey=open_survey, user=author)
    assert Marker.objects.filter(scope=services.survey_scope(open_survey)).count() == 4
    assert {f.name for f in Marker._meta.concrete_fields} == {"id", "scope", "digest"}
    assert {f.name for f in Response._meta.concrete_fields} == {
        "id",
        "survey",
        "external_id",
        "week",
    }
    assert all(type(f) is not models.DateTimeField for f in Response._meta.concrete_fields)


@pytest.mark.django_db
def test_answers_appear_only_as_a_whole_batch_of_the_minimum_group_size(open_survey, settings):
    settings.NEARPEER_MIN_GROUP_SIZE = 5
    text_q = open_survey.questions.get(kind="text")
    people = [UserFactory(year=2) for _ in range(7)]
    visible = []
    for n, person in enumerate(people):
        services.submit_response(
            survey=open_survey, user=person, answers={text_q.pk: [f"answer {n}"]}, consented=True
        )
        visible.append(Response.objects.filter(survey=open_survey).count())

    # Nothing is readable until five have answered; then the five arrive together.
    assert visible == [0, 0, 0, 0, 5, 5, 5]
    assert store.pending_count(scope=services.survey_scope(open_survey)) == 2
    keys = list(Response.objects.values_list("pk", flat=True))
    assert min(keys) > 1000


@pytest.mark.django_db
def test_interview_volunteers_carry_no_date(open_survey):
    volunteer = services.volunteer_for_interview(
        survey=open_survey, user=UserFactory(year=2), availability="Tuesdays"
    )

    assert {f.name for f in InterviewVolunteer._meta.concrete_fields} == {
        "id",
        "survey",
        "user",
        "availability",
    }
    assert volunteer.availability == "Tuesdays"


@pytest.mark.django_db
def test_second_answer_by_the_same_member_is_refused(open_survey):
    member = UserFactory(year=2)
    text_q = open_survey.questions.get(kind="text")
    services.submit_response(
        survey=open_survey, user=member, answers={text_q.pk: ["one"]}, consented=True
    )

    with pytest.raises(services.AlreadyResponded):
        services.submit_response(
            survey=open_survey, user=member, answers={text_q.pk: ["two"]}, consented=True
        )

    assert store.pending_count(scope=services.survey_scope(open_survey)) == 1
    assert services.close_survey(survey=open_survey) == 1
    assert list(Answer.objects.values_list("value", flat=True)) == ["one"]


def _all_rows() -> dict[str, set]:
    """Every row of every table, as tuples of column values (the anonymity store's apart)."""
    from django.db import connection

    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table.startswith("anonymity_"):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows[table] = {tuple(map(repr, row)) for row in cursor.fetchall()}
    return rows


@pytest.mark.django_db
def test_answering_writes_nothing_but_the_stores_rows(open_survey, client):
    """Side channels: a session, notification, sign-in or "last active" row written at the
    moment someone answers would date the answer as well as a marker would."""
    member = UserFactory(year=2)
    client.force_login(member)
    likert = open_survey.questions.get(kind="likert")
    client.get(f"/evaluation/surveys/{open_survey.slug}/answer/")
    before = _all_rows()

    response = client.post(
        f"/evaluation/surveys/{open_survey.slug}/answer/", {f"q{likert.pk}": "4"}, follow=True
    )

    after = _all_rows()
    assert response.redirect_chain[0][1] == 302
    assert services.has_responded(survey=open_survey, user=member)
    assert {t for t in after if after[t] != before[t]} == set()
