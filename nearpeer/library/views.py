from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from nearpeer.core.files import open_or_404
from nearpeer.members.permissions import is_committee
from nearpeer.teaching.models import Session

from . import files, permissions, services
from .forms import (
    AttachmentForm,
    CoauthorForm,
    ErrorReportForm,
    FilterForm,
    LinkForm,
    ResourceForm,
    ReviewForm,
    SubmitForm,
    UseInSessionForm,
)
from .models import Attachment, ErrorReport, Resource, Status

MAX_CANDIDATES = 500

PAGE_SIZE = 20


def _visible(user):
    return Resource.objects.visible_to(user)


def _resource_for(user, pk: int, allowed=None) -> Resource:
    resource = get_object_or_404(_visible(user).prefetch_related("authors"), pk=pk)
    if allowed is not None and not allowed(user, resource):
        raise Http404
    return resource


def _posted(request):
    """Bind forms on POST even when nothing was sent (an unticked box sends nothing)."""
    return request.POST if request.method == "POST" else None


def _teaching_sessions(user):
    sessions = Session.objects.filter(status=Session.Status.SCHEDULED)
    if not is_committee(user):
        sessions = sessions.filter(teachers=user)
    return sessions.order_by("-starts_at")


@require_GET
def home(request):
    user = request.user
    form = FilterForm(request.GET or None)
    resources = (
        _visible(user)
        .filter(status=Status.PUBLISHED)
        .select_related("endorsed_by")
        .prefetch_related("tags")
        .order_by("-published_at", "-pk")
    )
    if form.is_valid():
        if form.cleaned_data["kind"]:
            resources = resources.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["tag"]:
            resources = resources.filter(tags=form.cleaned_data["tag"])
    page = Paginator(resources, PAGE_SIZE).get_page(request.GET.get("page"))
    mine = (
        Resource.objects.filter(authors=user)
        .exclude(status=Status.PUBLISHED)
        .order_by("-updated_at")[:20]
    )
    reviewer = permissions.is_library_reviewer(user)
    context = {
        "form": form,
        "page": page,
        "mine": list(mine),
        "can_create": permissions.can_create(user),
        "reviewer": reviewer,
        "committee": permissions.can_see_all_figures(user),
    }
    return render(request, "library/home.html", context)


@require_GET
def review_list(request):
    if not permissions.is_library_reviewer(request.user):
        raise Http404
    resources = (
        Resource.objects.filter(status=Status.IN_REVIEW)
        .exclude(authors=request.user)
        .prefetch_related("authors")
        .order_by("updated_at")
    )
    return render(request, "library/review_list.html", {"resources": list(resources[:100])})


@require_GET
def figures(request):
    """Views and downloads per published resource (counts, not who), for the committee."""
    if not permissions.can_see_all_figures(request.user):
        raise Http404
    resources = Resource.objects.published().order_by("-view_count", "-pk")
    page = Paginator(resources, 50).get_page(request.GET.get("page"))
    return render(request, "library/figures_list.html", {"page": page})


def resource_create(request):
    if not permissions.can_create(request.user):
        raise Http404
    form = ResourceForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        resource = services.create_resource(
            by=request.user,
            kind=data["kind"],
            title=data["title"],
            summary=data["summary"],
            tags=data["tags"],
            audience=data["audience"],
            licence=data["licence"],
        )
        messages.success(request, "Draft saved. Add files or links, then submit it for review.")
        return redirect(resource)
    status = 400 if request.method == "POST" else 200
    return render(request, "library/resource_form.html", {"form": form}, status=status)


def resource_edit(request, pk: int):
    resource = _resource_for(request.user, pk, permissions.can_edit)
    form = ResourceForm(_posted(request), instance=resource)
    findings = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_resource(
                resource=resource,
                by=request.user,
                kind=data["kind"],
                title=data["title"],
                summary=data["summary"],
                tags=data["tags"],
                audience=data["audience"],
                licence=data["licence"],
                change_note=data["change_note"],
                confirm_identifiers=data["confirm_identifiers"],
            )
        except services.IdentifiersFound as error:
            findings = error.findings
            form.add_error(None, str(error))
        except services.LibraryError as error:
            form.add_error("change_note", str(error))
        else:
            messages.success(request, "Changes saved.")
            return redirect(resource)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "resource": resource, "findings": findings}
    return render(request, "library/resource_form.html", context, status=status)


