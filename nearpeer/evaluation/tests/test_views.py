import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from nearpeer.evaluation import services
from nearpeer.evaluation.models import Answer, Coding, Survey, ValueStatement
from nearpeer.members.models import Role
from nearpeer.members.tests.factories import UserFactory, teacher
from nearpeer.notifications.models import Notification
from nearpeer.teaching.models import Attendance, Registration, SessionTeacher
from nearpeer.teaching.tests.factories import SessionFactory

from .conftest import DATA, flush


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 3])
def test_lead_survey_list_query_count(client, lead, django_assert_num_queries, n):
    for i in range(n):
        Survey.objects.create(title=f"S{i}", slug=f"s{i}", audience_years_mask=1 << 4)
    client.force_login(lead)

    with django_assert_num_queries(6):
        response = client.get(reverse("evaluation:home"))

    assert [s.slug for s in response.context["surveys"]] == [f"s{i}" for i in reversed(range(n))]
    assert len(response.context["mine"]) == n


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 3])
def test_coding_workspace_query_count(client, lead, open_survey, django_assert_num_queries, n):
    text_q = open_survey.questions.get(kind="text")
    code = services.get_or_create_code_path(survey=open_survey, path="Time/Evenings")
    for i in range(n):
        services.submit_response(
            survey=open_survey,
            user=UserFactory(year=2),
            answers={text_q.pk: [f"text {i}"]},
            consented=True,
        )
    flush(open_survey)
    for i in range(n):
        services.apply_code(
            code=code, coder=lead.email, answer=Answer.objects.get(value=f"text {i}")
        )
    client.force_login(lead)

    with django_assert_num_queries(8):
        response = client.get(reverse("evaluation:coding-workspace", args=[open_survey.slug]))

    assert sorted(u["text"] for u in response.context["units"]) == [f"text {i}" for i in range(n)]
    assert [len(u["codings"]) for u in response.context["units"]] == [1] * n


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 3])
def test_reconcile_view_query_count(client, lead, open_survey, django_assert_num_queries, n):
    text_q = open_survey.questions.get(kind="text")
    code = services.get_or_create_code_path(survey=open_survey, path="Time")
    for i in range(n):
        services.submit_response(
            survey=open_survey,
            user=UserFactory(year=2),
            answers={text_q.pk: [f"t{i}"]},
            consented=True,
        )
    flush(open_survey)
    for i in range(n):
        services.apply_code(code=code, coder="a", answer=Answer.objects.get(value=f"t{i}"))
    client.force_login(lead)

    with django_assert_num_queries(9):
        response = client.get(reverse("evaluation:reconcile-view", args=[open_survey.slug]))

    assert len(response.context["rows"]) == n


@pytest.mark.django_db
def test_member_answers_once_and_is_thanked(client, open_survey):
    member = UserFactory(year=2)
    client.force_login(member)
    likert = open_survey.questions.get(kind="likert")
    multi = open_survey.questions.get(kind="multi")

    response = client.post(
        reverse("evaluation:survey-answer", args=[open_survey.slug]),
        {f"q{likert.pk}": "5", f"q{multi.pk}": ["Recordings", "Slides"]},
        follow=True,
    )
    again = client.get(reverse("evaluation:survey-answer", args=[open_survey.slug]))

    assert _messages(response) == ["Thank you. Your answers are stored without your name."]
    # Held back, sealed, until a batch is complete or the survey closes.
    assert Answer.objects.count() == 0
    assert flush(open_survey) == 1
    assert sorted(Answer.objects.values_list("value", flat=True)) == ["5", "Recordings", "Slides"]
    assert again.context["done"] is True
    assert "You have answered this survey" in again.content.decode()


@pytest.mark.django_db
def test_consent_is_required_when_the_survey_asks_for_it(client, open_survey):
    open_survey.consent_statement = "I agree to take part"
    open_survey.save()
    client.force_login(UserFactory(year=2))

    response = client.post(reverse("evaluation:survey-answer", args=[open_survey.slug]), {})

    assert response.context["form"].errors == {"consent": ["This field is required."]}
    assert Answer.objects.count() == 0


@pytest.mark.django_db
def test_closed_survey_accepts_no_answers(client, open_survey):
    open_survey.closes_at = timezone.now() - timedelta(days=1)
    open_survey.save()
    client.force_login(UserFactory(year=2))
    likert = open_survey.questions.get(kind="likert")

    response = client.post(
        reverse("evaluation:survey-answer", args=[open_survey.slug]), {f"q{likert.pk}": "3"}
    )

    assert "This survey is not open" in response.content.decode()
    assert Answer.objects.count() == 0


