"""Evaluation workflows: surveys and anonymous answers, imports, reports, coding, value report."""

import csv
import hashlib
import io
import logging
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from nearpeer.anonymity import store
from nearpeer.notifications.models import Category
from nearpeer.notifications.services import notify

from . import refi
from .agreement import CodeAgreement, agreement_by_code
from .models import (
    CONSENSUS,
    Answer,
    Code,
    Coding,
    InterviewVolunteer,
    Question,
    Response,
    ShownGroup,
    Survey,
    Transcript,
    coarse_week,
)
from .parsing import ParsedSurvey, ParseError
from .stats import ANSWERED, NO_ANSWER, GroupSpec, QuestionSpec, Report, grouped_report, parse_group
from .transcripts import read_transcript

log = logging.getLogger("nearpeer.evaluation")
TEXT_ANSWERED = ANSWERED
MAX_ANSWER_CHARS = 5000
LIKERT_OPTIONS = ["1", "2", "3", "4", "5"]
REPORT_CACHE_SECONDS = 600


# A second answer to the same survey (raised by the anonymity store).
AlreadyResponded = store.AlreadyAnswered


def survey_scope(survey: Survey) -> str:
    """The anonymity store's scope of a survey's answers."""
    return f"survey:{survey.pk}"


# --- Surveys ------------------------------------------------------------------------------------


