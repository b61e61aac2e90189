"""Finding 3: with the database in hand, who gave which answer? Thirty members answer in a known
order; the attacker's script (linkage.py) tries ids, rowids, physical positions, `xmin`,
`ctid`, `pg_dump` order and the week, and may do no better than chance. A control run with
batches of one (what writing each answer at once amounted to) shows the same script linking.

Chance: the store writes answers in shuffled batches, so an attacker may learn which batch an
answer is in, nothing inside it. `chance_bound` is the number of correct pairs that a guesser
knowing only the batches exceeds with probability below one in a million (9 of 30 with one
batch of 30; 21 of 30 with six batches of 5, whose mean is 6)."""

import pytest
from django.db import connection

from nearpeer.anonymity import store
from nearpeer.anonymity.models import Marker, PendingAnswer
from nearpeer.anonymity.tests.attacker import best, chance_bound, score
from nearpeer.evaluation import services
from nearpeer.evaluation.models import Survey
from nearpeer.members.tests.factories import UserFactory

from .linkage import (
    answer_in_order,
    copy_sqlite_file,
    open_pending_with_key,
    postgres_strategies,
    reveal_truth,
    sqlite_strategies,
    who_answered_with_key,
)

MEMBERS = 30


def _survey() -> Survey:
    survey = Survey.objects.create(title="Linkage", slug="linkage", audience_years_mask=1 << 2)
    services.add_question(survey=survey, kind="text", text="Anything else?", options=[])
    return survey


def _arrange(settings, batch: int):
    settings.NEARPEER_MIN_GROUP_SIZE = min(batch, 5)
    settings.NEARPEER_ANONYMITY_BATCH_SIZE = batch
    survey = _survey()
    members = [UserFactory(year=2) for _ in range(MEMBERS)]
    scenario = answer_in_order(survey, members)
    assert store.pending_count(scope=services.survey_scope(survey)) == 0
    reveal_truth(scenario)
    return scenario


def _report(db: str, batch: int, name: str, correct: int, bound: int) -> None:
    print(f"\nlinkage {db}, batches of {batch}: best strategy {name!r} {correct}/{MEMBERS}")
    print(f"  chance bound {bound}/{MEMBERS}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("batch", [1, 5, 30])
def test_sqlite_file_links_no_better_than_chance(settings, tmp_path, batch):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite file attack")
    scenario = _arrange(settings, batch)
    path = tmp_path / "copy.sqlite3"
    copy_sqlite_file(path)

    name, correct = best(sqlite_strategies(path, scenario.survey.pk), scenario.truth)

    bound = chance_bound([MEMBERS] if batch == 1 else [batch] * (MEMBERS // batch))
    _report("sqlite", batch, name, correct, bound)
    if batch == 1:  # control: answers written one by one are linked by the same script
        assert correct > bound, f"the attack found nothing: {name} {correct}"
    else:
        assert correct <= bound, f"{name} linked {correct} of {MEMBERS}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("batch", [1, 5, 30])
def test_postgres_sql_and_dump_link_no_better_than_chance(settings, batch):
    scenario = _arrange(settings, batch)

    name, correct = best(postgres_strategies(scenario.survey.pk), scenario.truth)

    bound = chance_bound([MEMBERS] if batch == 1 else [batch] * (MEMBERS // batch))
    _report("postgres", batch, name, correct, bound)
    if batch == 1:
        assert correct > bound, f"the attack found nothing: {name} {correct}"
    else:
        assert correct <= bound, f"{name} linked {correct} of {MEMBERS}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "vendor", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_with_the_key_who_answered_and_pending_answers_are_exposed(settings, tmp_path, vendor):
    """Not a promise: a measurement of what the key holder learns (docs/security.md)."""
    if connection.vendor != vendor:
        pytest.skip(f"runs on {vendor}")
    scenario = _arrange(settings, 5)
    bystanders = [UserFactory(year=2) for _ in range(5)]
    late = [UserFactory(year=2) for _ in range(3)]
    late_scenario = answer_in_order(scenario.survey, late)
    scope = services.survey_scope(scenario.survey)

    found = who_answered_with_key(scenario.survey, scenario.members + bystanders + late)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT xmin::text::bigint, sealed FROM anonymity_pendinganswer WHERE scope = %s",
                [scope],
            )
            rows = [(xmin, bytes(sealed)) for xmin, sealed in cursor.fetchall()]
        how = "xmin"
    else:
        raw = copy_sqlite_file(tmp_path / "copy.sqlite3")
        rows = [
            (raw.find(bytes(sealed)), bytes(sealed))
            for sealed in PendingAnswer.objects.filter(scope=scope).values_list("sealed", flat=True)
        ]
        how = "file position"
    opened = open_pending_with_key(scope, rows)
    guessed = [opened[key]["answers"] for key in sorted(opened)]
    tokens = [next(iter(a.values()))[0] for a in guessed]
    linked = score(tokens, late_scenario.tokens)
    name, flushed = best(
        postgres_strategies(scenario.survey.pk)
        if connection.vendor == "postgresql"
        else sqlite_strategies(tmp_path / "copy.sqlite3", scenario.survey.pk),
        scenario.truth,
    )

    print(f"\nwith the key ({connection.vendor}): who answered {len(found)}/{MEMBERS + 3} found,")
    print(f"  {linked}/3 pending answers linked by {how}; flushed {flushed}/{MEMBERS} ({name})")
    assert found == {m.pk for m in scenario.members + late}
    assert Marker.objects.filter(scope=scope).count() == MEMBERS + 3
    assert flushed <= chance_bound([5] * (MEMBERS // 5))


@pytest.mark.django_db(transaction=True)
def test_sqlite_overwrites_a_flushed_answers_sealed_copy(settings, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite file")
    survey = _survey()
    scenario = answer_in_order(survey, [UserFactory(year=2)])
    scope = services.survey_scope(survey)
    (sealed,) = [bytes(s) for s in PendingAnswer.objects.values_list("sealed", flat=True)]
    held = copy_sqlite_file(tmp_path / "held.sqlite3")

    store.close(scope=scope)

    flushed = copy_sqlite_file(tmp_path / "flushed.sqlite3")
    assert sealed in held and scenario.tokens[0].encode() not in held
    assert sealed not in flushed and scenario.tokens[0].encode() in flushed
