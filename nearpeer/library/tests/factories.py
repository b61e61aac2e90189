import io

from nearpeer.library import services
from nearpeer.library.models import Audience, Licence, Resource, ResourceKind, Status
from nearpeer.members.tests.factories import teacher


def pdf_bytes(*lines: str) -> bytes:
    """A tiny real PDF with these lines of text (reportlab)."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    for number, line in enumerate(lines):
        page.drawString(72, 760 - 18 * number, line)
    page.save()
    return buffer.getvalue()


def docx_bytes(*paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_resource(
    *, title: str = "Heart sounds guide", summary: str = "Murmurs, one by one.", author=None,
    status: str = Status.PUBLISHED, audience: str = Audience.EVERYONE,
    kind: str = ResourceKind.GUIDE, tags=(), files: dict | None = None,
) -> Resource:  # fmt: skip
    """A resource through the services (so the search index follows), then put in `status`."""
    author = author or teacher()
    resource = services.create_resource(
        by=author, kind=kind, title=title, summary=summary, tags=tags, audience=audience,
        licence=Licence.CC_BY_NC_SA,
    )  # fmt: skip
    for name, data in (files or {}).items():
        services.add_attachment(resource=resource, by=author, name=name, data=data)
    if status != Status.DRAFT:
        resource.status = status
        resource.save()
    return resource
