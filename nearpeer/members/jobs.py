"""Members' background jobs (core/jobs.py): the confirmed roster import."""

from django.urls import reverse

from nearpeer.core.jobs import JobFailed, Progress, read_upload, register
from nearpeer.core.models import BackgroundJob

from . import invitations, services
from .permissions import is_committee
from .roster import parse_roster

ROSTER_IMPORT = "members.roster-import"


@register(ROSTER_IMPORT, can_view=lambda user, job: is_committee(user))
def import_roster(job: BackgroundJob, progress: Progress) -> dict:
    """Import a previewed roster, all or nothing (services.import_roster, one transaction), then
    send the invitations asked for. The rows are checked again first: the rules may have changed
    since the preview."""
    progress("Checking the roster")
    rows, errors = parse_roster(read_upload(job))
    if errors:
        raise JobFailed([str(e) for e in errors])
    progress("Writing the members (all or nothing)", 0, len(rows))
    plan = services.import_roster(rows=rows, by=job.started_by)
    progress("Writing the members (all or nothing)", len(rows), len(rows))
    s = plan.summary
    summary = [f"Roster imported: {s['created']} new, {s['updated']} updated, "]
    summary[0] += f"{s['unchanged']} unchanged."
    if plan.protected:
        summary.append(f"{len(plan.protected)} left alone: only a superuser edits a superuser.")
    if job.params.get("invite") and plan.create:
        progress("Sending invitations", 0, len(plan.create))
        result = invitations.invite_new_members(plan=plan, by=job.started_by)
        sent = len(result.sent)
        summary.append(f"{sent} invitation{'s' if sent != 1 else ''} sent.")
        if result.bounced:
            refused = ", ".join(m.email for m, _ in result.bounced[:10])
            summary.append(f"The mail server refused {len(result.bounced)}: {refused}.")
    return {
        "summary": summary,
        "next_url": reverse("members:member-list"),
        "next_label": "Back to the members",
    }
