"""PDFs: a certificate with a QR code to its public verification page, and the portfolio."""

import io
from xml.sax.saxutils import escape

import segno
from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import Certificate


def _qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """One landscape A4 page: title, holder, achievement, dates, the QR and the URL."""
    buffer = io.BytesIO()
    from reportlab.pdfgen import canvas

    width, height = landscape(A4)
    c = canvas.Canvas(buffer, pagesize=(width, height))
    c.setTitle(certificate.name)
    c.setAuthor(settings.NEARPEER_SOCIETY_NAME)
    c.setStrokeColor(colors.HexColor("#1f4e79"))
    c.setLineWidth(3)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    c.setFillColor(colors.HexColor("#1f4e79"))
    c.setFont("Helvetica-Bold", 26)
    c.drawCentredString(width / 2, height - 45 * mm, "Certificate of near-peer teaching")
    c.setFillColor(colors.black)
    c.setFont("Helvetica", 14)
    c.drawCentredString(width / 2, height - 60 * mm, settings.NEARPEER_SOCIETY_NAME)
    c.setFont("Helvetica-Bold", 22)
    c.drawCentredString(
        width / 2, height - 82 * mm, certificate.holder.name or certificate.holder.email
    )
    c.setFont("Helvetica", 14)
    c.drawCentredString(width / 2, height - 95 * mm, certificate.name)
    style = ParagraphStyle("n", fontName="Helvetica", fontSize=11, leading=15, alignment=1)
    narrative = Paragraph(escape(certificate.narrative), style)
    _, h = narrative.wrap(width - 110 * mm, 40 * mm)
    narrative.drawOn(c, 55 * mm, height - 105 * mm - h)
    c.setFont("Helvetica", 10)
    c.drawString(25 * mm, 40 * mm, f"Issued {certificate.issued_at:%d %B %Y}")
    if certificate.is_revoked:
        c.setFillColor(colors.HexColor("#a00000"))
        c.drawString(25 * mm, 34 * mm, "REVOKED")
        c.setFillColor(colors.black)
    c.drawString(25 * mm, 28 * mm, "Verify this certificate:")
    c.setFont("Courier", 8)
    c.drawString(25 * mm, 23 * mm, verify_url)
    qr = ImageReader(io.BytesIO(_qr_png(verify_url)))
    c.drawImage(qr, width - 70 * mm, 20 * mm, 45 * mm, 45 * mm)
    c.showPage()
    c.save()
    return buffer.getvalue()


def portfolio_pdf(data: dict) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title="Teaching portfolio")
    styles = getSampleStyleSheet()
    teacher = data["teacher"]
    story = [
        Paragraph(escape(f"Teaching portfolio: {teacher.name or teacher.email}"), styles["Title"]),
        Paragraph(escape(settings.NEARPEER_SOCIETY_NAME), styles["Normal"]),
        Spacer(1, 6 * mm),
        Paragraph(
            escape(f"{len(data['rows'])} sessions, {data['hours']} hours of teaching."),
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
    ]
    table = [["Date", "Session", "Kind", "Hours", "Attended", "Recording viewers"]]
    for row in data["rows"]:
        table.append(
            [
                f"{row.session.starts_at:%d %b %Y}",
                Paragraph(escape(row.session.title), styles["BodyText"]),
                row.session.get_kind_display(),
                str(row.hours),
                str(row.attended),
                str(row.recording_viewers),
            ]
        )
    t = Table(table, repeatRows=1, colWidths=[24 * mm, 60 * mm, 34 * mm, 14 * mm, 18 * mm, 24 * mm])
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [t, Spacer(1, 6 * mm), Paragraph("Feedback", styles["Heading2"])]
    report = data["feedback"]
    if report.total:
        for label, live, recording in report.rating_rows:
            parts = [
                f"{name}: {s.mean} ({s.count})"
                for name, s in (("live", live), ("recording", recording))
                if s
            ]
            story.append(Paragraph(escape(f"{label} — {'; '.join(parts)}"), styles["Normal"]))
    else:
        story.append(
            Paragraph(
                escape(f"Shown once a session has at least {report.threshold} answers."),
                styles["Normal"],
            )
        )
    story.append(Paragraph("Observer reports", styles["Heading2"]))
    for o in data["observations"]:
        story.append(
            Paragraph(
                escape(
                    f"{o.session.title} — observed by {o.observer.name}: {o.strengths}"
                    + (f" Suggestions: {o.suggestions}" if o.suggestions else "")
                ),
                styles["Normal"],
            )
        )
    if not data["observations"]:
        story.append(Paragraph("None yet.", styles["Normal"]))
    story.append(Paragraph("Training", styles["Heading2"]))
    for s in data["training"]:
        story.append(Paragraph(escape(f"{s.title} ({s.starts_at:%d %b %Y})"), styles["Normal"]))
    if not data["training"]:
        story.append(Paragraph("None recorded.", styles["Normal"]))
    doc.build(story)
    return buffer.getvalue()
