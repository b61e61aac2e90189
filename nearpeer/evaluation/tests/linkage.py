"""An attacker's script against a copy of the database, for the linkage tests.

Known to the attacker (worst case): the order in which members answered, and everything in the
database copy: the SQLite file byte for byte, or full SQL on PostgreSQL (`xmin`, `ctid`) and a
`pg_dump`. Goal: say which response is whose. Each strategy orders the survey's responses;
the member who answered i-th is paired with the i-th response. Scoring counts correct pairs.
The scorer alone knows the truth (each member's answer text is a random token).
"""

import re
import secrets
import sqlite3
import subprocess
from dataclasses import dataclass, field

from django.db import connection

from nearpeer.anonymity import store
from nearpeer.evaluation import services
from nearpeer.evaluation.models import Answer


@dataclass
class Scenario:
    survey: object
    members: list  # in the order they answered
    tokens: list[str]
    truth: list[int] = field(default_factory=list)  # response id of the i-th member


def answer_in_order(survey, members) -> Scenario:
    """Each member answers the free-text question with a random token, in the given order."""
    text_q = survey.questions.get(kind="text")
    tokens = [secrets.token_hex(8) for _ in members]
    for member, token in zip(members, tokens, strict=True):
        services.submit_response(
            survey=survey, user=member, answers={text_q.pk: [token]}, consented=True
        )
    return Scenario(survey, members, tokens)


def reveal_truth(scenario: Scenario) -> None:
    by_token = dict(
        Answer.objects.filter(value__in=scenario.tokens).values_list("value", "response_id")
    )
    scenario.truth = [by_token[t] for t in scenario.tokens]


# --- SQLite: the database file ------------------------------------------------------------------


def copy_sqlite_file(path) -> bytes:
    """The database as a file, page for page (SQLite's backup API copies pages verbatim)."""
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return path.read_bytes()


def sqlite_strategies(path, survey_id: int) -> dict[str, list[int]]:
    raw = path.read_bytes()
    db = sqlite3.connect(path)
    responses = [
        r
        for (r,) in db.execute(
            "SELECT id FROM evaluation_response WHERE survey_id = ?", [survey_id]
        )
    ]
    text = db.execute(
        "SELECT a.id, a.value, a.response_id FROM evaluation_answer a "
        "JOIN evaluation_question q ON q.id = a.question_id "
        "WHERE q.survey_id = ? AND q.kind = 'text'",
        [survey_id],
    ).fetchall()
    db.close()
    first = {r: raw.find(v.encode()) for _, v, r in text}
    last = {r: raw.rfind(v.encode()) for _, v, r in text}
    return {
        "response rowid": sorted(responses),
        "answer rowid": [r for _, _, r in sorted(text)],
        "file position (first copy)": sorted(first, key=first.get),
        "file position (last copy)": sorted(last, key=last.get),
    }


def sqlite_positions(raw: bytes, needles: dict) -> dict:
    return {key: raw.find(needle) for key, needle in needles.items()}


# --- PostgreSQL: SQL and pg_dump ----------------------------------------------------------------


def _ctid(text: str) -> tuple[int, int]:
    page, item = text.strip("()").split(",")
    return int(page), int(item)


def postgres_strategies(survey_id: int) -> dict[str, list[int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, xmin::text::bigint, ctid::text FROM evaluation_response "
            "WHERE survey_id = %s",
            [survey_id],
        )
        responses = cursor.fetchall()
        cursor.execute(
            "SELECT a.id, a.response_id, a.xmin::text::bigint, a.ctid::text "
            "FROM evaluation_answer a JOIN evaluation_question q ON q.id = a.question_id "
            "WHERE q.survey_id = %s AND q.kind = 'text'",
            [survey_id],
        )
        answers = cursor.fetchall()
    dump = pg_dump_order(["evaluation_response", "evaluation_answer"])
    ids = {r for r, _, _ in responses}
    answer_response = {a: r for a, r, _, _ in answers}
    return {
        "response id": sorted(ids),
        "response ctid": [r for r, _, c in sorted(responses, key=lambda t: _ctid(t[2]))],
        "response xmin, then ctid": [
            r for r, _, _ in sorted(responses, key=lambda t: (t[1], _ctid(t[2])))
        ],
        "answer ctid": [r for _, r, _, c in sorted(answers, key=lambda t: _ctid(t[3]))],
        "answer xmin, then id": [r for _, r, x, _ in sorted(answers, key=lambda t: (t[2], t[0]))],
        "pg_dump row order (responses)": [i for i in dump["evaluation_response"] if i in ids],
        "pg_dump row order (answers)": [
            answer_response[i] for i in dump["evaluation_answer"] if i in answer_response
        ],
    }


def pg_dump_order(tables: list[str]) -> dict[str, list[int]]:
    """First-column ids of each table's rows in the order `pg_dump` writes them."""
    settings = connection.settings_dict
    args = ["pg_dump", "--data-only", "--no-owner", "-d", settings["NAME"]]
    if settings.get("HOST"):
        args += ["-h", settings["HOST"]]
    if settings.get("PORT"):
        args += ["-p", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["-U", settings["USER"]]
    for table in tables:
        args += ["-t", table]
    env = {"PGPASSWORD": settings.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(args, capture_output=True, text=True, check=True, env=env, timeout=60)
    order: dict[str, list[int]] = {t: [] for t in tables}
    current = None
    for line in out.stdout.splitlines():
        match = re.match(r"COPY public\.(\w+) ", line)
        if match:
            current = match.group(1)
            continue
        if line == "\\.":
            current = None
        elif current in order:
            order[current].append(int(line.split("\t", 1)[0]))
    return order


# --- With the key -------------------------------------------------------------------------------


def who_answered_with_key(survey, candidates) -> set[int]:
    """Whoever holds the key computes every member's marker and looks it up."""
    return store.answered_user_ids(scope=services.survey_scope(survey), users=candidates)


def open_pending_with_key(scope: str, rows) -> dict:
    """rows: (row key, sealed bytes) → row key → answer payload."""
    return {key: store._open(scope, sealed) for key, sealed in rows}
