import hashlib
import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import TruncMonth
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nearpeer.core.cache import fragment
from nearpeer.core.files import download_response, inline_response, open_or_404
from nearpeer.core.forms import add_service_errors
from nearpeer.core.jobs import start_job
from nearpeer.members.models import fragments_with_roles

from . import formats, itemstats, scoring, services
from .forms import (
    YEAR_CHOICES,
    AnswerForm,
    CommentForm,
    ExportForm,
    FlagForm,
    FlagReplyForm,
    ImportForm,
    PaperAddForm,
    PaperForm,
    PracticeFilterForm,
    QuestionForm,
    RatingForm,
    RetentionForm,
    TagCreateForm,
    TagMergeForm,
    TagRenameForm,
    TransitionForm,
    answer_response,
)
from .home import count_due, due_times
from .jobs import QUESTION_EXPORT, QUESTION_IMPORT, export_params
from .models import (
    Attempt,
    Comment,
    CommentKind,
    Paper,
    PaperItem,
    PaperStatus,
    PendingImport,
    Question,
    QueueSettings,
    Rating,
    ReviewCard,
    Sitting,
    Status,
    Tag,
    TagKind,
    response_of,
)
from .permissions import (
    REVIEWING,
    can_edit,
    can_import,
    can_manage_papers,
    can_manage_tags,
    can_resolve_flag,
    can_review_comment,
    can_see_author,
    can_see_paper,
    can_see_question,
    can_sit,
    is_author,
    is_reviewer,
    transitions_for,
)

FILTERS_SESSION_KEY = "questions_practice_filters"
# What the cached question pages show: questions, and people's names (authors).
TOPICS = ("questions", "teaching")


def _question_or_404(request, pk: int) -> Question:
    question = get_object_or_404(
        Question.objects.select_related("author", "latest_version", "published_version"), pk=pk
    )
    if not can_see_question(request.user, question):
        raise Http404
    return question


def _error_messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


@require_GET
def home(request):
    """The bank's home. What everyone sees (the filter form, the published count) is cached
    per chosen filters, and the member's own questions and their cards' due times per member,
    until a write bumps the version (all three read in one round trip); the to-review count
    is read live."""
    user = request.user
    initial = request.session.get(FILTERS_SESSION_KEY, {"year": user.year})
    template = "questions/home.html"

    def practise() -> str:
        return render_to_string(
            f"{template}#practise",
            {
                "filter_form": PracticeFilterForm(initial=initial),
                "published": Question.objects.practisable().count(),
            },
        )

    def mine() -> str:
        questions = (
            Question.objects.filter(author=user)
            .annotate(
                open_flags=Count(
                    "comments",
                    filter=Q(comments__kind=CommentKind.FLAG, comments__resolved_at__isnull=True),
                )
            )
            .select_related("latest_version")
            .prefetch_related("tags")
            .order_by("-updated_at", "-pk")[:50]
        )
        return render_to_string(f"{template}#mine", {"mine": questions})

    filters = urlencode(sorted((k, str(v)) for k, v in initial.items()))
    # The shared part, the member's own questions and their due times: one cache round trip.
    # (With the member's roles, which the page's permissions ask for.)
    practise_html, mine_html, times = fragments_with_roles(user,
        [(f"bank:{filters}", TOPICS, practise), (f"bank-mine:{user.pk}", TOPICS, mine),
         due_times(user.pk)]
    )  # fmt: skip
    reviewer = is_reviewer(user)
    to_review = (
        Question.objects.filter(status__in=REVIEWING).exclude(author=user).count()
        if reviewer
        else 0
    )
    return render(
        request,
        template,
        {
            "practise_html": mark_safe(practise_html),  # noqa: S308 (our templates)
            "mine_html": mark_safe(mine_html),  # noqa: S308 (our templates)
            "due": count_due(times),
            "to_review": to_review,
            "reviewer": reviewer,
            "committee": can_manage_tags(user),
        },
    )


