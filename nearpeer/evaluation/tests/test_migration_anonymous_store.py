"""The data migration moves "who responded" into keyed-hash markers and rewrites the existing
native responses, shuffled, with fresh keys, keeping their codings."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from nearpeer.anonymity import store
from nearpeer.evaluation.models import Answer, Coding, Response, Survey

BEFORE = [("evaluation", "0001_surveys_coding_value"), ("anonymity", "0001_anonymous_answer_store")]


@pytest.mark.django_db(transaction=True)
def test_respondents_become_markers_and_responses_get_new_keys():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("members", "User")
    OldSurvey = old.get_model("evaluation", "Survey")
    OldQuestion = old.get_model("evaluation", "Question")
    OldResponse = old.get_model("evaluation", "Response")
    OldAnswer = old.get_model("evaluation", "Answer")
    OldCode = old.get_model("evaluation", "Code")
    OldCoding = old.get_model("evaluation", "Coding")
    Respondent = old.get_model("evaluation", "Respondent")
    survey = OldSurvey.objects.create(title="Old", slug="old")
    question = OldQuestion.objects.create(survey=survey, qid="Q1", text="Why?", kind="text")
    code = OldCode.objects.create(survey=survey, name="Time")
    users = [User.objects.create(email=f"u{i}@example.ac.uk", name=f"U {i}") for i in range(6)]
    old_ids = []
    for i, user in enumerate(users):
        Respondent.objects.create(survey=survey, user=user)
        response = OldResponse.objects.create(survey=survey)
        old_ids.append(response.pk)
        answer = OldAnswer.objects.create(response=response, question=question, value=f"text {i}")
        if i < 2:
            OldCoding.objects.create(code=code, coder="lead", answer=answer, end=4)
    imported = OldResponse.objects.create(survey=survey, external_id="R_1")

    executor = MigrationExecutor(connection)
    executor.migrate(latest)

    from nearpeer.members.models import User as CurrentUser

    survey = Survey.objects.get(slug="old")
    scope = f"survey:{survey.pk}"
    assert store.respondent_count(scope=scope) == 6
    assert all(store.has_answered(scope=scope, user=u) for u in CurrentUser.objects.all())
    native = set(Response.objects.filter(external_id="").values_list("pk", flat=True))
    assert len(native) == 6 and not native & set(old_ids)
    assert Response.objects.filter(external_id="R_1").get().pk == imported.pk
    assert sorted(Answer.objects.values_list("value", flat=True)) == [f"text {i}" for i in range(6)]
    assert sorted(Coding.objects.values_list("answer__value", flat=True)) == ["text 0", "text 1"]
