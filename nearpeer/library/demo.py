"""Demo library: a handful of resources by the demo teachers, one with a PDF whose text the search
finds, one teacher-only tutor case, one waiting for review, one endorsed by faculty. Idempotent:
resources are found by title."""

import io

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from nearpeer.members.demo import DOMAIN
from nearpeer.questions.models import Tag, TagKind

from . import services
from .models import Audience, Licence, Link, Resource, ResourceKind, Status

RESOURCES = [
    # title, kind, audience, status, specialty, summary, pdf lines, link
    ("Reading an ECG in ten steps", ResourceKind.GUIDE, Audience.EVERYONE, "endorsed",
     "Cardiology", "Rate, rhythm, axis, intervals: a systematic read for finals.",
     ["Step 4: the QT interval. Correct for rate (QTc).",
      "Torsades de pointes follows a long QT; give magnesium."], None),
    ("Acid-base without tears", ResourceKind.SLIDES, Audience.EVERYONE, Status.PUBLISHED,
     "Renal medicine", "Slides from the year 3 lecture: anion gap, compensation, worked gases.",
     ["Winter's formula predicts the expected pCO2 in metabolic acidosis."], None),
    ("Respiratory examination demonstration", ResourceKind.VIDEO, Audience.EVERYONE,
     Status.PUBLISHED, "Respiratory medicine", "A full examination filmed in the skills lab.",
     None, ("Watch the demonstration", "https://example.org/respiratory-examination")),
    ("Tutor case: the breathless smoker", ResourceKind.CASE, Audience.TEACHERS, Status.PUBLISHED,
     "Respiratory medicine", "Case with a mark scheme for small-group tutors. Made-up patient.",
     ["Mark scheme: 2 marks for naming spirometry; 1 for FEV1/FVC below 0.7."], None),
    ("Endocrine practice paper", ResourceKind.PRACTICE_PAPER, Audience.EVERYONE, Status.IN_REVIEW,
     "Endocrinology", "Twenty single-best-answer questions with explanations.", None, None),
]  # fmt: skip


def _pdf(lines: list[str]) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    for number, line in enumerate(lines):
        page.drawString(72, 760 - 18 * number, line)
    page.save()
    return buffer.getvalue()


@transaction.atomic
def seed(*, rng, stdout) -> None:
    User = get_user_model()
    author = User.objects.filter(email=f"teacher@{DOMAIN}").first()
    reviewer = User.objects.filter(email=f"committee@{DOMAIN}").first()
    partner = User.objects.filter(email=f"faculty@{DOMAIN}").first()
    if not (author and reviewer and partner):
        stdout.write("library: no demo teachers; run the members demo first")
        return
    made = 0
    for title, kind, audience, status, specialty, summary, lines, link in RESOURCES:
        if Resource.objects.filter(title=title).exists():
            continue
        tag = Tag.objects.get_or_create(kind=TagKind.SPECIALTY, name=specialty)[0]
        resource = services.create_resource(
            by=author, kind=kind, title=title, summary=summary, tags=[tag], audience=audience,
            licence=Licence.CC_BY_NC_SA,
        )  # fmt: skip
        if lines:
            slug = title.lower().replace(" ", "-").replace(":", "")[:40]
            services.add_attachment(
                resource=resource, by=author, name=f"{slug}.pdf", data=_pdf(lines)
            )
        if link:
            Link.objects.create(resource=resource, title=link[0], url=link[1])
        services.submit_for_review(resource=resource, by=author, confirm_identifiers=True)
        if status in (Status.PUBLISHED, "endorsed"):
            # Written directly, as the questions demo does: no notification for demo history.
            resource.status = Status.PUBLISHED
            resource.peer_reviewer = reviewer
            resource.published_at = timezone.now()
            resource.view_count = rng.randint(5, 60)
            resource.download_count = rng.randint(0, resource.view_count)
            if status == "endorsed":
                resource.endorsed_by = partner
                resource.endorsed_at = timezone.now()
            resource.save()
        made += 1
    stdout.write(f"library: {made} demo resources")
