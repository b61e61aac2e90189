"""Evaluation's background jobs (core/jobs.py): importing a survey export or a large codes
CSV, the grouped survey report's CSV/XLSX and the value report's PDF/XLSX."""

import hashlib
import logging

from django.conf import settings
from django.http import QueryDict
from django.urls import reverse

from nearpeer.core.jobs import JobFailed, Progress, read_upload, register, save_output
from nearpeer.core.models import BackgroundJob

from . import exports, services
from .forms import report_groups
from .indicators import platform_indicators
from .models import Survey, ValueAudience, ValueCycle
from .parsing import ParseError, parse
from .permissions import can_run_evaluation
from .refi import RefiError

SURVEY_IMPORT = "evaluation.survey-import"
VALUE_REPORT = "evaluation.value-report"
SURVEY_REPORT = "evaluation.survey-report"
CODES_IMPORT = "evaluation.codes-import"
QDPX_IMPORT = "evaluation.qdpx-import"
REPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
VALUE_FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
security_log = logging.getLogger("nearpeer.security")


@register(SURVEY_IMPORT, can_view=lambda user, job: can_run_evaluation(user))
def import_survey(job: BackgroundJob, progress: Progress) -> dict:
    """Parse the uploaded export (kept in private storage for this worker) and import it with
    services.import_responses: all or nothing, in one transaction."""
    survey = Survey.objects.filter(pk=job.params["survey"]).first()
    if survey is None:
        raise JobFailed("The survey was deleted before its import ran. Nothing was imported.")
    progress("Reading the file")
    p = job.params
    try:
        parsed = parse(read_upload(job), fmt=p["format"], types=p["types"], keep=p["keep"])
        progress(f"Writing {len(parsed.rows)} responses (all or nothing)", 0, len(parsed.rows))
        summary = services.import_responses(survey=survey, parsed=parsed)
    except ParseError as exc:
        raise JobFailed([*exc.errors[:200], "Nothing was imported."]) from exc
    log_kept_columns(job.started_by, survey, parsed)
    return {
        "summary": [
            f"Imported {summary.responses} responses ({summary.answers} answers); "
            f"{summary.questions_created} new questions. Dropped columns: "
            f"{', '.join(summary.dropped_columns) or 'none'}."
        ],
        # Every column of the file, as a question or dropped with the reason.
        "notes": [f"Column {line}" for line in parsed.preview()],
        "next_url": reverse("evaluation:survey-detail", kwargs={"slug": survey.slug}),
        "next_label": f"Back to {survey.title}",
    }


def _workspace_import(job: BackgroundJob, progress: Progress, *, what: str, run) -> dict:
    """The shared frame of the coding workspace's imports: the survey looked up again, the
    progress line, and the way back. `run(survey, data, dry_run)` returns the summary line."""
    survey = Survey.objects.filter(pk=job.params["survey"]).first()
    if survey is None:
        raise JobFailed(f"The survey was deleted before {what} was imported. Nothing was imported.")
    dry_run = bool(job.params.get("dry_run"))
    progress(
        f"Checking {what} (dry run, nothing is written)"
        if dry_run
        else f"Writing {what} (all or nothing)"
    )
    return {
        "summary": [run(survey, read_upload(job), dry_run)],
        "next_url": reverse("evaluation:coding-workspace", kwargs={"slug": survey.slug}),
        "next_label": "Back to the coding workspace",
    }


@register(CODES_IMPORT, can_view=lambda user, job: can_run_evaluation(user))
def import_codes(job: BackgroundJob, progress: Progress) -> dict:
    """Check (dry run) or import a large codes CSV with services.import_codes_csv: all or
    nothing, in one transaction; every error names its row."""

    def run(survey: Survey, data: bytes, dry_run: bool) -> str:
        try:
            n = services.import_codes_csv(survey=survey, data=data, dry_run=dry_run)
        except ParseError as exc:
            raise JobFailed([*exc.errors[:200], "No codes were imported."]) from exc
        return f"{'Checked' if dry_run else 'Imported'} {n} coding{'s' if n != 1 else ''}."

    return _workspace_import(job, progress, what="the codes", run=run)


@register(QDPX_IMPORT, can_view=lambda user, job: can_run_evaluation(user))
def import_qdpx(job: BackgroundJob, progress: Progress) -> dict:
    """Check (dry run) or import a large REFI-QDA project with services.import_qdpx: all or
    nothing, in one transaction; an error says what did not match."""

    def run(survey: Survey, data: bytes, dry_run: bool) -> str:
        try:
            return services.import_qdpx(survey=survey, data=data, dry_run=dry_run).summary()
        except RefiError as exc:
            raise JobFailed(f"Nothing imported: {exc}") from exc

    return _workspace_import(job, progress, what="the project's codings", run=run)


