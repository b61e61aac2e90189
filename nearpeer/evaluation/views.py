import hashlib
from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.db.models.functions import Length
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nearpeer.anonymity.store import (
    answered_scopes,
    batch_size,
    pending_count,
    respondent_count,
)
from nearpeer.core.files import download_response
from nearpeer.core.jobs import start_job
from nearpeer.core.views import follow_job

from . import services
from .agreement import CodeAgreement
from .charts import likert_svg
from .forms import (
    ApplyCodeForm,
    CodeForm,
    ImportForm,
    InterviewForm,
    QuestionForm,
    SurveyForm,
    TranscriptForm,
    UploadForm,
    ValueStatementForm,
    answer_form_class,
    report_groups,
)
from .indicators import platform_indicators
from .jobs import (
    CODES_IMPORT,
    QDPX_IMPORT,
    REPORT_FORMATS,
    SURVEY_IMPORT,
    SURVEY_REPORT,
    VALUE_FORMATS,
    VALUE_REPORT,
    report_file,
    report_job_key,
    report_query,
    value_file,
    value_job_key,
    value_table,
)
from .models import (
    CONSENSUS,
    Answer,
    Code,
    Coding,
    Question,
    Survey,
    Transcript,
)
from .parsing import LIKERT_LABELS, ParseError, parse
from .permissions import can_answer, can_run_evaluation
from .refi import RefiError
from .transcripts import TranscriptError

UNITS_PER_PAGE = 50
# A survey report's CSV/XLSX is served at once up to this many responses (building it takes a
# few hundred milliseconds at most, and a click on "Download" should give a file); above it a
# worker builds it and the job's page offers it (core/jobs.py).
DIRECT_REPORT_MAX_RESPONSES = 2000
# The value report's PDF/XLSX likewise, up to this many characters of quotes in its table (the
# page has already counted the indicators; the PDF's cost grows with the text it lays out: about
# 0.3 s for 20,000 characters on the 2-core machine at load 9).
DIRECT_VALUE_MAX_CHARS = 20_000
# A codes CSV is checked or imported in the request up to this many lines (each row costs a few
# queries); a longer one is checked or imported by a worker, all or nothing, and the page
# follows the job.
DIRECT_CODES_MAX_LINES = 500
# A REFI-QDA project above this size is read and matched by a background job: parsing and
# matching a few megabytes of coded text takes seconds (services.import_qdpx).
DIRECT_QDPX_MAX_BYTES = 1024 * 1024


def _lead_survey(request, slug: str) -> Survey:
    if not can_run_evaluation(request.user):
        raise Http404
    return get_object_or_404(Survey, slug=slug)


def _lead_only(request) -> None:
    if not can_run_evaluation(request.user):
        raise Http404


@require_GET
def home(request):
    open_surveys = [s for s in Survey.objects.open() if s.includes(request.user)]
    answered = answered_scopes(
        scopes=[services.survey_scope(s) for s in open_surveys], user=request.user
    )
    mine = [(s, services.survey_scope(s) in answered) for s in open_surveys]
    context = {"mine": mine, "lead": can_run_evaluation(request.user)}
    if context["lead"]:
        context["surveys"] = Survey.objects.annotate(
            n_responses=Count("responses", distinct=True),
            n_questions=Count("questions", distinct=True),
        ).order_by("-created_at")
    return render(request, "evaluation/survey_list.html", context)


