"""The library's workflows: writing, attaching, the identifier check, review, endorsement,
error reports, use in sessions, remixing and use counts."""

from collections.abc import Iterable

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from nearpeer.members.models import Role, User, normalise_email
from nearpeer.notifications.models import Category
from nearpeer.notifications.services import notify

from . import files
from .identifiers import Finding, find_identifiers
from .models import Attachment, ErrorReport, Link, Resource, ResourceVersion, Status
from .permissions import (
    can_coauthor,
    can_edit,
    can_endorse,
    can_report_error,
    can_review,
    can_submit,
    can_use_in_session,
    is_author,
    lead_author_id,
)

MAX_AUTHORS = 20


class LibraryError(Exception):
    """A refusal with a message for the person who asked."""


class IdentifiersFound(LibraryError):
    """Likely patient identifiers: the author must look and confirm before going on."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__(
            f"{len(findings)} possible patient identifier{'s' if len(findings) != 1 else ''} "
            "found. Remove them, or confirm they are not a real patient's."
        )


def max_upload_bytes() -> int:
    return settings.NEARPEER_LIBRARY_MAX_UPLOAD_MB * 1024 * 1024


def identifier_findings(resource: Resource) -> list[Finding]:
    """Likely patient identifiers in the resource's title, summary and attachments' text."""
    found = find_identifiers(f"{resource.title}\n{resource.summary}", where="title or summary")
    for attachment in resource.attachments.all():
        found += find_identifiers(attachment.text, where=attachment.name)
    return found


def _check_identifiers(resource: Resource, *, confirmed: bool) -> None:
    findings = identifier_findings(resource)
    if findings and not confirmed:
        raise IdentifiersFound(findings)
    resource.identifiers_confirmed_at = timezone.now() if findings else None


def _add_version(resource: Resource, *, by, note: str) -> ResourceVersion:
    number = (resource.versions.order_by("-number").values_list("number", flat=True).first()) or 0
    return ResourceVersion.objects.create(
        resource=resource,
        number=number + 1,
        title=resource.title,
        summary=resource.summary,
        change_note=note[:500],
        created_by=by,
    )


@transaction.atomic
def create_resource(
    *, by, kind: str, title: str, summary: str = "", tags: Iterable = (), audience: str,
    licence: str, remixed_from: Resource | None = None, credit: str = "",
) -> Resource:  # fmt: skip
    """Side effects: a draft Resource with `by` as its author."""
    resource = Resource.objects.create(
        kind=kind,
        title=title,
        summary=summary,
        audience=audience,
        licence=licence,
        remixed_from=remixed_from,
        credit=credit,
    )
    resource.authors.add(by)
    resource.tags.set(list(tags))
    return resource


@transaction.atomic
def update_resource(
    *, resource: Resource, by, kind: str, title: str, summary: str, tags: Iterable,
    audience: str, licence: str, change_note: str = "", confirm_identifiers: bool = False,
) -> Resource:  # fmt: skip
    """Edit a draft in place; a change to a published resource needs a change note, passes the
    identifier check again and is recorded as a new version.

    Side effects: saves the resource and its tags; a ResourceVersion when published.
    Raises LibraryError / IdentifiersFound (nothing saved).
    """
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if not can_edit(by, resource):
        raise LibraryError("Only the authors may edit this resource now.")
    published = resource.status == Status.PUBLISHED
    if published and not change_note.strip():
        raise LibraryError("Say what changed (change note): readers see it in the history.")
    resource.kind, resource.title, resource.summary = kind, title, summary
    resource.audience, resource.licence = audience, licence
    resource.updated_at = timezone.now()
    if published:
        _check_identifiers(resource, confirmed=confirm_identifiers)
    else:
        resource.identifiers_confirmed_at = None
    resource.save()
    resource.tags.set(list(tags))
    if published:
        _add_version(resource, by=by, note=change_note)
    return resource


@transaction.atomic
def add_attachment(
    *, resource: Resource, by, name: str, data: bytes, change_note: str = "",
    confirm_identifiers: bool = False,
) -> Attachment:  # fmt: skip
    """Check a file by its content and size, read its text and attach it.

    Side effects: stores the file under a name of our making; an Attachment; on a published
    resource, the identifier check and a new version. Raises files.FileRefused, LibraryError or
    IdentifiersFound with nothing stored.
    """
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if not can_edit(by, resource):
        raise LibraryError("Only the authors may add files to this resource now.")
    checked = files.check_file(name=name, data=data, max_bytes=max_upload_bytes())
    text = files.extract_text(content_type=checked.content_type, data=data)
    published = resource.status == Status.PUBLISHED
    if published:
        if not change_note.strip():
            raise LibraryError("Say what changed (change note): readers see it in the history.")
        findings = find_identifiers(text, where=name)
        if findings and not confirm_identifiers:
            raise IdentifiersFound(findings)
    attachment = Attachment(
        resource=resource,
        name=name[:200],
        content_type=checked.content_type,
        extension=checked.extension,
        size_bytes=len(data),
        text=text,
        uploaded_by=by,
    )
    attachment.file.save(f"upload.{checked.extension}", ContentFile(data), save=False)
    attachment.save()
    resource.updated_at = timezone.now()
    resource.save(update_fields=["updated_at"])
    if published:
        _add_version(resource, by=by, note=change_note)
    return attachment


@transaction.atomic
def remove_attachment(*, attachment: Attachment, by) -> None:
    """Side effects: deletes the attachment and, after commit, its stored file."""
    if not can_edit(by, attachment.resource) or attachment.resource.status != Status.DRAFT:
        raise LibraryError("Files can be removed from drafts only.")
    stored, storage = attachment.file.name, attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored))


@transaction.atomic
def add_link(*, resource: Resource, by, title: str, url: str) -> Link:
    """Side effects: a Link on the resource."""
    if not can_edit(by, resource):
        raise LibraryError("Only the authors may add links to this resource now.")
    if resource.links.count() >= 20:
        raise LibraryError("A resource has at most 20 links.")
    return Link.objects.create(resource=resource, title=title, url=url)


@transaction.atomic
def submit_for_review(*, resource: Resource, by, confirm_identifiers: bool = False) -> Resource:
    """The authors send a draft to peer review, after the identifier check.

    Side effects: status in_review; the first submission records version 1; reviewers are not
    notified one by one (they have the review list). Raises IdentifiersFound when the text or an
    attachment holds likely patient identifiers the author has not confirmed.
    """
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if not can_submit(by, resource):
        raise LibraryError("Only an author can submit a draft.")
    if not (resource.summary.strip() or resource.attachments.exists() or resource.links.exists()):
        raise LibraryError("Add a summary, a file or a link before submitting.")
    _check_identifiers(resource, confirmed=confirm_identifiers)
    resource.status = Status.IN_REVIEW
    resource.review_note = ""
    resource.updated_at = timezone.now()
    resource.save()
    if not resource.versions.exists():
        _add_version(resource, by=by, note="First version")
    return resource


@transaction.atomic
def review_resource(*, resource: Resource, by, approve: bool, note: str = "") -> Resource:
    """A peer reviewer publishes the resource or sends it back to its authors with a note.

    Side effects: status published (with the reviewer) or draft; the authors are notified.
    """
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if not can_review(by, resource):
        raise LibraryError("This resource is not waiting for your review.")
    if not approve and not note.strip():
        raise LibraryError("Tell the authors what to change (note).")
    now = timezone.now()
    if approve:
        resource.status = Status.PUBLISHED
        resource.peer_reviewer = by
        resource.published_at = resource.published_at or now
        title = f"“{resource.title}” is published in the library"
    else:
        resource.status = Status.DRAFT
        title = f"Changes asked for “{resource.title}”"
    resource.review_note = note
    resource.updated_at = now
    resource.save()
    notify(
        recipients=resource.authors.all(),
        category=Category.TEACHING,
        title=title,
        body=note,
        url=resource.get_absolute_url(),
    )
    return resource


@transaction.atomic
def endorse_resource(*, resource: Resource, by) -> Resource:
    """A faculty partner endorses a published resource (a badge readers see).

    Side effects: endorsed_by/at set; the authors are notified.
    """
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if not can_endorse(by, resource):
        raise LibraryError("Only a faculty partner can endorse a published resource.")
    resource.endorsed_by = by
    resource.endorsed_at = timezone.now()
    resource.save(update_fields=["endorsed_by", "endorsed_at"])
    notify(
        recipients=resource.authors.all(),
        category=Category.TEACHING,
        title=f"“{resource.title}” was endorsed by faculty",
        url=resource.get_absolute_url(),
    )
    return resource


@transaction.atomic
def report_error(*, resource: Resource, by, text: str) -> ErrorReport:
    """Side effects: an ErrorReport; the authors are notified (the text, not who sent it)."""
    if not can_report_error(by, resource):
        raise LibraryError("Errors can be reported on published resources.")
    recent = ErrorReport.objects.filter(
        resource=resource,
        reported_by=by,
        created_at__gte=timezone.now() - timezone.timedelta(hours=1),
    ).count()
    if recent >= 5:
        raise LibraryError("You have sent five reports on this resource in the last hour.")
    report = ErrorReport.objects.create(resource=resource, reported_by=by, text=text)
    notify(
        recipients=resource.authors.all(),
        category=Category.TEACHING,
        title=f"Error reported in “{resource.title}”",
        body=text,
        url=resource.get_absolute_url(),
    )
    return report


@transaction.atomic
def resolve_error_report(*, report: ErrorReport, by) -> ErrorReport:
    """Side effects: the report is marked resolved."""
    report.resolved_at = timezone.now()
    report.save(update_fields=["resolved_at"])
    return report


@transaction.atomic
def use_in_session(*, resource: Resource, session, by) -> None:
    """Link a published resource to a session the user teaches (or any, for the committee).

    Side effects: the link; the resource shows the session under "Used in".
    """
    if not can_use_in_session(by, resource):
        raise LibraryError("Only teachers can add a resource to a session.")
    resource.sessions.add(session)


@transaction.atomic
def remix_resource(*, resource: Resource, by) -> Resource:
    """Start a new draft from a published resource, crediting the original and its authors.

    Side effects: a draft Resource with `by` as author, the original's tags, links and files
    (stored again, so the remix owns its copies).
    """
    names = ", ".join(a.name for a in resource.authors.all())
    remix = create_resource(
        by=by,
        kind=resource.kind,
        title=f"{resource.title} (remix)"[:200],
        summary=resource.summary,
        tags=resource.tags.all(),
        audience=resource.audience,
        licence=resource.licence,
        remixed_from=resource,
        credit=f"Remixed from “{resource.title}” by {names} ({resource.licence})"[:300],
    )
    for link in resource.links.all():
        Link.objects.create(resource=remix, title=link.title, url=link.url)
    for original in resource.attachments.all():
        copy = Attachment(
            resource=remix,
            name=original.name,
            content_type=original.content_type,
            extension=original.extension,
            size_bytes=original.size_bytes,
            text=original.text,
            uploaded_by=by,
        )
        with original.file.open("rb") as handle:
            copy.file.save(f"upload.{original.extension}", ContentFile(handle.read()), save=False)
        copy.save()
    return remix


def record_view(*, resource: Resource) -> None:
    """Side effects: view_count + 1 (a count: who viewed is not stored)."""
    Resource.objects.filter(pk=resource.pk).update(view_count=F("view_count") + 1)


def record_download(*, resource: Resource) -> None:
    """Side effects: download_count + 1 (a count: who downloaded is not stored)."""
    Resource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)


def coauthor_candidates(resource: Resource):
    """People who may be added as co-authors: active members who may write for the library
    (student-teachers, committee, faculty), not yet authors, by name."""
    roles = [Role.STUDENT_TEACHER, Role.COMMITTEE, Role.FACULTY]
    return (
        User.objects.filter(is_active=True, erased_at__isnull=True, role_grants__role__in=roles)
        .exclude(pk__in=resource.authors.values("pk"))
        .distinct()
        .order_by("name", "pk")
    )


@transaction.atomic
def add_coauthor(*, resource: Resource, by, email: str):
    """The lead author adds a co-author by email (from the member list). Co-authors may edit the
    resource and see its use figures, as the lead author does.

    Side effects: the author row (the search index follows); the new co-author is notified.
    Raises LibraryError naming what is wrong (nothing saved).
    """
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if lead_author_id(resource) != by.pk:
        raise LibraryError("Only the first author can add co-authors.")
    user = User.objects.filter(
        email=normalise_email(email), is_active=True, erased_at__isnull=True
    ).first()
    if user is None:
        raise LibraryError(f"No member has the email address {email}.")
    if is_author(user, resource):
        raise LibraryError(f"{user.name} is already an author.")
    if not can_coauthor(user):
        raise LibraryError(
            f"{user.name} cannot be a co-author: co-authors are student-teachers, committee "
            "members or faculty partners."
        )
    if resource.authors.count() >= MAX_AUTHORS:
        raise LibraryError(f"A resource has at most {MAX_AUTHORS} authors.")
    resource.authors.add(user)
    notify(
        recipients=[user],
        category=Category.TEACHING,
        title=f"{by.name} added you as a co-author of “{resource.title}”",
        url=resource.get_absolute_url(),
    )
    return user


@transaction.atomic
def remove_coauthor(*, resource: Resource, by, user) -> None:
    """The lead author removes a co-author, or a co-author leaves. The lead author stays.

    Side effects: the author row goes (the search index follows). Raises LibraryError.
    """
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    lead = lead_author_id(resource)
    if not (by.pk == lead or (by.pk == user.pk and is_author(by, resource))):
        raise LibraryError("Only the first author can remove co-authors.")
    if user.pk == lead:
        raise LibraryError("The first author stays an author of their resource.")
    if not is_author(user, resource):
        raise LibraryError(f"{user.name} is not an author.")
    resource.authors.remove(user)
