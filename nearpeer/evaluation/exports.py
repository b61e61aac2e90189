"""Report files: CSV, XLSX, HTML, PDF. Side-effect free; callers decide where bytes go."""

import csv
import io

from django.template.loader import render_to_string

from .stats import Report, escape_cell, report_table


def report_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in report_table(report):
        writer.writerow([escape_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def _xlsx(sheets: list[tuple[str, list[list[object]]]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    for title, rows in sheets:
        sheet = book.add_worksheet(title[:31])
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, escape_cell(value) if isinstance(value, str) else value)
    book.close()
    return buffer.getvalue()


def report_xlsx(report: Report) -> bytes:
    return _xlsx([("Report", report_table(report))])


def report_html(report: Report, *, title: str) -> bytes:
    return render_to_string(
        "evaluation/report_file.html", {"title": title, "table": report_table(report)}
    ).encode("utf-8")


def value_rows(value_table, indicators) -> tuple[list[list[object]], list[list[object]]]:
    table = [["Value cycle", "Attendees", "Teachers"]]
    for cycle, cells in value_table:
        table.append(
            [cycle]
            + [
                "\n".join(
                    f"{s.theme.name}: “{s.quote}”" if s.quote else s.theme.name for s in cells[a]
                )
                for a in ("attendees", "teachers")
            ]
        )
    ind = [["Indicator", "Value", "Detail"]] + [[i.name, i.value, i.detail] for i in indicators]
    return table, ind


def value_xlsx(value_table, indicators) -> bytes:
    table, ind = value_rows(value_table, indicators)
    return _xlsx([("Value creation", table), ("Indicators", ind)])


def value_pdf_rows(value_table) -> list[list[object]]:
    """The value table for the PDF: one row per statement (the cycle named on its first row),
    so that a cell with many statements breaks across pages instead of overflowing one (a
    table row taller than a page cannot be laid out)."""
    rows: list[list[object]] = [["Value cycle", "Attendees", "Teachers"]]
    for cycle, cells in value_table:
        columns = [
            [f"{s.theme.name}: “{s.quote}”" if s.quote else s.theme.name for s in cells[a]]
            for a in ("attendees", "teachers")
        ]
        for i in range(max(1, *(len(c) for c in columns))):
            rows.append([cycle if i == 0 else ""] + [c[i] if i < len(c) else "" for c in columns])
    return rows


def value_pdf(value_table, indicators, *, title: str) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    _, ind = value_rows(value_table, indicators)
    table = value_pdf_rows(value_table)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title)

    def grid(rows, widths):
        data = [
            [Paragraph(escape(str(c)).replace("\n", "<br/>"), styles["BodyText"]) for c in row]
            for row in rows
        ]
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    doc.build(
        [
            Paragraph(escape(title), styles["Title"]),
            Paragraph("Value creation", styles["Heading2"]),
            grid(table, [110, 300, 300]),
            Spacer(1, 12),
            Paragraph("Indicators from Nearpeer", styles["Heading2"]),
            grid(ind, [250, 90, 370]),
        ]
    )
    return buffer.getvalue()