@transaction.atomic
def add_question(
    *, survey: Survey, kind: str, text: str, options: list[str], required: bool = False
) -> Question:
    """Append a question with the next free id (Q1, Q2, …). Side effects: a Question row."""
    existing = set(survey.questions.values_list("qid", flat=True))
    n = len(existing) + 1
    while f"Q{n}" in existing:
        n += 1
    if kind == Question.Kind.LIKERT:
        options = LIKERT_OPTIONS
    elif kind == Question.Kind.TEXT:
        options = []
    elif len(options) < 2:
        raise ValidationError({"options": "Give at least two options, one per line."})
    position = (
        survey.questions.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    return Question.objects.create(
        survey=survey,
        qid=f"Q{n}",
        text=text,
        kind=kind,
        options=options,
        position=position,
        required=required,
    )


def has_responded(*, survey: Survey, user) -> bool:
    return store.has_answered(scope=survey_scope(survey), user=user)


@transaction.atomic
def submit_response(
    *, survey: Survey, user, answers: dict[int, list[str]], consented: bool
) -> None:
    """Hand one anonymous response to the anonymity store. `answers` maps question pk → values.

    Side effects: the store's marker (a keyed hash, not the user) and the sealed answer, held
    until its batch is flushed through write_survey_batch(); nothing else is written for the
    member at this moment (a row dated now would date the answer). Nothing about the answers
    is logged. Raises ValidationError, or AlreadyResponded on a second answer.
    """
    if not survey.is_open():
        raise ValidationError("This survey is not open.")
    if survey.consent_statement and not consented:
        raise ValidationError("Tick the consent statement to take part.")
    questions = {q.pk: q for q in survey.questions.all()}
    errors = {}
    for q in questions.values():
        values = [v for v in answers.get(q.pk, []) if v.strip()]
        if q.required and not values:
            errors[q.qid] = "This question needs an answer."
        if q.kind != Question.Kind.TEXT and any(v not in q.options for v in values):
            errors[q.qid] = "Choose one of the options."
        if q.kind in (Question.Kind.SINGLE, Question.Kind.LIKERT) and len(values) > 1:
            errors[q.qid] = "Choose one option."
        if any(len(v) > MAX_ANSWER_CHARS for v in values):
            errors[q.qid] = f"Keep answers under {MAX_ANSWER_CHARS} characters."
    if errors:
        raise ValidationError(errors)
    payload = {}
    for pk, values in answers.items():
        kept = [v for v in values if v.strip()]
        if pk in questions and kept:
            is_text = questions[pk].kind == Question.Kind.TEXT
            payload[str(pk)] = kept if is_text else [v.strip() for v in kept]
    # No log line either: a timestamped "answer stored" would date the answer.
    store.submit(scope=survey_scope(survey), user=user, payload={"answers": payload})


def write_survey_batch(scope: str, payloads: list[dict]) -> None:
    """The anonymity store's sink for `survey:<id>`: write a flushed batch as Response and
    Answer rows, in exactly the (shuffled) order given, with random keys, the week of the flush
    and no user. Answers to questions deleted meanwhile are dropped.

    Side effects: Response and Answer rows (inside the store's flushing transaction)."""
    survey = Survey.objects.get(pk=int(scope.removeprefix("survey:")))
    questions = {q.pk: q for q in survey.questions.all()}
    week = coarse_week()
    responses, answers = [], []
    for payload in payloads:
        response = Response(survey=survey, week=week)
        responses.append(response)
        for pk, values in payload.get("answers", {}).items():
            question = questions.get(int(pk))
            if question is not None:
                answers += [Answer(response=response, question=question, value=v) for v in values]
    Response.objects.bulk_create(responses)
    Answer.objects.bulk_create(answers, batch_size=2000)


def flush_if_closed(*, survey: Survey) -> int:
    """Once a survey has closed, write out the answers still held back (however few).
    Side effects: as store.close(); returns how many answers were written."""
    if survey.is_open() or not store.pending_count(scope=survey_scope(survey)):
        return 0
    return store.close(scope=survey_scope(survey))


@transaction.atomic
def close_survey(*, survey: Survey) -> int:
    """Close the survey now and write out the answers held back.
    Side effects: sets closes_at (and opens_at when it was later); store.close()."""
    now = timezone.now()
    if survey.is_open(now) or survey.closes_at is None or survey.closes_at > now:
        survey.closes_at = now
        if survey.opens_at and survey.opens_at > now:
            survey.opens_at = now
        survey.save(update_fields=["opens_at", "closes_at"])
    return store.close(scope=survey_scope(survey))


@transaction.atomic
def volunteer_for_interview(*, survey: Survey, user, availability: str) -> InterviewVolunteer:
    """Side effects: an InterviewVolunteer row (random key, no date), or the existing one."""
    volunteer, _ = InterviewVolunteer.objects.get_or_create(
        survey=survey, user=user, defaults={"availability": availability[:300]}
    )
    return volunteer


def send_reminders(*, survey: Survey, everyone: bool = False) -> int:
    """Remind the audience members who have not answered yet (found through the store's
    markers), or, with `everyone`, the whole audience with a wording that suits both.

    A reminder is stored per recipient, so reminding only those who have not answered leaves,
    in the database, who had answered by then (not what). Reminding everyone leaves nothing.

    Side effects: in-app notifications (and emails by preference) through notify().
    """
    if not survey.is_open():
        return 0
    audience = list(survey.audience().distinct())
    if everyone:
        recipients = audience
        body = (
            "If you have not answered yet, your answers are anonymous and help the society plan"
            " next year. If you have, thank you: there is nothing more to do."
        )
    else:
        answered = store.answered_user_ids(scope=survey_scope(survey), users=audience)
        recipients = [member for member in audience if member.pk not in answered]
        body = "Your answers are anonymous and help the society plan next year."
    return notify(
        recipients=recipients,
        category=Category.SURVEYS,
        title=f"Survey: {survey.title}",
        body=body,
        url=reverse("evaluation:survey-answer", kwargs={"slug": survey.slug}),
    )


# --- Import -------------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    questions_created: int
    questions_updated: int
    responses: int
    answers: int
    dropped_columns: list[str]
    dry_run: bool


@transaction.atomic
def import_responses(
    *, survey: Survey, parsed: ParsedSurvey, dry_run: bool = False
) -> ImportSummary:
    """Create or update the survey's questions and add the parsed responses, all or nothing.

    Side effects: Question, Response and Answer rows (none when dry_run or on error).
    Raises ParseError when a response id is already in the survey.
    """
    ids = [row.response_id for row in parsed.rows]
    clash = sorted(
        Response.objects.filter(survey=survey, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    if clash:
        raise ParseError(
            [f"response {rid} is already imported into {survey.slug}" for rid in clash[:20]]
        )
    existing = {q.qid: q for q in survey.questions.all()}
    mismatched = [
        f"column {pq.qid}: the survey has it as {existing[pq.qid].kind}, the file looks {pq.kind};"
        f" if the answers fit, override its type with {pq.qid}={existing[pq.qid].kind}"
        " (--type, or the form's type overrides)"
        for pq in parsed.questions
        if pq.qid in existing and existing[pq.qid].kind != pq.kind
    ]
    if mismatched:
        raise ParseError(mismatched)
    created = updated = 0
    questions = {}
    position = max([q.position for q in existing.values()], default=0)
    for pq in parsed.questions:
        q = existing.get(pq.qid)
        if q is None:
            position += 1
            q = Question(
                survey=survey,
                qid=pq.qid,
                text=pq.text[:2000],
                kind=pq.kind,
                options=pq.options,
                position=position,
            )
            created += 1
        else:
            q.options = q.options + [o for o in pq.options if o not in q.options]
            updated += 1
        q.save()
        questions[pq.qid] = q
    responses, answers = [], []
    for row in parsed.rows:
        response = Response(survey=survey, external_id=row.response_id[:100])
        responses.append(response)
        for qid, values in row.answers.items():
            answers += [Answer(response=response, question=questions[qid], value=v) for v in values]
    Response.objects.bulk_create(responses)
    Answer.objects.bulk_create(answers, batch_size=2000)
    summary = ImportSummary(
        created, updated, len(responses), len(answers), parsed.dropped_columns, dry_run
    )
    if dry_run:
        transaction.set_rollback(True)
    return summary


# --- Report -------------------------------------------------------------------------------------


def code_paths(survey: Survey) -> dict[int, str]:
    codes = {c.pk: c for c in survey.codes.all()}
    paths = {}
    for pk, code in codes.items():
        names, current, depth = [], code, 0
        while current is not None and depth < 10:
            names.append(current.name)
            current, depth = codes.get(current.parent_id), depth + 1
        paths[pk] = "/".join(reversed(names))
    return paths


def report_codings(survey: Survey):
    """Codings that count in reports: the consensus ones if reconciliation has begun, else all."""
    codings = Coding.objects.filter(code__survey=survey)
    if codings.filter(coder=CONSENSUS).exists():
        codings = codings.filter(coder=CONSENSUS)
    return codings


def answers_frame(survey: Survey) -> tuple[list[QuestionSpec], pd.DataFrame]:
    """Long-format answers for the statistics module, read with one plain query per kind of row
    (the ORM's per-row work dominated at 400,000 rows)."""
    questions = list(survey.questions.all())
    qids = {q.pk: q.qid for q in questions}
    kinds = {q.pk: q.kind for q in questions}
    table = Answer._meta.db_table
    question_table = Question._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.response_id, a.question_id, a.value, q.kind FROM {table} a "  # noqa: S608
            f"JOIN {question_table} q ON q.id = a.question_id WHERE q.survey_id = %s",
            [survey.pk],
        )
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["r", "q", "v", "kind"])
    if len(frame):
        is_text = frame["kind"] == Question.Kind.TEXT
        frame.loc[is_text, "v"] = TEXT_ANSWERED
    frame = frame[["r", "q", "v"]]
    frame["q"] = frame["q"].map(qids)
    extra = [
        (r, "", "") for r in Response.objects.filter(survey=survey).values_list("pk", flat=True)
    ]
    paths = code_paths(survey)
    extra += [
        (r, qids[q], paths[c])
        for r, q, c in report_codings(survey)
        .filter(answer__isnull=False)
        .values_list("answer__response_id", "answer__question_id", "code_id")
        if kinds.get(q) == Question.Kind.TEXT
    ]
    frame = pd.concat([frame, pd.DataFrame(extra, columns=["r", "q", "v"])], ignore_index=True)
    specs = [QuestionSpec(q.qid, q.kind, tuple(q.options)) for q in questions]
    return specs, frame


def _report_cache_key(survey: Survey, *parts: object) -> str:
    """Changes whenever anything the report reads changes: questions, answers, responses,
    codes and codings (counts and largest random keys), settings and the request."""
    answers = Answer.objects.filter(question__survey=survey).aggregate(n=Count("pk"), top=Max("pk"))
    codings = Coding.objects.filter(code__survey=survey).aggregate(n=Count("pk"), top=Max("pk"))
    source = repr(
        (
            survey.pk,
            survey.created_at,
            list(survey.questions.values_list("qid", "kind", "options")),
            survey.responses.count(),
            answers,
            codings,
            sorted(code_paths(survey).items()),
            survey.shown_groups.count(),
            settings.NEARPEER_MIN_GROUP_SIZE,
            parts,
        )
    )
    return "evaluation:report:" + hashlib.sha256(source.encode()).hexdigest()


def _membership_digest(members: list[int]) -> str:
    return hashlib.sha256(",".join(map(str, members)).encode()).hexdigest()


def _remember(*, survey: Survey, kind: str, sets: list[frozenset]) -> None:
    """Side effects: a ShownGroup row per set not remembered yet."""
    rows = {}
    for members in sets:
        ordered = sorted(int(m) for m in members)
        if ordered:
            digest = _membership_digest(ordered)
            rows[digest] = ShownGroup(
                survey=survey, kind=kind, digest=digest, size=len(ordered), members=ordered
            )
    ShownGroup.objects.bulk_create(rows.values(), ignore_conflicts=True)


@transaction.atomic
def reported_answers(*, survey: Survey, frame: pd.DataFrame) -> tuple[pd.DataFrame, list, int]:
    """What a report may count, so that no report can be subtracted from an earlier one.

    All respondents are reported as a population that only moves forward when at least
    NEARPEER_MIN_GROUP_SIZE new responses have come in since the last one reported (otherwise
    the previous population is kept and the newcomers wait). Returns the answers restricted to
    it, every set of respondents shown before (populations and groups; the report must not
    isolate fewer than the threshold against them), and how many responses wait.

    Side effects: remembers the population (a ShownGroup row) when it moves forward."""
    threshold = settings.NEARPEER_MIN_GROUP_SIZE
    current = {int(r) for r in frame["r"].unique()}
    remembered = list(survey.shown_groups.values_list("kind", "members"))
    populations = [frozenset(m) for kind, m in remembered if kind == ShownGroup.Kind.POPULATION]
    last = max(populations, key=len, default=frozenset())
    newcomers = current - last
    if len(newcomers) >= threshold or not last:
        population = frozenset(current)
        if len(population) >= threshold:
            _remember(survey=survey, kind=ShownGroup.Kind.POPULATION, sets=[population])
            populations.append(population)
        waiting = 0
    else:
        population = last & current
        waiting = len(newcomers)
    earlier = [frozenset(m) for kind, m in remembered if kind == ShownGroup.Kind.GROUP]
    frame = frame[frame["r"].isin(population)]
    return frame, [s & population for s in populations + earlier], waiting


def survey_report(
    *, survey: Survey, groups: list[GroupSpec], suppress_below: int | None = None
) -> Report:
    """Grouped descriptive report; groups below NEARPEER_MIN_GROUP_SIZE are withheld, and so
    are groups that would isolate fewer than that many people against this page or any earlier
    report of the survey (see reported_answers).

    Side effects: writes out answers still held back once the survey has closed; remembers
    the groups shown (ShownGroup rows); caches the result for
    REPORT_CACHE_SECONDS (the report page and each of its charts ask for the same report; the
    key changes with the data and with what has been shown)."""
    flush_if_closed(survey=survey)
    groups = groups or [GroupSpec("All respondents")]
    key = _report_cache_key(survey, groups, suppress_below)
    cached = cache.get(key)
    if cached is not None:
        return cached
    specs, frame = answers_frame(survey)
    frame, earlier, waiting = reported_answers(survey=survey, frame=frame)
    report = grouped_report(
        questions=specs,
        answers=frame,
        groups=groups,
        min_group_size=settings.NEARPEER_MIN_GROUP_SIZE,
        suppress_below=suppress_below,
        earlier=earlier,
    )
    _remember(survey=survey, kind=ShownGroup.Kind.GROUP, sets=report.shown_sets)
    report.waiting = waiting
    for row in report.rows:
        if row.item == TEXT_ANSWERED:
            row.item = "(answered)"
    report.rows = [r for r in report.rows if r.question]
    cache.set(key, report, REPORT_CACHE_SECONDS)
    return report


def likert_chart_bars(report: Report, qid: str) -> list[tuple[str, list[int]]]:
    """The bars of a Likert question's chart, from the same report as the table beside it: one
    per group shown, as (group name, counts of each level). A withheld group has no bar, nor
    has a group with a suppressed count at any level of this question (its shares would give
    the hidden count back)."""
    suppressed = [False] * len(report.groups)
    counts_by_group = report.likert_counts.get(qid) or [None] * len(report.groups)
    for row in report.rows:
        if row.question == qid and row.item != NO_ANSWER:
            for g, cell in enumerate(row.cells):
                suppressed[g] = suppressed[g] or cell.suppressed
    return [
        (group.name, counts)
        for group, counts, hidden in zip(report.groups, counts_by_group, suppressed, strict=True)
        if counts is not None and not hidden and not group.withheld
    ]


def parse_groups(lines: list[str]) -> list[GroupSpec]:
    groups = [parse_group(line) for line in lines if line.strip()]
    names = [g.name for g in groups]
    if len(set(names)) != len(names):
        raise ValueError("each group needs a different name")
    return groups


# --- Coding -------------------------------------------------------------------------------------


@transaction.atomic
def get_or_create_code_path(*, survey: Survey, path: str) -> Code:
    """Side effects: creates the missing codes along `Parent/Child`."""
    parent = None
    for name in [p.strip() for p in path.split("/") if p.strip()]:
        parent, _ = Code.objects.get_or_create(survey=survey, parent=parent, name=name[:100])
    if parent is None:
        raise ValidationError("A code needs a name.")
    return parent


@transaction.atomic
def apply_code(
    *,
    code: Code,
    coder: str,
    answer: Answer | None = None,
    transcript: Transcript | None = None,
    start: int = 0,
    end: int | None = None,
    memo: str = "",
) -> Coding:
    """Side effects: a Coding row. Offsets are clamped to the text."""
    text = answer.value if answer is not None else transcript.text
    end = len(text) if end is None or end <= 0 else min(end, len(text))
    start = max(0, min(start, end))
    return Coding.objects.create(
        code=code,
        coder=coder,
        answer=answer,
        transcript=transcript,
        start=start,
        end=end,
        memo=memo[:2000],
    )


def coding_units(survey: Survey):
    """Everything that can be coded: free-text answers, then transcripts."""
    answers = (
        Answer.objects.filter(question__survey=survey, question__kind=Question.Kind.TEXT)
        .select_related("question", "response")
        .order_by("question__position", "response_id")
    )
    return list(answers), list(survey.transcripts.all())


def coding_unit_position(survey: Survey, key: str) -> int | None:
    """Where a text ("answer:<pk>" or "transcript:<pk>") comes in coding_units' order (0 for
    the first), or None if it is not there. Side effects: none."""
    kind, _, pk = key.partition(":")
    if not pk.isdigit():
        return None
    answers = Answer.objects.filter(question__survey=survey, question__kind=Question.Kind.TEXT)
    if kind == "answer":
        ordered = answers.order_by("question__position", "response_id")
        keys = list(ordered.values_list("pk", flat=True))
        offset = 0
    elif kind == "transcript":
        keys = list(survey.transcripts.values_list("pk", flat=True))
        offset = answers.count()
    else:
        return None
    return offset + keys.index(int(pk)) if int(pk) in keys else None


def agreement(
    *, survey: Survey, coder_a: str, coder_b: str
) -> tuple[list[CodeAgreement], float | None, float]:
    answers, transcripts = coding_units(survey)
    units = [f"a{a.pk}" for a in answers] + [f"t{t.pk}" for t in transcripts]
    sets: dict[str, dict[str, set[str]]] = {coder_a: defaultdict(set), coder_b: defaultdict(set)}
    paths = code_paths(survey)
    for c in Coding.objects.filter(code__survey=survey, coder__in=[coder_a, coder_b]):
        sets[c.coder][c.unit_key].add(paths[c.code_id])
    # Codes neither coder used would only add agreement on absence; they are left out.
    codes = sorted(
        {path for by_unit in sets.values() for used in by_unit.values() for path in used}
    )
    return agreement_by_code(units, sets[coder_a], sets[coder_b], codes)


def coders(survey: Survey) -> list[str]:
    return sorted(
        set(
            Coding.objects.filter(code__survey=survey)
            .exclude(coder=CONSENSUS)
            .values_list("coder", flat=True)
        )
    )


@transaction.atomic
def reconcile_unit(
    *, survey: Survey, answer: Answer | None, transcript: Transcript | None, codes: list[Code]
) -> None:
    """Set the consensus codes of one unit. Side effects: replaces its consensus Coding rows."""
    Coding.objects.filter(
        code__survey=survey, coder=CONSENSUS, answer=answer, transcript=transcript
    ).delete()
    for code in codes:
        apply_code(code=code, coder=CONSENSUS, answer=answer, transcript=transcript)


@transaction.atomic
def upload_transcript(*, survey: Survey, filename: str, data: bytes, title: str = "") -> Transcript:
    """Side effects: a Transcript row with the pseudonymised text (speaker names never kept)."""
    text = read_transcript(filename, data)
    return Transcript.objects.create(survey=survey, title=(title or filename)[:200], text=text)


# --- Codes CSV and REFI-QDA ---------------------------------------------------------------------

CODE_COLUMNS = ["response_id", "question", "code", "coder"]


@transaction.atomic
def import_codes_csv(*, survey: Survey, data: bytes, dry_run: bool = False) -> int:
    """Apply codes from CSV (response_id,question,code,coder) to whole free-text answers.

    Side effects: Code and Coding rows, none on error or dry run. Raises ParseError.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParseError(["the codes file is not UTF-8 text"]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != CODE_COLUMNS:
        raise ParseError([f"row 1: columns must be exactly {','.join(CODE_COLUMNS)}"])
    responses = {r.label: r.pk for r in Response.objects.filter(survey=survey)}
    questions = {q.qid: q for q in survey.questions.all()}
    answers = {
        (a.response_id, a.question_id): a
        for a in Answer.objects.filter(response__survey=survey, question__kind=Question.Kind.TEXT)
    }
    errors, todo = [], []
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            errors.append(f"row {line}: expected 4 columns")
            continue
        rid, qid, path, coder = (row[c].strip() for c in CODE_COLUMNS)
        if rid not in responses:
            errors.append(
                f"row {line}, column response_id: unknown response id {rid!r} in {survey.slug}"
            )
            continue
        if qid not in questions:
            errors.append(f"row {line}, column question: unknown question {qid!r}")
            continue
        answer = answers.get((responses[rid], questions[qid].pk))
        if answer is None:
            errors.append(f"row {line}: response {rid} has no free-text answer to {qid}")
            continue
        if not path or not coder:
            errors.append(f"row {line}: code and coder must not be empty")
            continue
        todo.append((answer, path, coder[:150]))
    if errors:
        raise ParseError(errors)
    for answer, path, coder in todo:
        code = get_or_create_code_path(survey=survey, path=path)
        if not Coding.objects.filter(code=code, coder=coder, answer=answer).exists():
            apply_code(code=code, coder=coder, answer=answer)
    if dry_run:
        transaction.set_rollback(True)
    return len(todo)


def export_codes_csv(*, survey: Survey) -> str:
    from .stats import escape_cell

    paths = code_paths(survey)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CODE_COLUMNS)
    codings = (
        Coding.objects.filter(code__survey=survey, answer__isnull=False)
        .select_related("answer__response", "answer__question")
        .order_by("answer__question__position", "answer__response_id", "coder", "code_id")
    )
    seen = set()
    for c in codings:
        row = (c.answer.response.label, c.answer.question.qid, paths[c.code_id], c.coder)
        if row not in seen:
            seen.add(row)
            writer.writerow([escape_cell(v) for v in row])
    return out.getvalue()


def _source_name(answer: Answer) -> str:
    return f"{answer.question.qid} {answer.response.label}"


def export_qdpx(*, survey: Survey) -> bytes:
    users: dict[str, str] = {}
    user_guids: dict[str, str] = {}

    def guid_for(coder: str) -> str:
        if coder not in user_guids:
            user_guids[coder] = refi.new_guid()
            users[user_guids[coder]] = coder
        return user_guids[coder]

    codes = list(survey.codes.all())
    nodes = {
        c.pk: refi.QdaCode(guid=str(c.guid), name=c.name, description=c.description) for c in codes
    }
    roots = []
    for c in codes:
        (nodes[c.parent_id].children if c.parent_id else roots).append(nodes[c.pk])
    answers, transcripts = coding_units(survey)
    by_unit = defaultdict(list)
    for c in Coding.objects.filter(code__survey=survey).select_related("code"):
        by_unit[c.unit_key].append(c)
    sources = []
    for unit_key, name, text in [(f"a{a.pk}", _source_name(a), a.value) for a in answers] + [
        (f"t{t.pk}", f"transcript {t.title}", t.text) for t in transcripts
    ]:
        source = refi.QdaSource(guid=refi.new_guid(), name=name, text=text)
        for c in by_unit[unit_key]:
            source.selections.append(
                refi.QdaSelection(
                    refi.new_guid(), c.start, c.end, guid_for(c.coder), str(c.code.guid), c.memo
                )
            )
        sources.append(source)
    return refi.write_qdpx(
        refi.QdaProject(name=survey.title, users=users, codes=roots, sources=sources)
    )


@dataclass
class QdpxImport:
    """What a REFI-QDA import matched: sources by name, codings added or already there, codes
    created in the codebook."""

    matched: list[str]
    codings: int
    already_there: int
    codes_created: int
    # Non-text sources (pictures, PDF, audio, video) in the project, which Nearpeer cannot code,
    # and the project's notes (journals, annotations), which Nearpeer does not keep.
    left_out: list[str] = field(default_factory=list)
    # What came in changed: categories (codes the other tool does not let you code with) that
    # came in as ordinary parent codes.
    changed: list[str] = field(default_factory=list)
    # A dry run: everything was checked and counted, then rolled back.
    dry_run: bool = False

    def summary(self) -> str:
        text = (
            f"{'Would import' if self.dry_run else 'Imported'} {self.codings} codings from "
            f"{len(self.matched)} matching sources "
            f"({self.already_there} already there; {self.codes_created} codes added)."
        )
        if self.changed:
            text += f" Changed: {'; '.join(self.changed)}."
        if self.left_out:
            text += f" Left out: {'; '.join(self.left_out)}."
        return text


def _unit_name(name: str, units: dict) -> str:
    # Some tools add the file extension to a source's name on the way through.
    if name not in units and name.lower().endswith(".txt"):
        return name[:-4]
    return name


@transaction.atomic
def import_qdpx(*, survey: Survey, data: bytes, dry_run: bool = False) -> QdpxImport:
    """Bring codes and codings back from a .qdpx whose sources match this survey's answers and
    transcripts by name. All or nothing: a source that matches nothing, or a project in which no
    coding matches, is an error and changes nothing (no code is added to the codebook either).
    A dry run does the same checks and counts, then rolls everything back.

    Side effects: Code and Coding rows. Raises RefiError."""
    project = refi.read_qdpx(data)
    answers, transcripts = coding_units(survey)
    units = {_source_name(a): ("answer", a) for a in answers}
    units.update({f"transcript {t.title}": ("transcript", t) for t in transcripts})
    unmatched = [s.name for s in project.sources if _unit_name(s.name, units) not in units]
    if unmatched:
        shown = ", ".join(repr(n) for n in unmatched[:5])
        more = f" and {len(unmatched) - 5} more" if len(unmatched) > 5 else ""
        raise refi.RefiError(
            f"{len(unmatched)} of {len(project.sources)} sources match no answer or transcript "
            f"of {survey.slug}: {shown}{more}"
        )
    guids: dict[str, refi.QdaCode] = {}
    parents: dict[str, str | None] = {}

    def index(nodes, parent):
        for node in nodes:
            guids[node.guid] = node
            parents[node.guid] = parent
            index(node.children, node.guid)

    index(project.codes, None)
    selections = [(source, sel) for source in project.sources for sel in source.selections]
    for source, sel in selections:
        if sel.code_guid not in guids:
            raise refi.RefiError(f"source {source.name!r}: coding refers to an unknown code")
    if not selections:
        other = (
            f"; left out, as Nearpeer codes text only: {'; '.join(project.other_sources)}"
            if project.other_sources
            else ""
        )
        raise refi.RefiError(
            f"no coding in the project matches this survey ({len(project.sources)} sources, "
            f"{len(guids)} codes, 0 codings{other}): nothing was changed"
        )
    # A source whose text is not the answer's (edited in the other tool, or a tool that counts
    # positions differently) would put every coding in the wrong place: refuse it by name.
    for source in project.sources:
        if not source.selections:
            continue
        kind, unit = units[_unit_name(source.name, units)]
        own = unit.value if kind == "answer" else unit.text
        if refi.to_lf(source.text).rstrip() != refi.to_lf(own).rstrip():
            raise refi.RefiError(
                f"source {source.name!r}: its text differs from the {kind} in Nearpeer, so its "
                "codings' positions cannot be trusted: nothing was changed"
            )
    by_guid: dict[str, Code] = {}
    created = 0

    def code_for(guid: str) -> Code:
        nonlocal created
        if guid not in by_guid:
            parent = code_for(parents[guid]) if parents[guid] else None
            node = guids[guid]
            code, made = Code.objects.get_or_create(
                survey=survey, parent=parent, name=node.name[:100],
                defaults={"description": node.description},
            )  # fmt: skip
            if not made and not code.description and node.description:
                code.description = node.description  # filled, never overwritten
                code.save(update_fields=["description"])
            created += made
            by_guid[guid] = code
        return by_guid[guid]

    # The whole codebook comes in once something matched (codes may be used later).
    for guid in guids:
        code_for(guid)
    count = already = 0
    for source, sel in selections:
        kind, unit = units[_unit_name(source.name, units)]
        coder = project.users.get(sel.user_guid) or "imported"
        target = {kind: unit}
        code = by_guid[sel.code_guid]
        # Positions in the exchanged (LF) text → positions in the stored text.
        own = unit.value if kind == "answer" else unit.text
        start, end = refi.original_offset(own, sel.start), refi.original_offset(own, sel.end)
        if Coding.objects.filter(code=code, coder=coder, start=start, end=end, **target).exists():
            already += 1
            continue
        apply_code(code=code, coder=coder, start=start, end=end, memo=sel.memo, **target)
        count += 1
    left_out = [f"{s} (Nearpeer codes text only)" for s in project.other_sources]
    if project.notes:
        left_out.append(
            f"{len(project.notes)} project notes ({', '.join(project.notes)}): Nearpeer keeps "
            "no notes; coding memos and code descriptions came in"
        )
    categories = [guids[g].name for g in guids if not guids[g].codable]
    changed = (
        [f"categories {', '.join(repr(n) for n in categories)} came in as parent codes"]
        if categories
        else []
    )
    if dry_run:
        transaction.set_rollback(True)
    return QdpxImport(
        matched=[s.name for s in project.sources if s.selections],
        codings=count,
        already_there=already,
        codes_created=created,
        left_out=left_out,
        changed=changed,
        dry_run=dry_run,
    )


# --- Themes -------------------------------------------------------------------------------------


def theme_quotes(*, survey: Survey, limit: int = 3) -> dict[int, list[str]]:
    """Up to `limit` coded passages per theme (top-level code), from the counted codings."""
    codes = {c.pk: c for c in survey.codes.all()}

    def theme_of(pk):
        code = codes[pk]
        while code.parent_id:
            code = codes[code.parent_id]
        return code.pk

    quotes: dict[int, list[str]] = defaultdict(list)
    for c in report_codings(survey).select_related("answer", "transcript").order_by("pk"):
        text = c.answer.value if c.answer_id else c.transcript.text
        passage = text[c.start : c.end].strip()
        theme = theme_of(c.code_id)
        if passage and passage not in quotes[theme] and len(quotes[theme]) < limit:
            quotes[theme].append(passage[:400])
    return quotes


def theme_table(*, survey: Survey, groups: list[GroupSpec]) -> tuple[Report, list[Code]]:
    """N (%) of respondents per group with at least one coding under each theme."""
    flush_if_closed(survey=survey)
    specs, frame = answers_frame(survey)
    themes = list(survey.codes.filter(parent__isnull=True))
    paths = code_paths(survey)
    theme_rows = []
    for r, path in frame.loc[frame["v"].isin(set(paths.values())), ["r", "v"]].itertuples(
        index=False
    ):
        theme_rows.append((r, "theme", path.split("/")[0]))
    filters = frame[frame["v"] != TEXT_ANSWERED]
    theme_frame = pd.concat(
        [filters, pd.DataFrame(theme_rows, columns=["r", "q", "v"])], ignore_index=True
    )
    theme_frame, earlier, waiting = reported_answers(survey=survey, frame=theme_frame)
    report = grouped_report(
        questions=[QuestionSpec("theme", "multi", tuple(t.name for t in themes))],
        answers=theme_frame,
        groups=groups or [GroupSpec("All respondents")],
        min_group_size=settings.NEARPEER_MIN_GROUP_SIZE,
        earlier=earlier,
    )
    _remember(survey=survey, kind=ShownGroup.Kind.GROUP, sets=report.shown_sets)
    report.waiting = waiting
    report.rows = [r for r in report.rows if r.item != "(no answer)"]
    return report, themes
