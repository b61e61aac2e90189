import csv
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nearpeer.core.files import download_response
from nearpeer.core.jobs import start_job
from nearpeer.members.models import User
from nearpeer.members.permissions import is_committee
from nearpeer.teaching.models import Session, SessionKind
from nearpeer.teaching.permissions import can_run_session

from . import credentials, jobs, keys, pdf, services
from .forms import (
    ApplicationForm,
    AssignmentForm,
    BulkDecisionForm,
    CallForm,
    FeedbackForm,
    ObservationForm,
    ObserverInviteForm,
    ReviewForm,
    RevokeForm,
    TemplateForm,
    TermCertificateForm,
)
from .models import Application, Call, Certificate, Observation, Review
from .permissions import (
    can_manage_calls,
    can_review,
    can_see_application,
    can_use_teacher_tools,
    owns_certificate,
    sees_applicant_identity,
)
from .ratelimit import allow
from .services import TeachersError
from .terms import term_slug


def _require(allowed: bool) -> None:
    """Pages a user has no business with answer 404: they need not learn they exist."""
    if not allowed:
        raise Http404


def _error(request, exc: TeachersError) -> None:
    messages.error(request, str(exc))


# --- Calls --------------------------------------------------------------------------------------


@require_GET
def call_list(request):
    user = request.user
    if can_manage_calls(user):
        calls = Call.objects.all()
    else:
        calls = Call.objects.filter(
            Q(pk__in=Call.objects.open().values("pk")) | Q(reviewers=user)
        ).distinct()
    mine = Application.objects.filter(call=OuterRef("pk"), applicant=user)
    calls = calls.annotate(
        applied=Exists(mine),
        reviewing=Exists(Call.reviewers.through.objects.filter(call=OuterRef("pk"), user=user)),
        application_count=Count("applications", distinct=True),
    ).order_by("closes_at", "pk")
    return render(
        request,
        "teachers/call_list.html",
        {"calls": calls, "can_manage": can_manage_calls(user), "now": timezone.now()},
    )


