"""The mock's timetable per candidate, per examiner and per room, as XLSX (openpyxl) and PDF
(reportlab). Rooms are a circuit's station in a run ("Run 1 · circuit 2 · Chest pain")."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from nearpeer.members.models import User

from . import services
from .models import Mock

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = {
    "candidate": ["Candidate", "Round", "Starts", "Run", "Circuit", "Where", "Examiner"],
    "examiner": ["Examiner", "Round", "Starts", "Run", "Circuit", "Station", "Candidate"],
    "room": ["Room", "Round", "Starts", "Candidate", "Examiner"],
}


def _cell(value: str) -> str:
    # A name typed by a person must not become a formula in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def timetable_rows(mock: Mock) -> dict[str, list[list[str]]]:
    stations = {s.pk: s for s in mock.stations.all()}
    length = services.round_seconds(mock, list(stations.values()))
    seats = services.seats(mock)
    ids = {s.candidate_id for s in seats} | {s.examiner_id for s in seats if s.examiner_id}
    people = {u.pk: u.name or u.email for u in User.objects.filter(pk__in=ids)}

    def starts(slot: int) -> str:
        offset = timedelta(seconds=slot * length)
        return f"+{int(offset.total_seconds() // 60)} min"

    def where(seat) -> str:
        if seat.station_id is None:
            return f"Rest {seat.position.removeprefix('rest-')}"
        return stations[seat.station_id].title

    rows: dict[str, list[list[str]]] = {"candidate": [], "examiner": [], "room": []}
    for s in seats:
        examiner = people.get(s.examiner_id, "") if s.examiner_id else ""
        common = [str(s.slot + 1), starts(s.slot)]
        rows["candidate"].append(
            [people[s.candidate_id], *common, str(s.run), str(s.circuit), where(s), examiner]
        )
        if s.station_id is not None:
            rows["examiner"].append(
                [examiner, *common, str(s.run), str(s.circuit), where(s), people[s.candidate_id]]
            )
            room = f"Run {s.run} · circuit {s.circuit} · {where(s)}"
            rows["room"].append([room, *common, people[s.candidate_id], examiner])
    for key in rows:
        rows[key].sort(key=lambda r: (r[0], int(r[1])))
    return rows


def xlsx(mock: Mock, rows: dict[str, list[list[str]]]) -> io.BytesIO:
    book = Workbook()
    book.remove(book.active)
    for key, title in (("candidate", "Candidates"), ("examiner", "Examiners"), ("room", "Rooms")):
        sheet = book.create_sheet(title)
        sheet.append(HEADERS[key])
        for row in rows[key]:
            sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def pdf(mock: Mock, rows: dict[str, list[list[str]]]) -> io.BytesIO:
    out = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"{mock.title} timetable")
    story = [Paragraph(f"{mock.title} — {mock.date:%d %B %Y}", styles["Title"])]
    for key, title in (("candidate", "Candidates"), ("examiner", "Examiners"), ("room", "Rooms")):
        story.append(Paragraph(title, styles["Heading2"]))
        current = None
        block: list[list[str]] = []
        for row in rows[key] + [["\0"]]:
            if row[0] != current:
                if block:
                    story.append(Paragraph(current, styles["Heading3"]))
                    table = Table([HEADERS[key][1:], *block], repeatRows=1)
                    table.setStyle(
                        TableStyle(
                            [
                                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                                ("FONTSIZE", (0, 0), (-1, -1), 8),
                            ]
                        )
                    )
                    story.append(table)
                    story.append(Spacer(1, 6))
                current, block = row[0], []
            if row[0] != "\0":
                block.append(row[1:])
        story.append(PageBreak())
    doc.build(story)
    out.seek(0)
    return out