def log_kept_columns(user, survey: Survey, parsed) -> None:
    """Columns that looked identifying but were kept with the lead's reason go to the security
    log (no answers in it)."""
    for d in parsed.decisions:
        if d.kept and d.reason:
            security_log.info(
                "survey %s import by user %s kept flagged column %r: %s",
                survey.pk,
                user.pk if user else None,
                d.header,
                d.reason,
            )


def value_table(survey: Survey) -> list:
    """The value-creation table: (cycle label, {audience: [statements]}) in cycle order."""
    statements = survey.value_statements.select_related("theme")
    cells = {(c, a): [] for c in ValueCycle.values for a in ValueAudience.values}
    for s in statements:
        cells[(s.cycle, s.audience)].append(s)
    return [
        (label, {a: cells[(value, a)] for a in ValueAudience.values})
        for value, label in ValueCycle.choices
    ]


def value_file(
    survey: Survey, fmt: str, *, table: list | None = None, indicators: list | None = None
) -> tuple[bytes, str, str]:
    """The value-creation report's download: (content, file name, content type). The table and
    the platform's indicators are those of the report page (passed in when the page has them),
    whether the file is served at once or built by a worker."""
    table = value_table(survey) if table is None else table
    indicators = platform_indicators() if indicators is None else indicators
    if fmt == "pdf":
        data = exports.value_pdf(table, indicators, title=f"Value created: {survey.title}")
    else:
        data = exports.value_xlsx(table, indicators)
    return data, f"{survey.slug}-value.{fmt}", VALUE_FORMATS[fmt]


def value_job_key(survey: Survey, fmt: str) -> str:
    return f"value:{survey.pk}:{fmt}"


@register(VALUE_REPORT, can_view=lambda user, job: can_run_evaluation(user))
def build_value_report(job: BackgroundJob, progress: Progress) -> dict:
    """Build a large value-creation report's file (value_file: the platform's indicators over
    every session of the year, then the PDF or spreadsheet) and keep it for download from the
    job's page."""
    survey = Survey.objects.filter(pk=job.params["survey"]).first()
    if survey is None:
        raise JobFailed("The survey was deleted before its report was built.")
    fmt = job.params["format"]
    progress("Counting the indicators", 0, 2)
    table, indicators = value_table(survey), platform_indicators()
    progress(f"Writing the {fmt.upper()} file", 1, 2)
    data, name, content_type = value_file(survey, fmt, table=table, indicators=indicators)
    save_output(job, name=name, content_type=content_type, data=data)
    return {"summary": [f"The {fmt.upper()} file is ready."]}


def report_query(query: str) -> str:
    """The report page's query (its groups and suppression) without the download's format, as
    the job keeps it and as two identical requests share one job."""
    params = QueryDict(query, mutable=True)
    params.pop("format", None)
    params.pop("csrfmiddlewaretoken", None)
    return params.urlencode()


def report_job_key(survey: Survey, query: str, fmt: str) -> str:
    digest = hashlib.sha256(report_query(query).encode()).hexdigest()[:32]
    return f"report:{survey.pk}:{fmt}:{digest}"


def report_file(survey: Survey, query: str, fmt: str) -> tuple[bytes, str, str]:
    """The grouped report's download for the report page's `query`: (content, file name,
    content type). The groups, the small-group suppression and the differencing memory are
    those of the page (report_groups and services.survey_report), whether the file is served
    at once or built by a worker."""
    asked = report_groups(QueryDict(report_query(query)), survey=survey)
    report = services.survey_report(
        survey=survey,
        groups=asked.groups,
        suppress_below=settings.NEARPEER_MIN_GROUP_SIZE if asked.suppress else None,
    )
    data = exports.report_csv(report) if fmt == "csv" else exports.report_xlsx(report)
    return data, f"{survey.slug}-report.{fmt}", REPORT_FORMATS[fmt]


@register(SURVEY_REPORT, can_view=lambda user, job: can_run_evaluation(user))
def build_survey_report(job: BackgroundJob, progress: Progress) -> dict:
    """Build a large survey's grouped report file (report_file) and keep it for download from
    the job's page."""
    survey = Survey.objects.filter(pk=job.params["survey"]).first()
    if survey is None:
        raise JobFailed("The survey was deleted before its report was built.")
    fmt = job.params["format"]
    progress(f"Counting the answers and writing the {fmt.upper()} file")
    data, name, content_type = report_file(survey, job.params["query"], fmt)
    save_output(job, name=name, content_type=content_type, data=data)
    return {"summary": [f"The {fmt.upper()} file is ready."]}
