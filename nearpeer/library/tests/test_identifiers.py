"""Likely patient identifiers: the plain detector, and the check authors meet before publishing."""

import pytest
from django.urls import reverse

from nearpeer.library import services
from nearpeer.library.identifiers import find_identifiers, nhs_check_digit_ok
from nearpeer.library.models import Status

from .factories import make_resource, pdf_bytes


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("9434765919", True),
        ("4010232137", True),
        ("9434765918", False),  # wrong check digit
        ("1000000010", False),  # check digit would be 10: no such number
        ("123456789", False),
    ],
)
def test_nhs_check_digit(digits, valid):
    assert nhs_check_digit_ok(digits) is valid


def test_finds_each_kind_once_in_order():
    text = (
        "Mrs A, DOB: 12/03/1987, of SW1A 1AA. NHS no 943 476 5919; MRN: K1234567. "
        "Born on 3rd March 1990. Again 943-476-5919."
    )
    found = [(f.kind, f.text) for f in find_identifiers(text, where="summary")]
    assert found == [
        ("date_of_birth", "DOB: 12/03/1987"),
        ("postcode", "SW1A 1AA"),
        ("nhs_number", "943 476 5919"),
        ("hospital_number", "MRN: K1234567"),
        ("date_of_birth", "Born on 3rd March 1990"),
        ("nhs_number", "943-476-5919"),
    ]


def test_ordinary_teaching_text_raises_nothing():
    text = (
        "A 12-lead ECG in 2024 showed a rate of 110. Give 1000000000 units? No: 1 g. "
        "Page 943 476 5918 of nothing. Published 12/03/2024. The A1 road; sw1a 1aa in lower case."
    )
    assert find_identifiers(text, where="summary") == []


def test_submitting_asks_the_author_to_confirm_identifiers_found_in_a_pdf(client, db):
    resource = make_resource(
        status=Status.DRAFT,
        title="Chest pain case",
        files={"case.pdf": pdf_bytes("Case: DOB 01/02/1960, NHS number 401 023 2137.")},
    )
    author = resource.authors.get()
    client.force_login(author)
    url = reverse("library:resource-submit", kwargs={"pk": resource.pk})

    page = client.get(url)
    assert page.status_code == 200
    assert [(f.label, f.text, f.where) for f in page.context["findings"]] == [
        ("date of birth", "DOB 01/02/1960", "case.pdf"),
        ("NHS number", "401 023 2137", "case.pdf"),
    ]
    refused = client.post(url, {})
    assert refused.status_code == 400
    assert refused.context["form"].errors["confirm_identifiers"] == [
        "2 possible patient identifiers found. Remove them, or confirm they are not a real "
        "patient's."
    ]
    resource.refresh_from_db()
    assert resource.status == Status.DRAFT

    assert client.post(url, {"confirm_identifiers": "on"}).status_code == 302
    resource.refresh_from_db()
    assert resource.status == Status.IN_REVIEW
    assert resource.identifiers_confirmed_at is not None


def test_a_file_with_identifiers_added_to_a_published_resource_needs_confirmation(db):
    resource = make_resource(title="Cases")
    author = resource.authors.get()
    data = pdf_bytes("Patient from LS1 4AP.")
    with pytest.raises(services.IdentifiersFound):
        services.add_attachment(
            resource=resource, by=author, name="more.pdf", data=data, change_note="More cases"
        )
    assert resource.attachments.count() == 0
    services.add_attachment(
        resource=resource, by=author, name="more.pdf", data=data, change_note="More cases",
        confirm_identifiers=True,
    )  # fmt: skip
    assert [v.change_note for v in resource.versions.all()] == ["More cases"]