@pytest.mark.django_db
def test_reminders_go_only_to_audience_members_who_have_not_answered(client, lead, open_survey):
    answered, pending = UserFactory(year=2), UserFactory(year=2)
    UserFactory(year=3)
    services.submit_response(survey=open_survey, user=answered, answers={}, consented=True)
    client.force_login(lead)

    response = client.post(
        reverse("evaluation:survey-remind", args=[open_survey.slug]), follow=True
    )

    assert list(Notification.objects.values_list("recipient_id", "category")) == [
        (pending.pk, "surveys")
    ]
    assert _messages(response) == ["Reminder sent to 1 member who has not answered."]


@pytest.mark.django_db
def test_reminding_everyone_stores_nothing_about_who_answered(client, lead, open_survey):
    answered, pending = UserFactory(year=2), UserFactory(year=2)
    services.submit_response(survey=open_survey, user=answered, answers={}, consented=True)
    client.force_login(lead)

    response = client.post(
        reverse("evaluation:survey-remind", args=[open_survey.slug]),
        {"audience": "everyone"},
        follow=True,
    )

    rows = Notification.objects.values("recipient_id", "title", "body", "url", "read_at")
    by_recipient = {row.pop("recipient_id"): row for row in rows}
    assert set(by_recipient) == {answered.pk, pending.pk}
    assert by_recipient[answered.pk] == by_recipient[pending.pk]
    assert _messages(response) == ["Reminder sent to all 2 members of the audience."]


@pytest.mark.django_db
def test_ui_import_with_a_ragged_row_reports_it_and_imports_nothing(client, lead):
    survey = Survey.objects.create(title="S", slug="s")
    data = (DATA / "qualtrics_export.csv").read_bytes() + b"a,b\r\n"
    client.force_login(lead)

    # The import is a background job (core/jobs.py); its page lists the errors.
    with TestCase.captureOnCommitCallbacks(execute=True):
        started = client.post(
            reverse("evaluation:survey-import", args=["s"]),
            {"file": SimpleUploadedFile("x.csv", data), "format": "qualtrics"},
        )
    page = client.get(started.headers["Location"]).content.decode()

    assert "<li>row 17: 2 columns, expected 22 as in the header</li>" in page
    assert "<li>Nothing was imported.</li>" in page
    assert survey.questions.count() == 0


@pytest.mark.django_db
def test_build_a_survey_in_the_ui(client, lead):
    client.force_login(lead)

    client.post(
        reverse("evaluation:survey-create"),
        {
            "title": "Autumn",
            "slug": "autumn",
            "audience_years": ["1", "2"],
            "audience_phase": "",
            "audience_role": "",
        },
    )
    client.post(
        reverse("evaluation:question-add", args=["autumn"]),
        {"kind": "likert", "text": "Sessions were useful"},
    )
    client.post(
        reverse("evaluation:question-add", args=["autumn"]),
        {"kind": "single", "text": "Mode", "options": "Online\nIn person"},
    )
    bad = client.post(
        reverse("evaluation:question-add", args=["autumn"]),
        {"kind": "multi", "text": "X", "options": "Only one"},
        follow=True,
    )

    survey = Survey.objects.get(slug="autumn")
    assert survey.audience_years == [1, 2]
    assert [(q.qid, q.kind, q.options) for q in survey.questions.all()] == [
        ("Q1", "likert", ["1", "2", "3", "4", "5"]),
        ("Q2", "single", ["Online", "In person"]),
    ]
    assert _messages(bad)[-1:] == ["Give at least two options, one per line."]


@pytest.mark.django_db
def test_report_page_withholds_small_groups_and_serves_chart_as_svg_attachment(
    client, lead, imported_survey
):
    client.force_login(lead)
    url = reverse("evaluation:report-view", args=["imported"])

    page = client.get(url, {"groups": "All=\nYear 1=Q1:1"})
    chart = client.get(
        reverse("evaluation:report-chart", args=["imported", "Q3"]), {"groups": "All="}
    )
    csv_file = client.get(url, {"groups": "All=", "format": "csv"})

    assert [(g.name, g.size, g.withheld) for g in page.context["report"].groups] == [
        ("All", 12, False),
        ("Year 1", 2, True),
    ]
    assert page.context["blocks"][2]["medians"] == [4.0, None]
    assert (chart["Content-Type"], chart["Content-Disposition"]) == (
        "image/svg+xml",
        'attachment; filename="imported-Q3.svg"',
    )
    assert chart.content.lstrip().startswith(b"<?xml") and b"<script" not in chart.content
    assert csv_file.content.decode().splitlines()[:2] == [
        "question,item,All N,All %",
        "(respondents),group size,12,100.0",
    ]


