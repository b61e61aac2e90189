"""With a copy of the database, who gave which feedback answer? Thirty attendees answer in a known
order (the worst case: the attacker watched the room); each answer carries a random token the
scorer alone uses. The attacker orders the stored answers by everything a copy shows — SQLite
rowid and byte position in the file; PostgreSQL ctid, xmin and pg_dump order — and pairs the
i-th person with the i-th answer. With the store's shuffled batches they may do no better than
a guesser who knows only which batch each answer is in; the control run with batches of one
(answers written as they come) shows the same script linking.

The same design as the evaluation app's linkage test, aimed at teachers.FeedbackAnswer."""

import json
import re
import secrets
import sqlite3
import subprocess

import pytest
from django.db import connection

from nearpeer.anonymity.tests.attacker import best, chance_bound
from nearpeer.members.tests.factories import UserFactory, teacher
from nearpeer.teachers import services
from nearpeer.teachers.models import FeedbackAnswer
from nearpeer.teachers.tests.factories import past_session

PEOPLE = 30
TABLE = FeedbackAnswer._meta.db_table


def _token_of(answers) -> str:
    data = json.loads(answers) if isinstance(answers, str) else answers
    return next(a["value"] for a in data if a["key"] == "good")


def _arrange(settings, batch: int):
    settings.NEARPEER_MIN_GROUP_SIZE = min(batch, 5)
    settings.NEARPEER_ANONYMITY_BATCH_SIZE = batch
    settings.NEARPEER_FEEDBACK_MIN_ANSWERS = 3
    people = [UserFactory(year=2) for _ in range(PEOPLE)]
    session = past_session(teachers=[teacher()], attendees=people)
    tokens = [secrets.token_hex(8) for _ in people]
    for person, token in zip(people, tokens, strict=True):
        services.submit_feedback(session=session, user=person, values={"overall": 4, "good": token})
    by_token = {_token_of(a.answers): a.pk.hex for a in FeedbackAnswer.objects.all()}
    assert len(by_token) == PEOPLE  # everything flushed
    return tokens, [by_token[t] for t in tokens]


def _bound(batch: int) -> int:
    return chance_bound([PEOPLE] if batch == 1 else [batch] * (PEOPLE // batch))


def _judge(batch: int, name: str, correct: int) -> None:
    print(f"\nfeedback linkage, batches of {batch}: best {name!r} {correct}/{PEOPLE}")
    if batch == 1:  # control: answers written one by one are linked by the same script
        assert correct > _bound(batch), f"the attack found nothing: {name} {correct}"
    else:
        assert correct <= _bound(batch), f"{name} linked {correct} of {PEOPLE}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("batch", [1, 5, 30])
def test_sqlite_file_links_feedback_no_better_than_chance(settings, tmp_path, batch):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite file attack")
    tokens, truth = _arrange(settings, batch)
    path = tmp_path / "copy.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)  # the file, page for page
    target.close()
    raw = path.read_bytes()
    db = sqlite3.connect(path)
    rows = db.execute(f"SELECT rowid, id, answers FROM {TABLE}").fetchall()  # noqa: S608
    db.close()
    ids = {_token_of(a): i for _, i, a in rows}
    first = {i: raw.find(t.encode()) for t, i in ids.items()}
    last = {i: raw.rfind(t.encode()) for t, i in ids.items()}

    name, correct = best(
        {
            "rowid": [i for _, i, _ in sorted(rows)],
            "id": sorted(ids.values()),
            "file position (first copy)": sorted(first, key=first.get),
            "file position (last copy)": sorted(last, key=last.get),
        },
        truth,
    )

    assert set(tokens) == set(ids)
    _judge(batch, name, correct)


def _ctid(text: str) -> tuple[int, int]:
    page, item = text.strip("()").split(",")
    return int(page), int(item)


def _pg_dump_ids() -> list[str]:
    s = connection.settings_dict
    args = ["pg_dump", "--data-only", "--no-owner", "-d", s["NAME"], "-t", TABLE]
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if s.get(key):
            args += [flag, str(s[key])]
    env = {"PGPASSWORD": s.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(args, capture_output=True, text=True, check=True, env=env, timeout=60)
    rows, inside = [], False
    for line in out.stdout.splitlines():
        if re.match(rf"COPY public\.{TABLE} ", line):
            inside = True
        elif line == "\\.":
            inside = False
        elif inside:
            rows.append(line.split("\t", 1)[0].replace("-", ""))
    return rows


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("batch", [1, 5, 30])
def test_postgres_sql_and_dump_link_feedback_no_better_than_chance(settings, batch):
    _, truth = _arrange(settings, batch)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id::text, xmin::text::bigint, ctid::text FROM {TABLE}")  # noqa: S608
        rows = [(i.replace("-", ""), x, _ctid(c)) for i, x, c in cursor.fetchall()]

    name, correct = best(
        {
            "ctid": [i for i, _, c in sorted(rows, key=lambda r: r[2])],
            "xmin, then ctid": [i for i, _, _ in sorted(rows, key=lambda r: (r[1], r[2]))],
            "id": sorted(i for i, _, _ in rows),
            "pg_dump order": _pg_dump_ids(),
        },
        truth,
    )

    _judge(batch, name, correct)