@require_http_methods(["GET", "POST"])
def call_create(request):
    _require(can_manage_calls(request.user))
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.created_by = request.user
        call = form.save()
        messages.success(request, f"Call “{call.title}” saved.")
        return redirect(call)
    return render(request, "teachers/call_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def call_edit(request, pk: int):
    _require(can_manage_calls(request.user))
    call = get_object_or_404(Call, pk=pk)
    form = CallForm(request.POST or None, instance=call)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Call saved.")
        return redirect(call)
    return render(request, "teachers/call_form.html", {"form": form, "call": call})


def _visible_call(user, pk: int) -> Call:
    call = get_object_or_404(Call, pk=pk)
    _require(
        call.is_open()
        or can_review(user, call)
        or call.applications.filter(applicant=user).exists()
    )
    return call


@require_GET
def call_detail(request, pk: int):
    call = _visible_call(request.user, pk)
    mine = Application.objects.filter(call=call, applicant=request.user).first()
    return render(
        request,
        "teachers/call_detail.html",
        {
            "call": call,
            "mine": mine,
            "can_review": can_review(request.user, call),
            "can_manage": can_manage_calls(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def application_create(request, pk: int):
    call = get_object_or_404(Call.objects.open(), pk=pk)
    if Application.objects.filter(call=call, applicant=request.user).exists():
        messages.info(request, "You have already applied to this call.")
        return redirect(call)
    form = ApplicationForm(request.POST or None, call=call)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.apply_to_call(
                call=call,
                applicant=request.user,
                topics=form.cleaned_data["topics"],
                availability=form.cleaned_data["availability"],
                wants_co_teacher=form.cleaned_data["wants_co_teacher"],
                answers=form.answers(),
            )
        except TeachersError as exc:
            _error(request, exc)
        else:
            messages.success(request, "Application sent. You will hear from the committee.")
            return redirect(application)
    return render(request, "teachers/application_form.html", {"form": form, "call": call})


@require_GET
def my_applications(request):
    applications = Application.objects.filter(applicant=request.user).select_related("call")
    return render(request, "teachers/application_mine.html", {"applications": applications})


@require_GET
def application_detail(request, pk: int):
    application = get_object_or_404(Application.objects.select_related("call", "applicant"), pk=pk)
    _require(can_see_application(request.user, application))
    call = application.call
    own = application.applicant_id == request.user.pk
    reviewer = can_review(request.user, call) and not own
    context = {
        "application": application,
        "call": call,
        "own": own,
        "reviewer": reviewer,
        "show_identity": own or sees_applicant_identity(request.user, call),
        "can_manage": can_manage_calls(request.user) and not own,
    }
    if reviewer:
        context["my_review"] = Review.objects.filter(
            application=application, reviewer=request.user
        ).first()
    if context["can_manage"] and application.status == Application.Status.ACCEPTED:
        context["assign_form"] = AssignmentForm(sessions=_assignable_sessions())
        context["assignments"] = application.assignments.select_related("session")
        context["needs_training"] = call.training_required and not services.has_training(
            application.applicant
        )
    return render(request, "teachers/application_detail.html", context)


@require_POST
def application_withdraw(request, pk: int):
    application = get_object_or_404(Application, pk=pk, applicant=request.user)
    try:
        services.withdraw_application(application=application)
    except TeachersError as exc:
        _error(request, exc)
    else:
        messages.success(request, "Application withdrawn.")
    return redirect(application)


@require_http_methods(["GET", "POST"])
def review_edit(request, pk: int):
    application = get_object_or_404(Application.objects.select_related("call"), pk=pk)
    call = application.call
    _require(can_review(request.user, call) and application.applicant_id != request.user.pk)
    existing = Review.objects.filter(application=application, reviewer=request.user).first()
    initial = {}
    if existing:
        initial = {f"c{n}": existing.scores.get(c) for n, c in enumerate(call.categories)}
        initial["comment"] = existing.comment
    form = ReviewForm(request.POST or None, categories=call.categories, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_review(
                application=application,
                reviewer=request.user,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
            )
        except TeachersError as exc:
            _error(request, exc)
        else:
            messages.success(request, "Review saved.")
            return redirect("teachers:application-list", pk=call.pk)
    return render(
        request,
        "teachers/review_form.html",
        {
            "form": form,
            "application": application,
            "call": call,
            "show_identity": sees_applicant_identity(request.user, call),
        },
    )


@require_GET
def application_list(request, pk: int):
    call = get_object_or_404(Call, pk=pk)
    _require(can_review(request.user, call))
    applications = list(
        call.applications.exclude(applicant=request.user)
        .select_related("applicant")
        .prefetch_related(Prefetch("reviews", queryset=Review.objects.order_by("pk")))
        .annotate(
            reviewed_by_me=Exists(
                Review.objects.filter(application=OuterRef("pk"), reviewer=request.user)
            )
        )
        .order_by("created_at", "pk")
    )
    services.review_summary(applications, call.categories)
    manage = can_manage_calls(request.user)
    form = BulkDecisionForm(application_ids=[a.pk for a in applications]) if manage else None
    return render(
        request,
        "teachers/application_list.html",
        {
            "call": call,
            "applications": applications,
            "categories": call.categories,
            "show_identity": sees_applicant_identity(request.user, call),
            "form": form,
        },
    )


@require_POST
def application_bulk(request, pk: int):
    _require(can_manage_calls(request.user))
    call = get_object_or_404(Call, pk=pk)
    ids = list(call.applications.values_list("pk", flat=True))
    form = BulkDecisionForm(request.POST, application_ids=ids)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                label = (
                    form.fields[field].label or field.capitalize() if field in form.fields else ""
                )
                messages.error(request, error if error.startswith(label) else f"{label}: {error}")
    else:
        try:
            n = services.decide_applications(
                call=call,
                application_ids=form.cleaned_data["applications"],
                decision=form.cleaned_data["decision"],
                message=form.cleaned_data["message"],
                by=request.user,
            )
        except TeachersError as exc:
            _error(request, exc)
        else:
            messages.success(request, f"Done for {n} application{'s' if n != 1 else ''}.")
    return redirect("teachers:application-list", pk=call.pk)


def _assignable_sessions():
    return Session.objects.scheduled().filter(starts_at__gte=timezone.now()).order_by("starts_at")


@require_POST
def assignment_create(request, pk: int):
    _require(can_manage_calls(request.user))
    application = get_object_or_404(Application.objects.select_related("call", "applicant"), pk=pk)
    form = AssignmentForm(request.POST, sessions=_assignable_sessions())
    if not form.is_valid():
        messages.error(request, "Session: choose an upcoming session.")
    else:
        try:
            assignment = services.assign_to_session(
                application=application, session=form.cleaned_data["session"], by=request.user
            )
        except TeachersError as exc:
            _error(request, exc)
        else:
            messages.success(request, "Assigned.")
            if assignment.over_cap:
                messages.warning(
                    request,
                    f"{application.applicant.name} is now past the term's workload cap.",
                )
    return redirect(application)


# --- Feedback -----------------------------------------------------------------------------------


@require_GET
def feedback_todo(request):
    rows = services.feedback_to_give(user=request.user)
    return render(
        request, "teachers/feedback_todo.html", {"rows": rows, "threshold": services.threshold()}
    )


@require_http_methods(["GET", "POST"])
def feedback_form(request, pk: int):
    from . import feedback_store

    session = get_object_or_404(Session.objects.visible_to(request.user), pk=pk)
    channel = services.feedback_channel(session=session, user=request.user)
    _require(channel is not None)
    if feedback_store.has_answered(session_id=session.pk, channel=channel, user=request.user):
        return render(request, "teachers/feedback_done.html", {"session": session})
    questions = services.template_for(session.kind).questions
    form = FeedbackForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_feedback(session=session, user=request.user, values=form.cleaned_data)
        except TeachersError as exc:
            _error(request, exc)
        else:
            messages.success(request, "Thank you: your answer is anonymous and cannot be changed.")
            return redirect("teachers:feedback-todo")
    return render(
        request,
        "teachers/feedback_form.html",
        {"session": session, "form": form, "channel": channel},
    )


@require_GET
def template_list(request):
    _require(is_committee(request.user))
    templates = [(kind, label, services.template_for(kind)) for kind, label in SessionKind.choices]
    return render(request, "teachers/template_list.html", {"templates": templates})


@require_http_methods(["GET", "POST"])
def template_edit(request, kind: str):
    _require(is_committee(request.user))
    _require(kind in SessionKind.values)
    template = services.template_for(kind)
    initial = "\n".join(f"{q['type']}: {q['label']}" for q in template.questions)
    form = TemplateForm(request.POST or None, initial={"questions": initial})
    if request.method == "POST" and form.is_valid():
        services.save_template(kind=kind, questions=form.cleaned_data["questions"])
        messages.success(request, f"Feedback form for {SessionKind(kind).label} saved.")
        return redirect("teachers:template-list")
    return render(
        request,
        "teachers/template_form.html",
        {"form": form, "kind_label": SessionKind(kind).label},
    )


@require_GET
def feedback_session(request, pk: int):
    session = get_object_or_404(Session, pk=pk)
    _require(can_run_session(request.user, session))
    report = services.feedback_report([session.pk])
    return render(
        request,
        "teachers/feedback_session.html",
        {
            "session": session,
            "report": report,
            "ended": session.ends_at < timezone.now(),
            "invite_form": ObserverInviteForm(teacher=request.user),
            "can_invite": session.teachers.filter(pk=request.user.pk).exists(),
            "observations": Observation.objects.filter(session=session).select_related(
                "observer", "teacher"
            ),
        },
    )


@require_POST
def feedback_request(request, pk: int):
    session = get_object_or_404(Session, pk=pk)
    _require(can_run_session(request.user, session))
    if session.ends_at > timezone.now():
        messages.error(request, "Feedback can be requested once the session has ended.")
    else:
        n = services.request_feedback(session=session)
        messages.success(
            request, f"Asked {n} attendee{'s' if n != 1 else ''}." if n else "Already requested."
        )
    return redirect("teachers:feedback-session", pk=session.pk)


@require_GET
def feedback_overview(request):
    _require(can_use_teacher_tools(request.user))
    rows, overall = services.teacher_overview(teacher=request.user)
    return render(request, "teachers/feedback_overview.html", {"rows": rows, "overall": overall})


@require_GET
def feedback_committee(request):
    _require(is_committee(request.user))
    return render(
        request, "teachers/feedback_committee.html", {"rows": services.teachers_overview()}
    )


@require_POST
def observation_create(request, pk: int):
    session = get_object_or_404(Session, pk=pk, teachers=request.user)
    form = ObserverInviteForm(request.POST, teacher=request.user)
    if not form.is_valid():
        messages.error(request, "Observer: choose a student-teacher.")
    else:
        try:
            services.invite_observer(
                session=session, teacher=request.user, observer=form.cleaned_data["observer"]
            )
        except TeachersError as exc:
            _error(request, exc)
        else:
            messages.success(request, "Observer invited.")
    return redirect("teachers:feedback-session", pk=session.pk)


@require_http_methods(["GET", "POST"])
def observation_edit(request, pk: int):
    observation = get_object_or_404(
        Observation.objects.select_related("session", "teacher"), pk=pk, observer=request.user
    )
    form = ObservationForm(request.POST or None, instance=observation)
    if request.method == "POST" and form.is_valid():
        services.submit_observation(
            observation=observation,
            strengths=form.cleaned_data["strengths"],
            suggestions=form.cleaned_data["suggestions"],
            overall=form.cleaned_data["overall"],
        )
        messages.success(request, "Observation report sent.")
        return redirect("teaching:teacher-home")
    return render(
        request, "teachers/observation_form.html", {"form": form, "observation": observation}
    )


# --- Portfolio and workload ---------------------------------------------------------------------


# The portfolio's PDF is served at once up to this many sessions taught (a few hundred
# milliseconds at most, and a click on "Download PDF" should give a file); above it a worker
# builds it and the job's page offers it (core/jobs.py).
DIRECT_PORTFOLIO_MAX_SESSIONS = 150


def _portfolio_context(teacher):
    return jobs.portfolio_context(teacher)


def _pdf_response(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{jobs.PORTFOLIO_PDF_NAME}"'
    return response


@require_GET
def portfolio(request):
    _require(can_use_teacher_tools(request.user))
    return render(
        request, "teachers/portfolio.html", _portfolio_context(request.user) | {"own": True}
    )


@require_GET
def member_portfolio(request, pk: int):
    _require(is_committee(request.user))
    teacher = get_object_or_404(User, pk=pk, is_active=True)
    return render(request, "teachers/portfolio.html", _portfolio_context(teacher) | {"own": False})


@require_http_methods(["GET", "POST"])
def portfolio_pdf(request):
    """The teacher's own portfolio as a PDF: the response itself for a usual portfolio; for a
    long one (more than DIRECT_PORTFOLIO_MAX_SESSIONS sessions) a background job builds it and
    this follows the job's page (a POST starts it, or joins the one already running; a GET,
    from a link or script, is sent back to the portfolio to press the button)."""
    _require(can_use_teacher_tools(request.user))
    if jobs.sessions_taught(request.user) <= DIRECT_PORTFOLIO_MAX_SESSIONS:
        return _pdf_response(jobs.portfolio_pdf(request.user))
    if request.method == "GET":
        messages.info(
            request, "Your portfolio is long: its PDF is built in the background. Press Download."
        )
        return redirect("teachers:portfolio")
    job, _ = start_job(
        kind=jobs.PORTFOLIO_PDF,
        key=f"portfolio:{request.user.pk}",
        title="Teaching portfolio (PDF)",
        by=request.user,
        params={"back_url": reverse("teachers:portfolio"), "back_label": "Back to your portfolio"},
    )
    return redirect("core:job-detail", pk=job.pk)


def _csv_cell(value) -> str:
    text = str(value)
    # Spreadsheet formulas: a cell starting with = + - @ is escaped (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@require_GET
def portfolio_csv(request):
    _require(can_use_teacher_tools(request.user))
    data = services.portfolio(teacher=request.user)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "session", "kind", "hours", "attended", "recording viewers"])
    for row in data["rows"]:
        writer.writerow(
            [
                _csv_cell(x)
                for x in (
                    row.session.starts_at.date().isoformat(),
                    row.session.title,
                    row.session.get_kind_display(),
                    row.hours,
                    row.attended,
                    row.recording_viewers,
                )
            ]
        )
    return download_response(out.getvalue(), "teaching-portfolio.csv", "text/csv; charset=utf-8")


@require_GET
def workload_mine(request):
    _require(can_use_teacher_tools(request.user))
    start, end, name = services.term_range()
    load = services.workload_for(teacher=request.user, start=start, end=end)
    return render(request, "teachers/workload_mine.html", {"load": load, "term": name})


@require_GET
def workload_committee(request):
    _require(is_committee(request.user))
    start, end, name = services.term_range()
    session = None
    if request.GET.get("session", "").isdigit():
        session = Session.objects.filter(pk=int(request.GET["session"])).first()
    rows = services.committee_workload(start=start, end=end, session=session)
    upcoming = (
        Session.objects.scheduled().filter(starts_at__gte=timezone.now()).order_by("starts_at")[:50]
    )
    return render(
        request,
        "teachers/workload_committee.html",
        {"rows": rows, "term": name, "session": session, "upcoming": upcoming},
    )


# --- Certificates -------------------------------------------------------------------------------


@require_GET
def certificate_list(request):
    _require(can_use_teacher_tools(request.user))
    certificates = Certificate.objects.filter(holder=request.user)
    _, _, term = services.term_range()
    taught = Session.objects.scheduled().filter(teachers=request.user, ends_at__lt=timezone.now())
    return render(
        request,
        "teachers/certificate_list.html",
        {
            "certificates": certificates,
            "form": TermCertificateForm(initial={"term": term_slug(term)}),
            "taught": taught.order_by("-starts_at")[:50],
        },
    )


@require_POST
def certificate_issue(request):
    _require(can_use_teacher_tools(request.user))
    if "session" in request.POST:
        session = get_object_or_404(
            Session.objects.filter(teachers=request.user), pk=request.POST.get("session") or 0
        )
        try:
            certificate = services.issue_session_certificate(holder=request.user, session=session)
        except TeachersError as exc:
            _error(request, exc)
            return redirect("teachers:certificate-list")
        messages.success(request, "Certificate issued.")
        return redirect(certificate)
    form = TermCertificateForm(request.POST)
    if form.is_valid():
        try:
            certificate = services.issue_term_certificate(
                holder=request.user, term=form.cleaned_data["term"]
            )
        except (TeachersError, ValueError) as exc:
            messages.error(request, f"Term: {exc}")
        else:
            messages.success(request, "Certificate issued.")
            return redirect(certificate)
    else:
        messages.error(request, "Term: write it as autumn-2026.")
    return redirect("teachers:certificate-list")


@require_POST
def certificate_revoke(request, code: str):
    _require(is_committee(request.user))
    certificate = get_object_or_404(Certificate, code=code)
    form = RevokeForm(request.POST)
    if form.is_valid():
        services.revoke_certificate(
            certificate=certificate, reason=form.cleaned_data["reason"], by=request.user
        )
        messages.success(request, "Certificate revoked.")
    else:
        messages.error(request, "Reason: say why the certificate is revoked.")
    return redirect(certificate)


@require_GET
def certificate_pdf(request, code: str):
    certificate = get_object_or_404(Certificate.objects.select_related("holder"), code=code)
    _require(owns_certificate(request.user, certificate))
    url = request.build_absolute_uri(certificate.get_absolute_url())
    body = pdf.certificate_pdf(certificate, verify_url=url)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{code[:8]}.pdf"'
    return response


def _public(request) -> HttpResponse | None:
    if not allow(
        request, bucket="certificates", limit=settings.NEARPEER_CERTIFICATE_RATE_PER_MINUTE
    ):
        response = HttpResponse(
            "Too many requests: try again in a minute.", status=429, content_type="text/plain"
        )
        response["Retry-After"] = "60"
        return response
    return None


@login_not_required
@require_GET
def certificate_verify(request, code: str):
    limited = _public(request)
    if limited:
        return limited
    certificate = get_object_or_404(Certificate.objects.select_related("holder"), code=code)
    try:
        payload = credentials.verify(certificate.token, keys.public_jwks())
        signature_ok = payload.get("jti") == credentials.credential_url(certificate.code)
    except credentials.InvalidCredential:
        signature_ok = False
    response = render(
        request,
        "teachers/certificate_verify.html",
        {
            "certificate": certificate,
            "signature_ok": signature_ok,
            "holder_name": certificate.holder.name or "the holder",
            "owner": owns_certificate(request.user, certificate),
            "committee": is_committee(request.user),
            "revoke_form": RevokeForm(),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@login_not_required
@require_GET
def certificate_jwt(request, code: str):
    limited = _public(request)
    if limited:
        return limited
    certificate = get_object_or_404(Certificate, code=code)
    response = HttpResponse(certificate.token, content_type="application/vc+jwt")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_not_required
@require_GET
def certificate_status(request, code: str):
    limited = _public(request)
    if limited:
        return limited
    certificate = get_object_or_404(Certificate, code=code)
    response = JsonResponse(services.status_document(certificate))
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-cache"
    return response


@login_not_required
@require_GET
def jwks(request):
    response = JsonResponse(keys.public_jwks())
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response