@pytest.mark.django_db
def test_no_js_coding_finds_the_typed_passage(client, lead, imported_survey):
    answer = Answer.objects.get(response__external_id="R_a1", question__qid="Q5")
    code = services.get_or_create_code_path(survey=imported_survey, path="Resources/Recordings")
    client.force_login(lead)

    client.post(
        reverse("evaluation:coding-apply", args=["imported"]),
        {
            "unit": f"answer:{answer.pk}",
            "code": code.pk,
            "passage": "the recordings",
            "memo": "night",
        },
    )
    missing = client.post(
        reverse("evaluation:coding-apply", args=["imported"]),
        {"unit": f"answer:{answer.pk}", "code": code.pk, "passage": "not there"},
        follow=True,
    )

    coding = Coding.objects.get()
    assert (answer.value[coding.start : coding.end], coding.coder, coding.memo) == (
        "the recordings",
        lead.email,
        "night",
    )
    assert _messages(missing)[-1:] == [
        "That passage is not in the text; copy it exactly, or leave it empty."
    ]


@pytest.mark.django_db
def test_coders_are_blind_to_each_other_in_the_workspace(client, lead, imported_survey):
    answer = Answer.objects.get(response__external_id="R_a1", question__qid="Q5")
    code = services.get_or_create_code_path(survey=imported_survey, path="Flexibility")
    services.apply_code(code=code, coder="someone-else@example.ac.uk", answer=answer)
    client.force_login(lead)

    response = client.get(reverse("evaluation:coding-workspace", args=["imported"]))

    assert [c for u in response.context["units"] for c in u["codings"]] == []


@pytest.mark.django_db
def test_agreement_page_and_reconciliation_change_what_reports_count(client, lead, imported_survey):
    a1 = Answer.objects.get(response__external_id="R_a1", question__qid="Q5")
    a2 = Answer.objects.get(response__external_id="R_a2", question__qid="Q5")
    time = services.get_or_create_code_path(survey=imported_survey, path="Time")
    exams = services.get_or_create_code_path(survey=imported_survey, path="Exams")
    services.apply_code(code=time, coder="a", answer=a1)
    services.apply_code(code=time, coder="b", answer=a1)
    services.apply_code(code=exams, coder="a", answer=a2)
    client.force_login(lead)

    page = client.get(
        reverse("evaluation:agreement-view", args=["imported"]), {"coder_a": "a", "coder_b": "b"}
    )
    client.post(
        reverse("evaluation:reconcile-view", args=["imported"]),
        {"unit": f"answer:{a2.pk}", "codes": [exams.pk]},
    )
    client.post(
        reverse("evaluation:reconcile-view", args=["imported"]),
        {"unit": f"answer:{a1.pk}", "codes": [time.pk]},
    )

    # 6 free-text answers × 2 codes: the coders differ only on Exams for a2.
    assert [(c.code, c.both, c.only_a, c.only_b) for c in page.context["per_code"]] == [
        ("Exams", 0, 1, 0),
        ("Time", 1, 0, 0),
    ]
    assert page.context["overall"][1] == pytest.approx(100 * 11 / 12)
    assert sorted(
        Coding.objects.filter(coder="consensus").values_list("code__name", flat=True)
    ) == ["Exams", "Time"]
    report = services.survey_report(survey=imported_survey, groups=services.parse_groups(["All="]))
    assert [(r.item, r.cells[0].n) for r in report.rows if r.question == "Q5"] == [
        ("(answered)", 6),
        ("Exams", 1),
        ("Time", 1),
        ("(no answer)", 6),
    ]


@pytest.mark.django_db
def test_transcript_upload_in_the_ui_keeps_no_speaker_names(client, lead, imported_survey):
    client.force_login(lead)

    client.post(
        reverse("evaluation:transcript-upload", args=["imported"]),
        {
            "file": SimpleUploadedFile("i.txt", b"Dana Wright: I teach now.\nSam Ng: Why, Dana?\n"),
            "title": "Interview 1",
        },
    )

    assert imported_survey.transcripts.get().text == "P1: I teach now.\nP2: Why, P1?"


