"""Data: move "who responded" into the anonymity store, and rewrite the existing native
responses in shuffled order with fresh random keys.

Before this, a Respondent row held the user and was written in the same transaction as the
response, so transaction ids, physical order and backups paired them. Each Respondent becomes
the store's keyed-hash marker for scope `survey:<id>`; each survey's native responses (those
not imported) are copied, shuffled, to new rows and the old rows deleted, with their codings
moved along. SQLite overwrites the deleted rows (secure_delete); on PostgreSQL run VACUUM
(FULL) after migrating so their dead tuples go, and discard older backups (docs/security.md).
"""

import secrets
from types import SimpleNamespace

from django.db import migrations


def _random_id() -> int:
    return secrets.randbits(52) + 1


def move_respondents_to_markers(apps, schema_editor):
    from nearpeer.anonymity.store import answer_marker

    Respondent = apps.get_model("evaluation", "Respondent")
    Marker = apps.get_model("anonymity", "Marker")
    pairs = list(Respondent.objects.values_list("survey_id", "user_id"))
    secrets.SystemRandom().shuffle(pairs)
    markers = []
    for survey_id, user_id in pairs:
        scope = f"survey:{survey_id}"
        user = SimpleNamespace(pk=user_id)
        markers.append(
            Marker(id=_random_id(), scope=scope, digest=answer_marker(scope=scope, user=user))
        )
    Marker.objects.bulk_create(markers, batch_size=1000, ignore_conflicts=True)
    Respondent.objects.all().delete()


def reshuffle_native_responses(apps, schema_editor):
    Response = apps.get_model("evaluation", "Response")
    Answer = apps.get_model("evaluation", "Answer")
    Coding = apps.get_model("evaluation", "Coding")
    rng = secrets.SystemRandom()
    for survey_id in (
        Response.objects.filter(external_id="").values_list("survey_id", flat=True).distinct()
    ):
        old = list(Response.objects.filter(survey_id=survey_id, external_id=""))
        rng.shuffle(old)
        answers_by_response = {}
        for answer in Answer.objects.filter(response__in=old):
            answers_by_response.setdefault(answer.response_id, []).append(answer)
        new_responses, new_answers, answer_map = [], [], {}
        for response in old:
            fresh = Response(
                id=_random_id(), survey_id=survey_id, external_id="", week=response.week
            )
            new_responses.append(fresh)
            for answer in answers_by_response.get(response.pk, []):
                copy = Answer(
                    id=_random_id(),
                    response=fresh,
                    question_id=answer.question_id,
                    value=answer.value,
                )
                answer_map[answer.pk] = copy
                new_answers.append(copy)
        Response.objects.bulk_create(new_responses, batch_size=1000)
        Answer.objects.bulk_create(new_answers, batch_size=1000)
        codings = list(Coding.objects.filter(answer_id__in=list(answer_map)))
        for coding in codings:
            coding.answer_id = answer_map[coding.answer_id].pk
        Coding.objects.bulk_update(codings, ["answer"], batch_size=1000)
        Response.objects.filter(pk__in=[r.pk for r in old]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("anonymity", "0001_anonymous_answer_store"),
        ("evaluation", "0001_surveys_coding_value"),
    ]

    operations = [
        # Markers cannot be turned back into user ids: going back leaves "who responded" empty.
        migrations.RunPython(move_respondents_to_markers, migrations.RunPython.noop),
        migrations.RunPython(reshuffle_native_responses, migrations.RunPython.noop),
    ]