@require_GET
def resource_detail(request, pk: int):
    user = request.user
    resource = get_object_or_404(
        _visible(user).select_related("endorsed_by", "peer_reviewer", "remixed_from"),
        pk=pk,
    )
    authors = list(resource.authors.all())
    resource._prefetched_objects_cache = {"authors": authors}
    is_author = any(a.pk == user.pk for a in authors)
    if resource.status == Status.PUBLISHED and not is_author:
        services.record_view(resource=resource)
    sessions = resource.sessions.filter(
        pk__in=Session.objects.visible_to(user).values("pk")
    ).order_by("-starts_at")
    context = {
        "resource": resource,
        "authors": authors,
        "is_author": is_author,
        "tags": list(resource.tags.all()),
        "attachments": list(resource.attachments.defer("text")),
        "links": list(resource.links.all()),
        "versions": list(resource.versions.all()[:20]),
        "sessions": list(sessions[:20]),
        "can_edit": permissions.can_edit(user, resource),
        "can_submit": permissions.can_submit(user, resource),
        "can_review": permissions.can_review(user, resource),
        "can_endorse": permissions.can_endorse(user, resource),
        "can_report": permissions.can_report_error(user, resource),
        "can_remix": permissions.can_remix(user, resource),
        "can_see_figures": permissions.can_see_figures(user, resource),
        "link_form": LinkForm(),
        "review_form": ReviewForm(),
        "report_form": ErrorReportForm(),
    }
    if permissions.can_use_in_session(user, resource):
        context["use_form"] = UseInSessionForm(sessions=_teaching_sessions(user)[:50])
    if is_author or is_committee(user):
        context["reports"] = list(resource.error_reports.filter(resolved_at__isnull=True)[:20])
    return render(request, "library/resource_detail.html", context)


def attachment_add(request, pk: int):
    resource = _resource_for(request.user, pk, permissions.can_edit)
    form = AttachmentForm(_posted(request), request.FILES or None)
    findings = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            files.check_size(
                name=upload.name, size=upload.size, max_bytes=services.max_upload_bytes()
            )
            services.add_attachment(
                resource=resource,
                by=request.user,
                name=upload.name,
                data=upload.read(),
                change_note=form.cleaned_data["change_note"],
                confirm_identifiers=form.cleaned_data["confirm_identifiers"],
            )
        except services.IdentifiersFound as error:
            findings = error.findings
            form.add_error(None, f"{error} Choose the file again after confirming.")
        except (files.FileRefused, services.LibraryError) as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, f"“{upload.name}” added.")
            return redirect(resource)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "resource": resource, "findings": findings}
    return render(request, "library/attachment_form.html", context, status=status)


@require_GET
def attachment_download(request, pk: int):
    """Served through the permission check, always as a download (never rendered inline)."""
    attachment = get_object_or_404(
        Attachment.objects.filter(resource__in=_visible(request.user)).select_related("resource"),
        pk=pk,
    )
    if attachment.resource.status == Status.PUBLISHED:
        services.record_download(resource=attachment.resource)
    response = FileResponse(
        open_or_404(attachment.file),
        as_attachment=True,
        filename=attachment.download_name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def attachment_delete(request, pk: int):
    attachment = get_object_or_404(
        Attachment.objects.filter(resource__in=_visible(request.user)).select_related("resource"),
        pk=pk,
    )
    if not permissions.can_edit(request.user, attachment.resource):
        raise Http404
    try:
        services.remove_attachment(attachment=attachment, by=request.user)
    except services.LibraryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"“{attachment.name}” removed.")
    return redirect(attachment.resource)


@require_POST
def link_add(request, pk: int):
    resource = _resource_for(request.user, pk, permissions.can_edit)
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            services.add_link(resource=resource, by=request.user, **form.cleaned_data)
        except services.LibraryError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Link added.")
    else:
        errors = "; ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items())
        messages.error(request, f"Link not added. {errors}")
    return redirect(resource)


def resource_submit(request, pk: int):
    resource = _resource_for(request.user, pk, permissions.can_submit)
    form = SubmitForm(_posted(request))
    findings = services.identifier_findings(resource)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_for_review(
                resource=resource,
                by=request.user,
                confirm_identifiers=form.cleaned_data["confirm_identifiers"],
            )
        except services.IdentifiersFound as error:
            form.add_error("confirm_identifiers", str(error))
        except services.LibraryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Submitted for peer review.")
            return redirect(resource)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "resource": resource, "findings": findings}
    return render(request, "library/resource_submit.html", context, status=status)