@pytest.mark.django_db
def test_value_report_with_indicators_as_html_pdf_and_xlsx(client, lead, imported_survey):
    theme = services.get_or_create_code_path(survey=imported_survey, path="Confidence")
    ValueStatement.objects.create(
        survey=imported_survey,
        cycle="immediate",
        audience="attendees",
        theme=theme,
        quote="I finally got ECGs",
    )
    past = SessionFactory(starts_at=timezone.now() - timedelta(days=2))
    year2 = [UserFactory(year=2) for _ in range(4)]
    for i, member in enumerate(year2):
        Registration.objects.create(session=past, member=member, status="registered")
        if i < 3:
            Attendance.objects.create(session=past, member=member)
    old = SessionFactory(starts_at=timezone.now() - timedelta(days=800))
    t = teacher()
    Attendance.objects.create(session=old, member=t)
    SessionTeacher.objects.create(session=past, teacher=t)
    client.force_login(lead)
    url = reverse("evaluation:value-report", args=["imported"])

    page = client.get(url)
    pdf = client.get(url, {"format": "pdf"})
    xlsx = client.get(url, {"format": "xlsx"})

    indicators = {i.name: i.value for i in page.context["indicators"]}
    assert indicators["Attending > 75 % of their sessions (pre-clinical)"] == "75.0 %"
    assert indicators["Giving back: teachers who once attended"] == "100.0 %"
    assert "I finally got ECGs" in page.content.decode()
    assert (
        pdf.content.startswith(b"%PDF")
        and pdf["Content-Disposition"] == 'attachment; filename="imported-value.pdf"'
    )
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert [c.value for c in book["Value creation"][2]] == [
        "Immediate value",
        "Confidence: “I finally got ECGs”",
        None,
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 3])
def test_survey_detail_question_list_query_count(client, lead, django_assert_num_queries, n):
    survey = Survey.objects.create(title="S", slug="s")
    for i in range(n):
        services.add_question(survey=survey, kind="single", text=f"Q {i}", options=["a", "b"])
    client.force_login(lead)

    with django_assert_num_queries(9):
        response = client.get(reverse("evaluation:survey-detail", args=["s"]))

    assert [q.text for q in response.context["questions"]] == [f"Q {i}" for i in range(n)]


@pytest.mark.django_db
def test_theme_table_counts_respondents_per_group_and_lists_quotes(
    client, lead, imported_survey, settings
):
    settings.NEARPEER_MIN_GROUP_SIZE = 5
    answers = {
        rid: Answer.objects.get(response__external_id=rid, question__qid="Q5")
        for rid in ("R_a1", "R_a2", "R_a5", "R_a6", "R_a9")
    }
    recordings = services.get_or_create_code_path(
        survey=imported_survey, path="Flexibility/Recordings"
    )
    evenings = services.get_or_create_code_path(survey=imported_survey, path="Flexibility/Evenings")
    revision = services.get_or_create_code_path(survey=imported_survey, path="Giving back")
    services.apply_code(code=recordings, coder="a", answer=answers["R_a1"], start=10, end=24)
    services.apply_code(code=evenings, coder="a", answer=answers["R_a1"])
    services.apply_code(code=evenings, coder="a", answer=answers["R_a5"])
    services.apply_code(code=revision, coder="a", answer=answers["R_a6"])
    client.force_login(lead)

    page = client.get(
        reverse("evaluation:theme-report", args=["imported"]),
        {"groups": "All=\nPre-clinical=Q1:1|2\nClinical=Q1:3|4|5|6"},
    )

    alone = client.get(
        reverse("evaluation:theme-report", args=["imported"]), {"groups": "Pre-clinical=Q1:1|2"}
    )

    # Flexibility: a1 and a5 (both pre-clinical), counted once each although a1 has two codes.
    # Shown with All and Clinical, Pre-clinical is withheld: all minus both would isolate the
    # one respondent who skipped Q1.
    assert [(item, [(c.n, c.pct) for _, c in cells]) for item, cells in page.context["rows"]] == [
        ("Flexibility", [(2, 16.7), (None, None), (0, 0.0)]),
        ("Giving back", [(1, 8.3), (None, None), (1, 16.7)]),
    ]
    # Asked for alone afterwards, Pre-clinical stays withheld: the page before showed All and
    # Clinical, and every group shown is remembered (finding 4).
    assert [(item, [(c.n, c.pct) for _, c in cells]) for item, cells in alone.context["rows"]] == [
        ("Flexibility", [(None, None)]),
        ("Giving back", [(None, None)]),
    ]
    quotes = {theme.name: q for theme, q in page.context["quotes"]}
    assert quotes["Flexibility"][0] == answers["R_a1"].value[10:24]


@pytest.mark.django_db
def test_interview_signup_after_answering(client, open_survey):
    open_survey.interview_signup = True
    open_survey.save()
    member = UserFactory(year=2)
    client.force_login(member)
    likert = open_survey.questions.get(kind="likert")

    answered = client.post(
        reverse("evaluation:survey-answer", args=[open_survey.slug]), {f"q{likert.pk}": "3"}
    )
    client.post(
        reverse("evaluation:interview-signup", args=[open_survey.slug]), {"availability": "Fridays"}
    )

    assert answered["Location"] == reverse("evaluation:interview-signup", args=[open_survey.slug])
    assert list(open_survey.volunteers.values_list("user_id", "availability")) == [
        (member.pk, "Fridays")
    ]
    client.force_login(UserFactory(roles=[Role.EVALUATION_LEAD], year=4))
    detail = client.get(reverse("evaluation:survey-detail", args=[open_survey.slug]))
    assert f"{member.name} &lt;{member.email}&gt; — Fridays" in detail.content.decode()
