"""Issue #8, finding 8: a .qdpx with a DOCTYPE gave a server error; an .xlsx had no unpacked
size limit (a 498 KiB workbook took 125 s and 760 MiB)."""

import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from nearpeer.evaluation import services
from nearpeer.evaluation.models import Coding
from nearpeer.evaluation.parsing import ParseError, parse


def _qdpx(xml: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", xml)
    return buffer.getvalue()


DOCTYPE_PROJECT = (
    '<?xml version="1.0"?><!DOCTYPE Project [<!ELEMENT Project ANY>]>'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>'
)


def test_qdpx_with_a_doctype_gets_a_clear_message(client, lead, imported_survey):
    client.force_login(lead)

    response = client.post(
        reverse("evaluation:qdpx-import", kwargs={"slug": imported_survey.slug}),
        {"file": io.BytesIO(_qdpx(DOCTYPE_PROJECT))},
        follow=True,
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Nothing imported: project.qde declares a DOCTYPE (document type definition); "
        "REFI-QDA projects have none, and Nearpeer refuses them for safety. Export the "
        "project again from your QDA program."
    ]
    assert Coding.objects.count() == 0


def test_qdpx_with_a_bad_position_names_the_selection(imported_survey):
    from nearpeer.evaluation.refi import RefiError, read_qdpx

    xml = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Sources>'
        '<TextSource guid="s1" name="i1.txt"><PlainTextContent>Hello</PlainTextContent>'
        '<PlainTextSelection guid="sel-1" startPosition="one" endPosition="2">'
        '<Coding guid="c"><CodeRef targetGUID="k"/></Coding></PlainTextSelection>'
        "</TextSource></Sources></Project>"
    )
    with pytest.raises(RefiError) as exc:
        read_qdpx(_qdpx(xml))

    assert str(exc.value) == (
        "source 'i1.txt', selection 'sel-1': startPosition and endPosition must be whole numbers"
    )
    assert services  # the service wraps the same error for the view


def _workbook(extra: bytes = b"") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ID", "Start time", "How useful was it?"])
    sheet.append([1, "2026-01-01 10:00", "Useful"])
    buffer = io.BytesIO()
    book.save(buffer)
    if not extra:
        return buffer.getvalue()
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet2.xml", extra)
    return buffer.getvalue()


def test_xlsx_that_unpacks_beyond_the_limit_is_refused_from_its_directory():
    from nearpeer.evaluation.parsing import MAX_XLSX_UNPACKED_BYTES

    bomb = _workbook(b"<x/>" + b" " * 2 * MAX_XLSX_UNPACKED_BYTES)
    assert len(bomb) < 200_000  # small on disk, large unpacked

    with pytest.raises(ParseError) as exc:
        parse(bomb, fmt="msforms")

    assert exc.value.errors == [
        "the workbook unpacks to 64 MiB; the limit is 32 MiB. Export only the responses "
        "sheet, or as CSV (--format csv)"
    ]


def test_xlsx_within_the_limit_still_imports():
    parsed = parse(_workbook(), fmt="msforms")

    assert [q.text for q in parsed.questions] == ["How useful was it?"]