@require_POST
def resource_review(request, pk: int):
    resource = _resource_for(request.user, pk, permissions.can_review)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a decision.")
        return redirect(resource)
    try:
        services.review_resource(
            resource=resource,
            by=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except services.LibraryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Review recorded; the authors are told.")
    return redirect(resource)


@require_POST
def resource_endorse(request, pk: int):
    resource = _resource_for(request.user, pk, permissions.can_endorse)
    services.endorse_resource(resource=resource, by=request.user)
    messages.success(request, "Endorsed: readers now see the faculty badge.")
    return redirect(resource)


@require_POST
def report_create(request, pk: int):
    resource = _resource_for(request.user, pk, permissions.can_report_error)
    form = ErrorReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Report not sent: say what is wrong (at most 2,000 characters).")
        return redirect(resource)
    try:
        services.report_error(resource=resource, by=request.user, text=form.cleaned_data["text"])
    except services.LibraryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Thank you: the authors are told.")
    return redirect(resource)


@require_POST
def report_resolve(request, pk: int):
    report = get_object_or_404(
        ErrorReport.objects.filter(resource__in=_visible(request.user)).select_related("resource"),
        pk=pk,
    )
    if not (is_committee(request.user) or permissions.is_author(request.user, report.resource)):
        raise Http404
    services.resolve_error_report(report=report, by=request.user)
    messages.success(request, "Report marked resolved.")
    return redirect(report.resource)


@require_POST
def resource_use(request, pk: int):
    resource = _resource_for(request.user, pk, permissions.can_use_in_session)
    form = UseInSessionForm(request.POST, sessions=_teaching_sessions(request.user))
    if not form.is_valid():
        messages.error(request, "Choose one of the sessions you teach.")
        return redirect(resource)
    session = form.cleaned_data["session"]
    services.use_in_session(resource=resource, session=session, by=request.user)
    messages.success(request, f"Added to “{session.title}”.")
    return redirect(resource)


@require_POST
def resource_remix(request, pk: int):
    resource = _resource_for(request.user, pk, permissions.can_remix)
    remix = services.remix_resource(resource=resource, by=request.user)
    messages.success(request, "Your remix is a draft: change what you need, then submit it.")
    return redirect(remix)


def resource_authors(request, pk: int):
    """The authors of a resource: the first author adds co-authors from the member list and
    removes them; a co-author can leave. Every author sees the page."""
    resource = _resource_for(request.user, pk, permissions.is_author)
    lead = permissions.lead_author_id(resource)
    manage = lead == request.user.pk  # permissions.can_manage_authors, without asking twice
    form = CoauthorForm(_posted(request))
    if request.method == "POST":
        if not manage:
            raise Http404
        if form.is_valid():
            try:
                added = services.add_coauthor(
                    resource=resource, by=request.user, email=form.cleaned_data["email"]
                )
            except services.LibraryError as error:
                form.add_error("email", str(error))
            else:
                messages.success(request, f"{added.name} is now a co-author.")
                return redirect("library:resource-authors", pk=resource.pk)
    context = {
        "resource": resource,
        "authors": sorted(resource.authors.all(), key=lambda a: (a.pk != lead, a.name)),
        "lead_id": lead,
        "manage": manage,
        "form": form,
        "candidates": list(
            services.coauthor_candidates(resource).only("name", "email")[:MAX_CANDIDATES]
        )
        if manage
        else [],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "library/resource_authors.html", context, status=status)


@require_POST
def author_remove(request, pk: int, user_pk: int):
    resource = _resource_for(request.user, pk, permissions.is_author)
    user = get_object_or_404(resource.authors.all(), pk=user_pk)
    if not (user.pk == request.user.pk or permissions.can_manage_authors(request.user, resource)):
        raise Http404
    try:
        services.remove_coauthor(resource=resource, by=request.user, user=user)
    except services.LibraryError as error:
        messages.error(request, str(error))
        return redirect("library:resource-authors", pk=resource.pk)
    if user.pk == request.user.pk:
        messages.success(request, f"You are no longer an author of “{resource.title}”.")
        return redirect("library:home")
    messages.success(request, f"{user.name} is no longer a co-author.")
    return redirect("library:resource-authors", pk=resource.pk)
