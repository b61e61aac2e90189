"""The coder keeps their place: applying or removing a code, a refused passage and a new
transcript all bring them back to the text on its page of texts; codes are listed sorted."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nearpeer.evaluation import services, views
from nearpeer.evaluation.models import Answer, Coding

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_pages(monkeypatch):
    """Two texts to a page, so the imported survey's answers fill several pages."""
    monkeypatch.setattr(views, "UNITS_PER_PAGE", 2)


def workspace(slug="imported") -> str:
    return reverse("evaluation:coding-workspace", args=[slug])


def test_apply_remove_and_a_refused_passage_come_back_to_the_text(
    client, lead, imported_survey, small_pages
):
    answers, _ = services.coding_units(imported_survey)
    assert len(answers) >= 4
    answer = answers[3]  # the second text on page 2
    code = services.get_or_create_code_path(survey=imported_survey, path="Theme/Code")
    client.force_login(lead)
    place = f"{workspace()}?page=2#u-answer{answer.pk}"

    applied = client.post(
        reverse("evaluation:coding-apply", args=["imported"]),
        {"unit": f"answer:{answer.pk}", "code": code.pk, "page": "2"},
    )
    refused = client.post(
        reverse("evaluation:coding-apply", args=["imported"]),
        {"unit": f"answer:{answer.pk}", "code": code.pk, "page": "2", "passage": "nowhere"},
    )
    removed = client.post(
        reverse("evaluation:coding-delete", args=["imported", Coding.objects.get().pk]),
        {"page": "2"},
    )
    # Without the page (an old form, or no JS history): worked out from the list of texts.
    worked_out = client.post(
        reverse("evaluation:coding-apply", args=["imported"]),
        {"unit": f"answer:{answer.pk}", "code": code.pk},
    )

    assert [r.headers["Location"] for r in (applied, refused, removed, worked_out)] == [place] * 4
    page = client.get(place.split("#")[0])
    assert f'id="u-answer{answer.pk}"' in page.content.decode()


def test_a_new_transcript_is_where_the_coder_lands(client, lead, imported_survey, small_pages):
    n_answers = Answer.objects.filter(
        question__survey=imported_survey, question__kind="text"
    ).count()
    client.force_login(lead)

    response = client.post(
        reverse("evaluation:transcript-upload", args=["imported"]),
        {"file": SimpleUploadedFile("i.txt", b"Dana: I teach now.\n"), "title": "Interview 1"},
        follow=True,
    )

    transcript = imported_survey.transcripts.get()
    expected_page = n_answers // 2 + 1
    assert response.redirect_chain == [
        (f"{workspace()}?page={expected_page}#u-transcript{transcript.pk}", 302)
    ]
    body = response.content.decode()
    assert f'id="u-transcript{transcript.pk}"' in body
    assert "Here it is, ready to code." in body


def test_the_coding_page_links_to_adding_a_transcript(client, lead, imported_survey):
    client.force_login(lead)

    body = client.get(workspace()).content.decode()

    assert '<a href="#add-transcript">Add a new transcript</a>' in body
    assert '<h2 id="add-transcript">Add a transcript</h2>' in body


def test_codes_are_offered_sorted_whatever_order_they_were_made_in(client, lead, imported_survey):
    for path in ["wellbeing/Sleep", "Access/Recordings", "Access/evening clash", "Confidence"]:
        services.get_or_create_code_path(survey=imported_survey, path=path)
    client.force_login(lead)

    response = client.get(workspace())

    assert [c.path for c in response.context["codes"]] == [
        "Access",
        "Access/evening clash",
        "Access/Recordings",
        "Confidence",
        "wellbeing",
        "wellbeing/Sleep",
    ]