@require_http_methods(["GET", "POST"])
def question_create(request):
    form = QuestionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            question = services.save_question(
                author=request.user, question=None, content=form.content(), tags=form.tags(),
                years=form.cleaned_data["years"], blind_review=form.cleaned_data["blind_review"],
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Question saved as a draft. Submit it when it is ready.")
            return redirect("questions:question-detail", pk=question.pk)
    return render(request, "questions/question_form.html", {"form": form, "question": None})


@require_http_methods(["GET", "POST"])
def question_edit(request, pk: int):
    question = _question_or_404(request, pk)
    if not can_edit(request.user, question):
        raise Http404
    form = QuestionForm(
        request.POST or None, request.FILES or None,
        version=question.latest_version, question=question,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        was_published = question.status == Status.PUBLISHED
        try:
            services.save_question(
                author=request.user, question=question, content=form.content(), tags=form.tags(),
                years=form.cleaned_data["years"], blind_review=form.cleaned_data["blind_review"],
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                "New version saved as a draft; members keep practising the published version "
                "until this one is reviewed and published."
                if was_published
                else "Draft saved.",
            )
            return redirect("questions:question-detail", pk=question.pk)
    return render(request, "questions/question_form.html", {"form": form, "question": question})


@require_GET
def question_detail(request, pk: int):
    question = _question_or_404(request, pk)
    user = request.user
    if not (is_author(user, question) or is_reviewer(user)):
        return redirect("questions:question-practise", pk=question.pk)
    comments = list(Comment.objects.filter(question=question).select_related("author", "version"))
    open_flags = sum(1 for c in comments if c.kind == CommentKind.FLAG and not c.resolved_at)
    return render(
        request,
        "questions/question_detail.html",
        {
            "question": question,
            "version": question.latest_version,
            "tags": question.tags.all(),
            "versions": question.versions.all(),
            "transitions": transitions_for(user, question),
            "comments": comments,
            "open_flags": open_flags,
            "show_author": can_see_author(user, question),
            "can_edit": can_edit(user, question),
            "can_comment": can_review_comment(user, question),
            "comment_form": CommentForm(),
            "can_resolve": can_resolve_flag(user, question),
            "reply_form": FlagReplyForm(),
        },
    )


@require_POST
def question_transition(request, pk: int):
    question = _question_or_404(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That action was not understood.")
        return redirect("questions:question-detail", pk=pk)
    try:
        services.transition_question(
            question=question, by=request.user, name=form.cleaned_data["action"],
            comment=form.cleaned_data["comment"],
        )  # fmt: skip
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
    else:
        question.refresh_from_db(fields=["status"])
        messages.success(request, f"The question is now: {question.get_status_display()}.")
    if is_author(request.user, question) or is_reviewer(request.user):
        return redirect("questions:question-detail", pk=pk)
    return redirect("questions:home")


@require_POST
def question_comment(request, pk: int):
    question = _question_or_404(request, pk)
    if not can_review_comment(request.user, question):
        raise Http404
    form = CommentForm(request.POST)
    if form.is_valid():
        services.add_comment(question=question, by=request.user, body=form.cleaned_data["body"])
        messages.success(request, "Comment added.")
    else:
        messages.error(request, "Write a comment (up to 4,000 characters).")
    return redirect("questions:question-detail", pk=pk)


@require_GET
def practice_next(request):
    form = PracticeFilterForm(request.GET)
    if not form.is_valid():
        messages.error(request, "Those filters were not understood.")
        return redirect("questions:home")
    request.session[FILTERS_SESSION_KEY] = {
        name: (value.pk if isinstance(value, Tag) else value)
        for name, value in form.cleaned_data.items()
    }
    question = services.pick_practice_question(
        member=request.user, tags=form.tags(), year=form.cleaned_data["year"]
    )
    if question is None:
        messages.info(request, "No published questions match those filters yet.")
        return redirect("questions:home")
    return redirect("questions:question-practise", pk=question.pk)


@require_http_methods(["GET", "POST"])
def question_practise(request, pk: int):
    """Before an answer (GET) the page is the same for everyone who may practise the question:
    its parts are cached per published version, so a warm GET reads only the question's row
    (for the permission) and builds neither the version nor the answer form."""
    posted = request.method == "POST"
    questions = Question.objects.all()
    if posted:
        questions = questions.select_related("author", "latest_version", "published_version")
    question = get_object_or_404(questions, pk=pk)
    key = f"practise:{question.published_version_id}"
    # The cached parts are looked at (never built) with the member's roles, which the
    # permission needs: one round trip when warm.
    [shown] = fragments_with_roles(request.user, [(key, TOPICS, None)]) if not posted else [None]
    if not can_see_question(request.user, question) or question.published_version_id is None:
        raise Http404
    from_queue = request.GET.get("from") == "queue"
    form = None
    if posted:
        form = AnswerForm(request.POST, version=question.published_version)
        if form.is_valid():
            try:
                attempt = services.answer_question(
                    member=request.user, question=question, selected=form.selected(),
                    response=form.response(), confidence=form.cleaned_data["confidence"],
                    source="queue" if from_queue else "practice",
                )  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("questions:attempt-detail", pk=attempt.pk)
    context = {
        "question": question,
        "form": form,  # None before an answer: the page shows no errors then
        "from_queue": from_queue,
        "confidence": _chosen_confidence(request),
        "confidence_choices": services.Confidence.CHOICES,
    }
    template = "questions/question_practise.html"

    def parts() -> dict:
        version = question.published_version
        shared = {
            **context,
            "version": version,
            "form": form or AnswerForm(version=version),
            # Inputs are written in the template: faster than rendering a widget per option.
            "chosen": [int(v) for v in request.POST.getlist("answer") if v.isdigit()],
            "response": answer_response(version, request.POST) or {},
            "rating": services.rating_summary(question),
        }
        html = {
            f"{name}_html": render_to_string(f"{template}#{name}", shared)
            for name in ("meta", "version", "inputs")
        }
        return {"title": version.title, **html}

    if shown is None:
        shown = fragment(key, TOPICS, parts) if not posted else parts()
    context |= {
        name: value if name == "title" else mark_safe(value)  # noqa: S308 (our templates)
        for name, value in shown.items()
    }
    return render(request, template, context)


def _chosen_confidence(request) -> int | None:
    if request.method == "GET":
        return services.Confidence.FAIRLY_SURE
    raw = request.POST.get("confidence", "")
    return int(raw) if raw.isdigit() else None


@require_GET
def attempt_detail(request, pk: int):
    attempt = get_object_or_404(
        Attempt.objects.select_related("question__author", "version"), pk=pk, member=request.user
    )
    question = attempt.question
    rating = Rating.objects.filter(member=request.user, question=question).first()
    comments = Comment.objects.filter(question=question, kind=CommentKind.PRACTICE).select_related(
        "author"
    )
    return render(
        request,
        "questions/attempt_detail.html",
        {
            "attempt": attempt,
            "question": question,
            "version": attempt.version,
            "distribution": services.answer_distribution(attempt.version),
            "rating": services.rating_summary(question),
            "rating_form": RatingForm(
                initial={"quality": rating.quality, "difficulty": rating.difficulty}
                if rating
                else None
            ),
            "comment_form": CommentForm(),
            "flag_form": FlagForm(),
            "comments": comments,
            # "Another question" keeps the specialty/system/exam/year the member chose.
            "another_query": urlencode(
                {k: v for k, v in request.session.get(FILTERS_SESSION_KEY, {}).items() if v}
            ),
            "due": services.next_due_question(member=request.user) is not None,
            "minimum": settings.NEARPEER_MIN_GROUP_SIZE,
        },
    )


def _practisable_or_404(request, pk: int) -> Question:
    question = _question_or_404(request, pk)
    if not question.published_version_id:
        raise Http404
    return question


@require_POST
def question_rate(request, pk: int):
    question = _practisable_or_404(request, pk)
    rated = request.POST.get("quality") or request.POST.get("difficulty")
    form = RatingForm(request.POST)
    if rated and form.is_valid():
        services.rate_question(member=request.user, question=question, **form.cleaned_data)
        messages.success(request, "Thanks, your rating is saved.")
    elif rated:
        messages.error(request, "Choose both a quality and a difficulty from 1 to 5.")
    comment = CommentForm(request.POST)
    if request.POST.get("body", "").strip() and comment.is_valid():
        services.add_comment(
            question=question, by=request.user, body=comment.cleaned_data["body"],
            kind=CommentKind.PRACTICE,
        )  # fmt: skip
        messages.success(request, "Your comment is posted.")
    return _back_to_attempt(request)


def _back_to_attempt(request):
    """Return to the member's own attempt page they came from; anything else goes home."""
    try:
        attempt_pk = int(request.POST.get("attempt", ""))
    except ValueError:
        return redirect("questions:home")
    if Attempt.objects.filter(pk=attempt_pk, member=request.user).exists():
        return redirect("questions:attempt-detail", pk=attempt_pk)
    return redirect("questions:home")


@require_POST
def question_flag(request, pk: int):
    question = _practisable_or_404(request, pk)
    form = FlagForm(request.POST)
    if form.is_valid():
        services.flag_question(
            question=question, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, "Thank you: the author has been told.")
    else:
        messages.error(request, "Say what is wrong (up to 2,000 characters).")
    return _back_to_attempt(request)


@require_GET
def flag_list(request):
    """Open error reports: on the member's own questions, or across the bank for the committee."""
    flags = Comment.objects.filter(kind=CommentKind.FLAG, resolved_at__isnull=True)
    everyone = can_manage_tags(request.user)
    if not everyone:
        flags = flags.filter(question__author=request.user)
    flags = flags.select_related("question__latest_version", "version").order_by("created_at", "pk")
    return render(request, "questions/flag_list.html", {"flags": flags, "everyone": everyone})


@require_POST
def flag_resolve(request, pk: int):
    flag = get_object_or_404(Comment, pk=pk, kind=CommentKind.FLAG)
    question = _question_or_404(request, flag.question_id)
    if not can_resolve_flag(request.user, question):
        raise Http404
    form = FlagReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write a reply (up to 2,000 characters) to resolve the report.")
        return redirect("questions:question-detail", pk=question.pk)
    try:
        services.resolve_flag(flag=flag, by=request.user, reply=form.cleaned_data["reply"])
    except ValidationError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, "Report resolved: the member who sent it has been told.")
    return redirect("questions:question-detail", pk=question.pk)


@require_GET
def version_image(request, pk: int):
    from .models import QuestionVersion

    version = get_object_or_404(QuestionVersion.objects.select_related("question"), pk=pk)
    question = version.question
    if not version.image or not can_see_question(request.user, question):
        raise Http404
    published = version.pk == question.published_version_id
    if not (published or is_author(request.user, question) or is_reviewer(request.user)):
        raise Http404
    return inline_response(open_or_404(version.image), content_type=version.image_type)


@require_GET
def version_file(request, pk: int, index: int):
    """One further image or file of a version (QuestionVersion.attachments), to whoever may see
    the version's image; files other than images are downloaded, never shown inline."""
    from django.core.files.storage import default_storage

    from .models import QuestionVersion

    version = get_object_or_404(QuestionVersion.objects.select_related("question"), pk=pk)
    question = version.question
    attachments = version.attachments or []
    if index >= len(attachments) or not can_see_question(request.user, question):
        raise Http404
    published = version.pk == question.published_version_id
    if not (published or is_author(request.user, question) or is_reviewer(request.user)):
        raise Http404
    attachment = attachments[index]
    is_image = attachment["content_type"].startswith("image/")
    response = FileResponse(
        open_or_404(storage=default_storage, name=attachment["path"]),
        content_type=attachment["content_type"],
        as_attachment=not is_image,
        filename=attachment["name"],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@require_GET
def review_list(request):
    if not is_reviewer(request.user):
        raise Http404
    questions = (
        Question.objects.filter(status__in=REVIEWING)
        .exclude(author=request.user)
        .select_related("latest_version", "author")
        .prefetch_related("tags")
        .order_by("updated_at", "pk")
    )
    rows = [(q, can_see_author(request.user, q)) for q in questions]
    return render(request, "questions/review_list.html", {"rows": rows})


CONFIDENCE_MEANING = {
    services.Confidence.GUESS: "When you guess, a right answer is luck: these are worth revising.",
    services.Confidence.FAIRLY_SURE: "Somewhere between: compare with the rows above and below.",
    services.Confidence.CERTAIN: "When you are certain you should nearly always be right; "
    "certain-but-wrong answers are the misconceptions to fix first.",
}


@require_GET
def progress(request):
    """My accuracy by specialty, month by month, and how well my confidence matched my
    answers. Only the member sees it. Two queries."""
    mine = Attempt.objects.filter(member=request.user).order_by()
    by_month = (
        mine.filter(question__tags__kind=TagKind.SPECIALTY)
        .annotate(month=TruncMonth("answered_at"))
        .values("question__tags__name", "month")
        .annotate(n=Count("pk"), right=Count("pk", filter=Q(correct=True)))
        .order_by("question__tags__name", "month")
    )
    specialties: dict[str, list[dict]] = {}
    for row in by_month:
        specialties.setdefault(row["question__tags__name"], []).append(
            {"month": row["month"], "n": row["n"], "share": round(100 * row["right"] / row["n"])}
        )
    labels = dict(services.Confidence.CHOICES)
    calibration = [
        {
            "label": labels.get(row["confidence"], "Not given"),
            "n": row["n"],
            "share": round(100 * row["right"] / row["n"]),
            "meaning": CONFIDENCE_MEANING.get(row["confidence"], ""),
        }
        for row in mine.values("confidence")
        .annotate(n=Count("pk"), right=Count("pk", filter=Q(correct=True)))
        .order_by("confidence")
    ]
    return render(
        request,
        "questions/progress.html",
        {"specialties": sorted(specialties.items()), "calibration": calibration},
    )


@require_GET
def queue_home(request):
    now = timezone.now()
    cards = ReviewCard.objects.filter(member=request.user)
    upcoming = (
        cards.filter(due__gt=now).select_related("question__published_version").order_by("due")[:10]
    )
    return render(
        request,
        "questions/queue_home.html",
        {
            "due": cards.filter(due__lte=now).count(),
            "total": cards.count(),
            "upcoming": upcoming,
        },
    )


@require_GET
def queue_next(request):
    question = services.next_due_question(member=request.user)
    if question is None or not question.published_version_id:
        messages.info(request, "Nothing is due now. Come back later — or practise something new.")
        return redirect("questions:queue-home")
    return redirect(
        reverse("questions:question-practise", kwargs={"pk": question.pk}) + "?from=queue"
    )


@require_http_methods(["GET", "POST"])
def queue_settings(request):
    current = QueueSettings.objects.filter(member=request.user).first()
    form = RetentionForm(
        request.POST or None,
        initial={"desired_retention": current.desired_retention if current else 0.9},
    )
    if request.method == "POST" and form.is_valid():
        services.set_desired_retention(
            member=request.user, retention=form.cleaned_data["desired_retention"]
        )
        messages.success(request, "Saved: your next reviews use the new retention.")
        return redirect("questions:queue-home")
    return render(request, "questions/queue_settings.html", {"form": form})


# --- Mock papers -------------------------------------------------------------------------------


@require_GET
def paper_list(request):
    papers = Paper.objects.annotate(item_count=Count("items"))
    if not can_manage_papers(request.user):
        papers = papers.exclude(status=PaperStatus.DRAFT)
    papers = papers.prefetch_related(
        Prefetch(
            "sittings", queryset=Sitting.objects.filter(candidate=request.user), to_attr="mine"
        )
    )
    return render(
        request,
        "questions/paper_list.html",
        {"papers": papers, "manage": can_manage_papers(request.user)},
    )


@require_http_methods(["GET", "POST"])
def paper_create(request):
    if not can_manage_papers(request.user):
        raise Http404
    form = PaperForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            paper = services.build_paper_from_blueprint(
                title=form.cleaned_data["title"], by=request.user, blueprint=form.blueprint(),
                duration_minutes=form.cleaned_data["duration_minutes"],
                year=form.cleaned_data["year"],
            )  # fmt: skip
        except ValidationError as exc:
            for message in _error_messages(exc):
                form.add_error(None, message)
        else:
            messages.success(request, f"Paper built with {paper.items.count()} questions.")
            return redirect("questions:paper-detail", pk=paper.pk)
    return render(request, "questions/paper_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def paper_detail(request, pk: int):
    if not can_manage_papers(request.user):
        raise Http404
    paper = get_object_or_404(Paper, pk=pk)
    form = PaperAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ids = form.cleaned_data["question_ids"]
        found = list(Question.objects.practisable().filter(pk__in=ids))
        missing = sorted(set(ids) - {q.pk for q in found})
        if missing:
            form.add_error(
                "question_ids",
                "Not published (or not found): " + ", ".join(f"Q{i}" for i in missing),
            )
        else:
            try:
                added = services.add_paper_items(paper=paper, questions=found)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"{len(added)} questions added.")
                return redirect("questions:paper-detail", pk=pk)
    items = paper.items.select_related("version", "question").prefetch_related("question__tags")
    return render(
        request,
        "questions/paper_detail.html",
        {
            "paper": paper,
            "items": items,
            "form": form,
            "submitted": paper.sittings.filter(submitted_at__isnull=False).count(),
            "statuses": PaperStatus,
        },
    )


@require_http_methods(["GET", "POST"])
def paper_status(request, pk: int):
    if not can_manage_papers(request.user):
        raise Http404
    paper = get_object_or_404(Paper, pk=pk)
    if request.method == "GET":
        # Opening or closing a paper changes what candidates can do: ask first.
        status = request.GET.get("status", "")
        if status not in PaperStatus.values or status == paper.status:
            return redirect("questions:paper-detail", pk=pk)
        return render(
            request,
            "questions/paper_status_confirm.html",
            {
                "paper": paper,
                "status": status,
                "label": PaperStatus(status).label,
                "items": paper.items.count(),
                "sittings": paper.sittings.count(),
            },
        )
    status = request.POST.get("status", "")
    if status not in PaperStatus.values:
        messages.error(request, "Unknown status.")
    else:
        try:
            services.set_paper_status(paper=paper, status=status)
        except ValidationError as exc:
            for message in _error_messages(exc):
                messages.error(request, message)
        else:
            messages.success(request, f"The paper is now: {paper.get_status_display()}.")
    return redirect("questions:paper-detail", pk=pk)


@require_GET
def paper_analysis(request, pk: int):
    if not can_manage_papers(request.user):
        raise Http404
    paper = get_object_or_404(Paper, pk=pk)
    responses = services.paper_responses(paper)
    candidates = len({r.candidate for r in responses})
    analysis = None
    if candidates >= settings.NEARPEER_MIN_GROUP_SIZE:
        analysis = itemstats.analyse(responses)
        if request.GET.get("format") == "csv":
            return download_response(
                itemstats.to_csv(analysis), f"paper-{paper.pk}-items.csv", "text/csv"
            )
    return render(
        request,
        "questions/paper_analysis.html",
        {
            "paper": paper,
            "analysis": analysis,
            "candidates": candidates,
            "minimum": settings.NEARPEER_MIN_GROUP_SIZE,
        },
    )


@require_POST
def sitting_start(request, pk: int):
    paper = get_object_or_404(Paper, pk=pk)
    if not can_see_paper(request.user, paper):
        raise Http404
    if not can_sit(request.user, paper):
        messages.error(request, "This paper is not open for sitting.")
        return redirect("questions:paper-list")
    sitting = services.start_sitting(paper=paper, candidate=request.user)
    if sitting.finished:
        return redirect("questions:sitting-result", pk=sitting.pk)
    return redirect("questions:sitting-detail", pk=sitting.pk)


def _own_sitting(request, pk: int) -> Sitting:
    return get_object_or_404(Sitting.objects.select_related("paper"), pk=pk, candidate=request.user)


@require_http_methods(["GET", "POST"])
def sitting_detail(request, pk: int):
    sitting = _own_sitting(request, pk)
    if not sitting.finished and services.sitting_time_is_up(sitting):
        services.submit_sitting(sitting=sitting)
        messages.info(request, "Time is up: your answers were submitted.")
        return redirect("questions:sitting-result", pk=pk)
    if sitting.finished:
        return redirect("questions:sitting-result", pk=pk)
    items = list(sitting.paper.items.select_related("version"))
    stored = {
        item_id: (mask, response)
        for item_id, mask, response in sitting.answers.values_list(
            "item_id", "selected_mask", "response"
        )
    }
    answered = {
        it.pk
        for it in items
        if it.pk in stored
        and scoring.is_answered(it.version.qtype, response_of(it.version.qtype, *stored[it.pk]))
    }
    position = _position(request, sitting, len(items))
    item = items[position - 1]
    if request.method == "POST":
        selected = [int(v) for v in request.POST.getlist("answer") if v.isdigit()]
        goto = _position_from(request.POST.get("goto"), len(items)) or position
        try:
            services.save_sitting_answer(
                sitting=sitting, item=item, selected=selected, position=goto,
                response=answer_response(item.version, request.POST),
            )  # fmt: skip
        except ValidationError as exc:
            if request.htmx:
                return HttpResponse(
                    " ".join(_error_messages(exc)), status=409, content_type="text/plain"
                )
            messages.error(request, " ".join(_error_messages(exc)))
            return redirect("questions:sitting-detail", pk=pk)
        if request.htmx:
            return render(
                request,
                "questions/sitting_detail.html#save-status",
                {"saved_at": timezone.now()},
            )
        if request.POST.get("finish"):
            return redirect(reverse("questions:sitting-detail", kwargs={"pk": pk}) + "?review=1")
        return redirect(reverse("questions:sitting-detail", kwargs={"pk": pk}) + f"?q={goto}")
    mask, response = stored.get(item.pk, (0, None))
    return render(
        request,
        "questions/sitting_detail.html",
        {
            "sitting": sitting,
            "item": item,
            "version": item.version,
            "position": position,
            "count": len(items),
            "selected": [i for i in range(len(item.version.options)) if mask & (1 << i)],
            "response": response or {},
            "navigator": [(i + 1, it.pk in answered) for i, it in enumerate(items)],
            "answered": len(answered),
            "review": request.GET.get("review") == "1",
            "deadline": sitting.deadline,
        },
    )


def _position_from(raw, count: int) -> int | None:
    if raw and str(raw).isdigit() and 1 <= int(raw) <= count:
        return int(raw)
    return None


def _position(request, sitting: Sitting, count: int) -> int:
    return _position_from(request.GET.get("q"), count) or min(max(sitting.position, 1), count)


@require_http_methods(["GET", "POST"])
def sitting_submit(request, pk: int):
    """GET asks first (how many are unanswered, how much time is left); POST submits."""
    sitting = _own_sitting(request, pk)
    if sitting.finished:
        return redirect("questions:sitting-result", pk=pk)
    if request.method == "GET":
        total = sitting.paper.items.count()
        answered = sitting.answers.exclude(selected_mask=0).count()
        seconds = max(0, int((sitting.deadline - timezone.now()).total_seconds()))
        return render(
            request,
            "questions/sitting_submit.html",
            {
                "sitting": sitting,
                "total": total,
                "unanswered": total - answered,
                "minutes_left": seconds // 60,
                "deadline": sitting.deadline,
            },
        )
    services.submit_sitting(sitting=sitting)
    messages.success(request, "Submitted. Your result is below — only you can see it.")
    return redirect("questions:sitting-result", pk=pk)


@require_GET
def sitting_result(request, pk: int):
    sitting = _own_sitting(request, pk)
    if not sitting.finished:
        return redirect("questions:sitting-detail", pk=pk)
    answers = {
        item_id: (mask, response)
        for item_id, mask, response in sitting.answers.values_list(
            "item_id", "selected_mask", "response"
        )
    }
    items = []
    for item in PaperItem.objects.filter(paper=sitting.paper).select_related("version"):
        response = response_of(item.version.qtype, *answers.get(item.pk, (0, None)))
        items.append(
            {
                "item": item,
                "credit": item.version.score(response),
                "label": scoring.response_label(item.version.qtype, response),
                # Choice questions list every option with the key and the member's choice.
                "options": (
                    _marked_options(item.version, answers.get(item.pk, (0, None))[0])
                    if item.version.is_choice
                    else []
                ),
            }
        )
    return render(
        request,
        "questions/sitting_result.html",
        {
            "sitting": sitting,
            "feedback": services.sitting_feedback(sitting),
            "items": items,
            "total": len(items),
        },
    )


def _marked_options(version, mask: int) -> list[dict]:
    """Each option with whether the member chose it and whether it is in the key."""
    options = version.options if isinstance(version.options, list) else []
    return [
        {
            "index": i,
            "text": o.get("text", "") if isinstance(o, dict) else str(o),
            "chosen": bool(mask & (1 << i)),
            "correct": bool(isinstance(o, dict) and o.get("correct")),
        }
        for i, o in enumerate(options)
    ]


# --- Tags --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def tag_list(request):
    if not can_manage_tags(request.user):
        raise Http404
    form = TagCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tag = services.create_tag(**form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{tag.get_kind_display()} tag “{tag.name}” created.")
            return redirect("questions:tag-list")
    tags = Tag.objects.annotate(question_count=Count("questions")).order_by("kind", "name")
    groups = {kind: [] for kind in TagKind.values}
    for tag in tags:
        groups[tag.kind].append(tag)
    return render(
        request,
        "questions/tag_list.html",
        {
            "form": form,
            "groups": [(TagKind(kind), rows) for kind, rows in groups.items()],
            "years": YEAR_CHOICES,
        },
    )


@require_http_methods(["GET", "POST"])
def tag_edit(request, pk: int):
    if not can_manage_tags(request.user):
        raise Http404
    tag = get_object_or_404(Tag, pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    rename = TagRenameForm(request.POST if action == "rename" else None, initial={"name": tag.name})
    merge = TagMergeForm(request.POST if action == "merge" else None, tag=tag)
    if action == "rename" and rename.is_valid():
        try:
            services.rename_tag(tag=tag, name=rename.cleaned_data["name"])
        except ValidationError as exc:
            add_service_errors(rename, exc)
        else:
            messages.success(request, f"Renamed to “{tag.name}”.")
            return redirect("questions:tag-list")
    elif action == "merge" and merge.is_valid():
        target = merge.cleaned_data["target"]
        try:
            moved = services.merge_tags(source=tag, target=target)
        except ValidationError as exc:
            add_service_errors(merge, exc)
        else:
            messages.success(
                request,
                f"“{tag.name}” merged into “{target.name}” ({moved} question{pluralize(moved)} "
                "moved).",
            )
            return redirect("questions:tag-list")
    return render(
        request,
        "questions/tag_edit.html",
        {"tag": tag, "rename": rename, "merge": merge, "count": tag.questions.count()},
    )


# --- Export ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def question_export(request):
    """Export questions as Moodle XML, GIFT or an Anki deck: those matching the practice filters
    (the member's current ones to start with) or chosen by number, limited to what the member
    may see (services.exportable_questions). Up to services.EXPORT_SYNC_LIMIT questions the
    file downloads at once; above, a background job builds it and its page offers it; above
    EXPORT_MAX_QUESTIONS the form asks for narrower filters."""
    user = request.user
    if request.method == "POST":
        form = ExportForm(request.POST)
    else:
        initial = dict(request.session.get(FILTERS_SESSION_KEY, {"year": user.year}))
        chosen = [pk for pk in request.GET.getlist("q") if pk.isdigit()]
        if chosen:
            initial["questions"] = ", ".join(f"Q{pk}" for pk in chosen[:500])
        form = ExportForm(initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        params = export_params(
            file_format=data["file_format"], include_unpublished=data["include_unpublished"],
            tags=form.tags(), year=data["year"], ids=data["questions"],
        )  # fmt: skip
        try:
            queryset = services.select_for_export(
                user=user, include_unpublished=params["include_unpublished"], tags=form.tags(),
                year=params["year"], ids=params["ids"],
            )  # fmt: skip
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("questions", message)
        else:
            fmt = params["format"]
            plan, n, problem = services.export_plan(queryset, fmt)
            if plan == "refuse":
                form.add_error(None, problem)
            elif plan == "job":
                key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
                job, _ = start_job(
                    kind=QUESTION_EXPORT,
                    key=f"export:{user.pk}:{key[:32]}",
                    title=f"Export of {n} questions ({services.EXPORT_FORMATS[fmt][0]})",
                    by=user,
                    params={
                        **params,
                        "back_url": reverse("questions:question-export"),
                        "back_label": "Back to the export",
                    },
                )
                return redirect("core:job-detail", pk=job.pk)
            else:
                content = services.export_file(
                    questions=services.export_data(queryset, with_files=fmt != "gift"),
                    file_format=fmt,
                    deck_name="Nearpeer · Exported questions",
                )  # fmt: skip
                response = HttpResponse(content, content_type=services.EXPORT_FORMATS[fmt][2])
                response["Content-Disposition"] = content_disposition_header(
                    True, services.export_filename(fmt)
                )
                response["Cache-Control"] = "private, no-store"
                return response
    return render(
        request,
        "questions/export.html",
        {
            "form": form,
            "sync_limit": services.EXPORT_SYNC_LIMIT,
            "max_questions": services.EXPORT_MAX_QUESTIONS,
            "sync_files": services.EXPORT_SYNC_FILES,
            "max_files": services.EXPORT_MAX_FILES,
        },
    )


# --- Import ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def import_upload(request):
    if not can_import(request.user):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        pending = services.stage_import(
            by=request.user, filename=form.filename, data=form.cleaned_data["file"],
            file_format=form.cleaned_data["file_format"], publish=form.cleaned_data["publish"],
        )  # fmt: skip
        return redirect("questions:import-preview", pk=pending.pk)
    return render(request, "questions/import_upload.html", {"form": form})


def _own_pending_import(request, pk: int) -> PendingImport:
    if not can_import(request.user):
        raise Http404
    return get_object_or_404(PendingImport, pk=pk, uploaded_by=request.user)


@require_GET
def import_preview(request, pk: int):
    pending = _own_pending_import(request, pk)
    rows, problems, unsupported, tally = [], [], 0, ""
    try:
        parsed = services.read_import_file(
            data=bytes(pending.data), file_format=pending.file_format
        )
    except formats.FormatError as exc:
        problems = [f"The file cannot be read: {exc}."]
    else:
        rows = services.import_preview(parsed)
        problems = [str(p) for p in parsed.problems]
        unsupported = len(parsed.unsupported)
        if problems:
            tally = services.import_tally(parsed)
    return render(
        request,
        "questions/import_preview.html",
        {
            "pending": pending,
            "rows": rows,
            "problems": problems,
            "unsupported": unsupported,
            "importable": sum(1 for row in rows if row["supported"]),
            "tally": tally,
        },
    )


@require_POST
def import_confirm(request, pk: int):
    """Start the import of a previewed file as a background job and follow it (core/jobs.py);
    pressing twice gives the one job."""
    pending = _own_pending_import(request, pk)
    job, _ = start_job(
        kind=QUESTION_IMPORT,
        key=f"pending:{pending.pk}",
        title=f"Import of {pending.filename}",
        by=request.user,
        params={
            "pending": pending.pk,
            "skip_unsupported": request.POST.get("skip_unsupported") == "1",
            "back_url": reverse("questions:import-preview", kwargs={"pk": pending.pk}),
            "back_label": "Back to the preview",
        },
    )
    return redirect("core:job-detail", pk=job.pk)