@require_http_methods(["GET", "POST"])
def survey_create(request):
    _lead_only(request)
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        survey = form.save(commit=False)
        survey.created_by = request.user
        survey.save()
        messages.success(request, f"Survey “{survey.title}” created. Add its questions.")
        return redirect("evaluation:survey-detail", slug=survey.slug)
    return render(request, "evaluation/survey_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def survey_edit(request, slug):
    survey = _lead_survey(request, slug)
    form = SurveyForm(request.POST if request.method == "POST" else None, instance=survey)
    if request.method == "POST" and form.is_valid():
        survey = form.save()
        messages.success(request, "Survey saved.")
        return redirect("evaluation:survey-detail", slug=survey.slug)
    return render(request, "evaluation/survey_form.html", {"form": form, "survey": survey})


@require_GET
def survey_detail(request, slug):
    survey = _lead_survey(request, slug)
    services.flush_if_closed(survey=survey)
    scope = services.survey_scope(survey)
    return render(
        request,
        "evaluation/survey_detail.html",
        {
            "survey": survey,
            "questions": survey.questions.all(),
            "question_form": QuestionForm(),
            "import_form": ImportForm(),
            "n_responses": survey.responses.count(),
            "n_respondents": respondent_count(scope=scope),
            "n_pending": pending_count(scope=scope),
            "batch_size": batch_size(),
            # Ordered by name, never by when they signed up (that order could meet the answers').
            "volunteers": survey.volunteers.select_related("user").order_by(
                "user__name", "user__email"
            ),
        },
    )


@require_POST
def question_add(request, slug):
    survey = _lead_survey(request, slug)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            q = services.add_question(survey=survey, **form.cleaned_data)
            messages.success(request, f"Question {q.qid} added.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("evaluation:survey-detail", slug=survey.slug)


@require_POST
def question_delete(request, slug, pk):
    survey = _lead_survey(request, slug)
    question = get_object_or_404(Question, survey=survey, pk=pk)
    if question.answers.exists():
        messages.error(request, f"{question.qid} already has answers; it stays.")
    else:
        question.delete()
        messages.success(request, f"Question {question.qid} removed.")
    return redirect("evaluation:survey-detail", slug=survey.slug)


@require_POST
def survey_close(request, slug):
    survey = _lead_survey(request, slug)
    if request.POST.get("confirm") != "1":
        messages.error(request, "Tick “Close now” to confirm: nobody can answer after this.")
        return redirect("evaluation:survey-detail", slug=survey.slug)
    written = services.close_survey(survey=survey)
    messages.success(
        request,
        f"Survey closed. {written} answer{pluralize(written)} held back until now "
        f"{pluralize(written, 'was,were')} added, shuffled.",
    )
    return redirect("evaluation:survey-detail", slug=survey.slug)


@require_POST
def survey_remind(request, slug):
    survey = _lead_survey(request, slug)
    if request.POST.get("audience") == "everyone":
        count = services.send_reminders(survey=survey, everyone=True)
        messages.success(
            request, f"Reminder sent to all {count} member{pluralize(count)} of the audience."
        )
    else:
        count = services.send_reminders(survey=survey)
        messages.success(
            request,
            f"Reminder sent to {count} member{pluralize(count)} who "
            f"{pluralize(count, 'has,have')} not answered.",
        )
    return redirect("evaluation:survey-detail", slug=survey.slug)


@require_http_methods(["GET", "POST"])
def survey_answer(request, slug):
    survey = get_object_or_404(Survey, slug=slug)
    if not can_answer(request.user, survey):
        raise Http404
    done = services.has_responded(survey=survey, user=request.user)
    form_class = answer_form_class(survey)
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not done and survey.is_open() and form.is_valid():
        answers = {}
        for name, field in form.fields.items():
            if hasattr(field, "question"):
                value = form.cleaned_data.get(name) or []
                answers[field.question.pk] = value if isinstance(value, list) else [value]
        try:
            services.submit_response(
                survey=survey,
                user=request.user,
                answers=answers,
                consented=form.cleaned_data.get("consent", True),
            )
        except services.AlreadyResponded:
            messages.info(request, "You have already answered this survey.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return render(
                request,
                "evaluation/survey_answer.html",
                {"survey": survey, "form": form, "done": done},
            )
        else:
            messages.success(request, "Thank you. Your answers are stored without your name.")
        if survey.interview_signup:
            return redirect("evaluation:interview-signup", slug=survey.slug)
        return redirect("evaluation:home")
    return render(
        request, "evaluation/survey_answer.html", {"survey": survey, "form": form, "done": done}
    )


@require_http_methods(["GET", "POST"])
def interview_signup(request, slug):
    survey = get_object_or_404(Survey, slug=slug, interview_signup=True)
    if not can_answer(request.user, survey):
        raise Http404
    form = InterviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.volunteer_for_interview(survey=survey, user=request.user, **form.cleaned_data)
        messages.success(
            request, "Thank you: the evaluation lead will contact you about an interview."
        )
        return redirect("evaluation:home")
    return render(request, "evaluation/interview_signup.html", {"survey": survey, "form": form})


@require_POST
def survey_import(request, slug):
    """A dry run is checked here and its preview shown at once (it writes nothing); the real
    import always runs as a background job (core/jobs.py) with its progress on the job's page:
    one at a time per survey, so two leads pressing Import together get one import."""
    survey = _lead_survey(request, slug)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("evaluation:survey-detail", slug=survey.slug)
    data = form.cleaned_data
    if not data["dry_run"]:
        job, created = start_job(
            kind=SURVEY_IMPORT,
            key=f"survey:{survey.pk}",
            title=f"Import into {survey.title}",
            by=request.user,
            params={
                "survey": survey.pk,
                "format": data["format"],
                "types": data["types"],
                "keep": data["keep"],
                "back_url": reverse("evaluation:survey-detail", kwargs={"slug": survey.slug}),
                "back_label": f"Back to {survey.title}",
            },
            upload=(data["file"].name or "export", data["file"].read()),
        )
        return follow_job(request, job, created, already="is already importing into this survey")
    try:
        parsed = parse(
            data["file"].read(), fmt=data["format"], types=data["types"], keep=data["keep"]
        )
        summary = services.import_responses(survey=survey, parsed=parsed, dry_run=True)
    except ParseError as exc:
        for error in exc.errors[:20]:
            messages.error(request, error)
        messages.error(request, "Nothing was imported.")
    else:
        messages.success(
            request,
            f"Would import {summary.responses} response{pluralize(summary.responses)} "
            f"({summary.answers} answer{pluralize(summary.answers)}); "
            f"{summary.questions_created} new question{pluralize(summary.questions_created)}. "
            "Dropped columns: "
            f"{', '.join(summary.dropped_columns) or 'none'}.",
        )
        # The preview: each question with the type it is read as (guessed from the answers
        # unless overridden, so said), then every column of the file, as a question or dropped
        # with the reason, then the notes (columns merged into one question).
        kinds = dict(Question.Kind.choices)
        for q in parsed.questions:
            messages.info(
                request, f"Question {q.qid}, read as {kinds.get(q.kind, q.kind)}: {q.text}"
            )
        for decision in parsed.decisions:
            messages.info(request, f"Column {decision.describe()}")
        for note in parsed.notes:
            messages.info(request, note[:1].upper() + note[1:])
    return redirect("evaluation:survey-detail", slug=survey.slug)


def _report_is_small(survey: Survey) -> bool:
    return survey.responses.count() <= DIRECT_REPORT_MAX_RESPONSES


@require_GET
def report_view(request, slug):
    survey = _lead_survey(request, slug)
    fmt = request.GET.get("format")
    if fmt in REPORT_FORMATS:
        # Kept for links and scripts; a large survey's file is built by a worker instead, from
        # the Download buttons (report_build).
        if _report_is_small(survey):
            return download_response(*report_file(survey, request.GET.urlencode(), fmt))
        messages.info(
            request,
            "This survey is large: its file is built in the background. Press a Download button.",
        )
    survey_questions = list(survey.questions.all())
    asked = report_groups(request.GET, survey=survey, questions=survey_questions)
    for error in asked.errors:
        messages.error(request, error)
    form, builders, groups, suppress = asked.form, asked.builders, asked.groups, asked.suppress
    report = services.survey_report(
        survey=survey,
        groups=groups,
        suppress_below=settings.NEARPEER_MIN_GROUP_SIZE if suppress else None,
    )
    questions = {q.qid: q for q in survey_questions}
    blocks = []
    for row in report.rows:
        if not blocks or blocks[-1]["qid"] != row.question:
            q = questions.get(row.question)
            blocks.append(
                {
                    "qid": row.question,
                    "question": q,
                    "rows": [],
                    "medians": report.medians.get(row.question),
                }
            )
        q = blocks[-1]["question"]
        blocks[-1]["rows"].append(
            (
                q.option_label(row.item) if q else row.item,
                list(zip(report.groups, row.cells, strict=True)),
            )
        )
    return render(
        request,
        "evaluation/report_view.html",
        {
            "survey": survey,
            "form": form,
            "report": report,
            "n_pending": pending_count(scope=services.survey_scope(survey)),
            "min_group_size": settings.NEARPEER_MIN_GROUP_SIZE,
            "blocks": blocks,
            "builders": builders,
            "built_text": asked.built_text,
            "query": request.GET.urlencode(),
            "download_query": report_query(request.GET.urlencode()),
        },
    )


@require_POST
def report_build(request, slug):
    """The report's CSV or XLSX for the groups the page shows (`query`, the page's own query
    string). A small survey's file is the response itself; a large one's is built as a
    background job (core/jobs.py) and this follows it: one build per survey, groups and format
    at a time, so two leads pressing Download together get one build."""
    survey = _lead_survey(request, slug)
    fmt = request.POST.get("format")
    query = report_query(request.POST.get("query", ""))
    back_url = reverse("evaluation:report-view", kwargs={"slug": survey.slug})
    back_url += f"?{query}" if query else ""
    if fmt not in REPORT_FORMATS:
        messages.error(request, "Choose CSV or XLSX.")
        return redirect(back_url)
    if _report_is_small(survey):
        return download_response(*report_file(survey, query, fmt))
    job, created = start_job(
        kind=SURVEY_REPORT,
        key=report_job_key(survey, query, fmt),
        title=f"Report ({fmt.upper()}): {survey.title}",
        by=request.user,
        params={
            "survey": survey.pk,
            "format": fmt,
            "query": query,
            "back_url": back_url,
            "back_label": "Back to the report",
        },
    )
    return follow_job(request, job, created, already="is already building this file")


@require_GET
def report_chart(request, slug, qid):
    survey = _lead_survey(request, slug)
    question = get_object_or_404(Question, survey=survey, qid=qid, kind=Question.Kind.LIKERT)
    # The same groups and suppression as the table the chart sits under (so the same report,
    # from the cache): built from the lists or typed.
    asked = report_groups(request.GET, survey=survey)
    report = services.survey_report(
        survey=survey,
        groups=asked.groups,
        suppress_below=settings.NEARPEER_MIN_GROUP_SIZE if asked.suppress else None,
    )
    bars = services.likert_chart_bars(report, qid)
    svg = likert_svg(title=f"{question.qid}. {question.text}", bars=bars, labels=LIKERT_LABELS)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="{survey.slug}-{qid}.svg"'
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


# --- Coding -------------------------------------------------------------------------------------


def _unit(survey, key: str):
    kind, _, pk = key.partition(":")
    if not pk.isdigit():
        raise Http404
    if kind == "answer":
        answer = get_object_or_404(
            Answer, pk=pk, question__survey=survey, question__kind=Question.Kind.TEXT
        )
        return {"answer": answer, "transcript": None}
    if kind == "transcript":
        return {"answer": None, "transcript": get_object_or_404(Transcript, pk=pk, survey=survey)}
    raise Http404


def _coding_place(survey, unit_key: str, page: str = "") -> str:
    """The coding page at this text (its page of texts and its anchor), so the coder comes
    back where they were. `page`: the page they were on, when they were on one; otherwise it
    is worked out from where the text comes in the list."""
    url = reverse("evaluation:coding-workspace", kwargs={"slug": survey.slug})
    if not page.isdigit():
        position = services.coding_unit_position(survey, unit_key)
        if position is None:
            return url
        page = str(position // UNITS_PER_PAGE + 1)
    return f"{url}?page={page}#u-{unit_key.replace(':', '')}"


@require_GET
def coding_workspace(request, slug):
    survey = _lead_survey(request, slug)
    coder = request.user.email
    answers, transcripts = services.coding_units(survey)
    mine = defaultdict(list)
    texts = {f"a{a.pk}": a.value for a in answers} | {f"t{t.pk}": t.text for t in transcripts}
    for c in Coding.objects.filter(code__survey=survey, coder=coder).select_related("code__parent"):
        c.passage = texts.get(c.unit_key, "")[c.start : c.end]
        mine[c.unit_key].append(c)
    units = [
        {
            "key": f"answer:{a.pk}",
            "title": f"{a.question.qid} · {a.response.label}",
            "text": a.value,
            "codings": mine[f"a{a.pk}"],
        }
        for a in answers
    ] + [
        {
            "key": f"transcript:{t.pk}",
            "title": f"Transcript · {t.title}",
            "text": t.text,
            "codings": mine[f"t{t.pk}"],
        }
        for t in transcripts
    ]
    codes = sorted(survey.codes.select_related("parent"), key=lambda c: c.path.lower())
    page = Paginator(units, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluation/coding_workspace.html",
        {
            "survey": survey,
            "units": page.object_list,
            "page": page,
            "n_units": len(units),
            "n_transcripts": len(transcripts),
            "themes": [c for c in codes if c.parent_id is None],
            "codes": codes,
            "code_form": CodeForm(),
            "apply_form": ApplyCodeForm(survey=survey),
            "transcript_form": TranscriptForm(),
            "upload_form": UploadForm(),
            "coder": coder,
        },
    )


@require_POST
def code_add(request, slug):
    survey = _lead_survey(request, slug)
    form = CodeForm(request.POST)
    if form.is_valid():
        code = services.get_or_create_code_path(survey=survey, path=form.cleaned_data["path"])
        if form.cleaned_data["description"]:
            code.description = form.cleaned_data["description"]
            code.save(update_fields=["description"])
        messages.success(request, f"Code {code.path} is in the codebook.")
    else:
        messages.error(request, "Give the code a name (Theme/Code).")
    return redirect("evaluation:coding-workspace", slug=survey.slug)


@require_POST
def coding_apply(request, slug):
    survey = _lead_survey(request, slug)
    form = ApplyCodeForm(request.POST, survey=survey)
    page = request.POST.get("page", "")
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect(_coding_place(survey, request.POST.get("unit", ""), page))
    unit = _unit(survey, form.cleaned_data["unit"])
    text = unit["answer"].value if unit["answer"] else unit["transcript"].text
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    passage = form.cleaned_data["passage"].strip()
    if passage and (start is None or end is None or text[start:end].strip() != passage):
        start = text.find(passage)
        if start < 0:
            messages.error(
                request, "That passage is not in the text; copy it exactly, or leave it empty."
            )
            return redirect(_coding_place(survey, form.cleaned_data["unit"], page))
        end = start + len(passage)
    services.apply_code(
        code=form.cleaned_data["code"],
        coder=request.user.email,
        start=start or 0,
        end=end,
        memo=form.cleaned_data["memo"],
        **unit,
    )
    messages.success(request, f"Coded as {form.cleaned_data['code'].path}.")
    # Back to the same page and text, so the coder keeps their place.
    return redirect(_coding_place(survey, form.cleaned_data["unit"], page))


@require_POST
def coding_delete(request, slug, pk):
    survey = _lead_survey(request, slug)
    coding = get_object_or_404(Coding, pk=pk, code__survey=survey, coder=request.user.email)
    unit_key = (
        f"answer:{coding.answer_id}" if coding.answer_id else f"transcript:{coding.transcript_id}"
    )
    coding.delete()
    messages.success(request, "Coding removed.")
    return redirect(_coding_place(survey, unit_key, request.POST.get("page", "")))


@require_POST
def transcript_upload(request, slug):
    survey = _lead_survey(request, slug)
    form = TranscriptForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            t = services.upload_transcript(
                survey=survey,
                filename=upload.name,
                data=upload.read(),
                title=form.cleaned_data["title"],
            )
        except TranscriptError as exc:
            messages.error(request, f"Transcript not added: {exc}")
        else:
            messages.success(
                request,
                f"Transcript “{t.title}” added; speakers replaced by participant numbers. "
                "Here it is, ready to code.",
            )
            # To the new transcript, wherever it comes in the list of texts.
            return redirect(_coding_place(survey, f"transcript:{t.pk}"))
    else:
        _report_form_errors(request, form)
    return redirect(
        reverse("evaluation:coding-workspace", kwargs={"slug": survey.slug}) + "#add-transcript"
    )


def _report_form_errors(request, form) -> None:
    """One message with every field error of a form posted from another page, each named by
    its field's label (the form is not on the page the member returns to)."""
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = (field.label or name.replace("_", " ").capitalize()) if field else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    messages.error(request, "; ".join(parts))


@require_GET
def agreement_view(request, slug):
    survey = _lead_survey(request, slug)
    coders = services.coders(survey)
    coder_a = request.GET.get("coder_a") or (coders[0] if coders else "")
    coder_b = request.GET.get("coder_b") or (coders[1] if len(coders) > 1 else "")
    per_code: list[CodeAgreement] = []
    overall = (None, None)
    if coder_a and coder_b and coder_a != coder_b:
        per_code, kappa, percent = services.agreement(
            survey=survey, coder_a=coder_a, coder_b=coder_b
        )
        overall = (kappa, percent)
    return render(
        request,
        "evaluation/agreement_view.html",
        {
            "survey": survey,
            "coders": coders,
            "coder_a": coder_a,
            "coder_b": coder_b,
            "per_code": per_code,
            "overall": overall,
        },
    )


@require_http_methods(["GET", "POST"])
def reconcile_view(request, slug):
    survey = _lead_survey(request, slug)
    if request.method == "POST":
        unit = _unit(survey, request.POST.get("unit", ""))
        codes = list(Code.objects.filter(survey=survey, pk__in=request.POST.getlist("codes")))
        services.reconcile_unit(survey=survey, codes=codes, **unit)
        messages.success(request, "Agreed codes saved.")
        return redirect("evaluation:reconcile-view", slug=survey.slug)
    paths = services.code_paths(survey)
    by_unit = defaultdict(lambda: defaultdict(set))
    for c in Coding.objects.filter(code__survey=survey).only(
        "coder", "code_id", "answer_id", "transcript_id"
    ):
        by_unit[c.unit_key][c.coder].add(c.code_id)
    answers, transcripts = services.coding_units(survey)
    coders = services.coders(survey)
    rows = []
    for key, form_key, title, text in [
        (f"a{a.pk}", f"answer:{a.pk}", f"{a.question.qid} · {a.response.label}", a.value)
        for a in answers
    ] + [
        (f"t{t.pk}", f"transcript:{t.pk}", f"Transcript · {t.title}", t.text) for t in transcripts
    ]:
        sets = by_unit.get(key, {})
        coded = [sets.get(c, set()) for c in coders]
        if not any(coded):
            continue
        agreed = sets.get(CONSENSUS)
        differs = len({frozenset(s) for s in coded}) > 1
        rows.append(
            {
                "key": form_key,
                "title": title,
                "text": text,
                "differs": differs,
                "coders": [
                    (c, sorted(paths[p] for p in s)) for c, s in zip(coders, coded, strict=True)
                ],
                "selected": agreed
                if agreed is not None
                else set.union(*coded)
                if differs is False
                else set.intersection(*coded),
                "agreed": agreed is not None,
            }
        )
    rows.sort(key=lambda r: (r["agreed"], not r["differs"]))
    return render(
        request,
        "evaluation/reconcile_view.html",
        {
            "survey": survey,
            "rows": rows,
            "codes": sorted(paths.items(), key=lambda kv: kv[1]),
            "coders": coders,
        },
    )


@require_GET
def theme_report(request, slug):
    survey = _lead_survey(request, slug)
    asked = report_groups(request.GET, survey=survey)
    for error in asked.errors:
        messages.error(request, error)
    form = asked.form
    report, themes = services.theme_table(survey=survey, groups=asked.groups)
    quotes = services.theme_quotes(survey=survey)
    rows = [(row.item, list(zip(report.groups, row.cells, strict=True))) for row in report.rows]
    return render(
        request,
        "evaluation/theme_report.html",
        {
            "survey": survey,
            "form": form,
            "report": report,
            "rows": rows,
            "quotes": [(t, quotes.get(t.pk, [])) for t in themes],
        },
    )


@require_GET
def codes_export(request, slug):
    survey = _lead_survey(request, slug)
    return download_response(
        services.export_codes_csv(survey=survey).encode(),
        f"{survey.slug}-codes.csv",
        "text/csv; charset=utf-8",
    )


@require_POST
def codes_import(request, slug):
    """Check (dry run) or import codes from CSV, all or nothing. A long file is checked or
    imported by a background job (core/jobs.py) whose page shows its progress and result: one
    import into a survey at a time, so two leads pressing Import together get one import."""
    survey = _lead_survey(request, slug)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        _report_form_errors(request, form)
        return redirect("evaluation:coding-workspace", slug=survey.slug)
    data, dry_run = form.cleaned_data["file"].read(), form.cleaned_data["dry_run"]
    if data.count(b"\n") > DIRECT_CODES_MAX_LINES:
        return _coding_import_job(
            request, survey, kind=CODES_IMPORT, key="codes", filename="codes.csv", data=data,
            dry_run=dry_run, title="Check of codes" if dry_run else "Codes import",
            doing="checking this file" if dry_run else "importing codes into this survey",
        )  # fmt: skip
    try:
        n = services.import_codes_csv(survey=survey, data=data, dry_run=dry_run)
    except ParseError as exc:
        for error in exc.errors[:20]:
            messages.error(request, error)
        messages.error(request, "No codes were imported.")
    else:
        messages.success(
            request, f"{'Checked' if dry_run else 'Imported'} {n} coding{pluralize(n)}."
        )
    return redirect("evaluation:coding-workspace", slug=survey.slug)


def _coding_import_job(
    request, survey, *, kind: str, key: str, filename: str, data: bytes, dry_run: bool,
    title: str, doing: str,
):  # fmt: skip
    """Start (or join) the background job that checks or imports a large file into the coding
    workspace: one import into a survey at a time, one check per survey and file."""
    digest = hashlib.sha256(data).hexdigest()[:32]
    job, created = start_job(
        kind=kind,
        key=f"{key}-check:{survey.pk}:{digest}" if dry_run else f"{key}:{survey.pk}",
        title=f"{title} for {survey.title}",
        by=request.user,
        params={
            "survey": survey.pk,
            "dry_run": dry_run,
            "back_url": reverse("evaluation:coding-workspace", kwargs={"slug": survey.slug}),
            "back_label": "Back to the coding workspace",
        },
        upload=(filename, data),
    )
    return follow_job(request, job, created, already=f"is already {doing}")


@require_GET
def qdpx_export(request, slug):
    survey = _lead_survey(request, slug)
    return download_response(
        services.export_qdpx(survey=survey), f"{survey.slug}.qdpx", "application/zip"
    )


@require_POST
def qdpx_import(request, slug):
    """Check (dry run) or import codings from a REFI-QDA project, all or nothing. A large
    project is read by a background job, one import into a survey at a time."""
    survey = _lead_survey(request, slug)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        _report_form_errors(request, form)
        return redirect("evaluation:coding-workspace", slug=survey.slug)
    data, dry_run = form.cleaned_data["file"].read(), form.cleaned_data["dry_run"]
    if len(data) > DIRECT_QDPX_MAX_BYTES:
        return _coding_import_job(
            request, survey, kind=QDPX_IMPORT, key="qdpx", filename="project.qdpx", data=data,
            dry_run=dry_run,
            title="Check of a REFI-QDA project" if dry_run else "REFI-QDA import",
            doing="checking this project" if dry_run else "importing a project into this survey",
        )  # fmt: skip
    try:
        result = services.import_qdpx(survey=survey, data=data, dry_run=dry_run)
    except RefiError as exc:
        messages.error(request, f"Nothing imported: {exc}")
    else:
        messages.success(request, result.summary())
    return redirect("evaluation:coding-workspace", slug=survey.slug)


# --- Value creation -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def value_report(request, slug):
    survey = _lead_survey(request, slug)
    form = ValueStatementForm(request.POST if request.method == "POST" else None, survey=survey)
    if request.method == "POST":
        if form.is_valid():
            statement = form.save(commit=False)
            statement.survey = survey
            statement.save()
            messages.success(request, "Added to the value-creation table.")
            return redirect("evaluation:value-report", slug=survey.slug)
        _report_form_errors(request, form)
    table = value_table(survey)
    statements = [s for _, cells in table for cell in cells.values() for s in cell]
    fmt = request.GET.get("format")
    large = sum(len(s.quote) for s in statements) > DIRECT_VALUE_MAX_CHARS
    if fmt in VALUE_FORMATS and large:
        # Kept for links and scripts; a large report's file is built by a worker instead, from
        # the buttons (value_report_build).
        messages.info(
            request,
            "This report is large: its file is built in the background. Press PDF or XLSX.",
        )
    indicators = platform_indicators()
    if fmt in VALUE_FORMATS and not large:
        return download_response(*value_file(survey, fmt, table=table, indicators=indicators))
    return render(
        request,
        "evaluation/value_report.html",
        {
            "survey": survey,
            "table": table,
            "n_statements": len(statements),
            "large": large,
            "indicators": indicators,
            "form": form,
            "quotes": services.theme_quotes(survey=survey),
        },
    )


@require_POST
def value_report_build(request, slug):
    """The value report's PDF or spreadsheet. A small report's file is the response itself; a
    large one's is built as a background job (core/jobs.py) and this follows it: its page shows
    the progress and offers the file when it is ready. One build per survey and format at a
    time, so two leads pressing the button together get one build."""
    survey = _lead_survey(request, slug)
    fmt = request.POST.get("format")
    if fmt not in VALUE_FORMATS:
        messages.error(request, "Choose PDF or XLSX.")
        return redirect("evaluation:value-report", slug=survey.slug)
    chars = survey.value_statements.aggregate(n=Sum(Length("quote")))["n"] or 0
    if chars <= DIRECT_VALUE_MAX_CHARS:
        return download_response(*value_file(survey, fmt))
    job, created = start_job(
        kind=VALUE_REPORT,
        key=value_job_key(survey, fmt),
        title=f"Value report ({fmt.upper()}): {survey.title}",
        by=request.user,
        params={
            "survey": survey.pk,
            "format": fmt,
            "back_url": reverse("evaluation:value-report", kwargs={"slug": survey.slug}),
            "back_label": "Back to the value report",
        },
    )
    return follow_job(request, job, created, already="is already building this file")
