from nearpeer.core.tests.access import LOGIN, Access, expect
from nearpeer.members.models import Role
from nearpeer.members.tests.factories import UserFactory

# Evaluation leads (committee in the matrix) run everything; others must not learn a survey's
# pages exist (404). Members answer surveys whose audience they are in.
LEAD_PAGE = expect(anonymous=LOGIN, member=404, teacher=404, committee=200, faculty=404)
LEAD_POST = expect(anonymous=LOGIN, member=404, teacher=404, committee=302, faculty=404)
AUDIENCE_PAGE = expect(anonymous=LOGIN, member=200, teacher=404, committee=404, faculty=404)


def arrange(world):
    from nearpeer.anonymity import store
    from nearpeer.evaluation import services
    from nearpeer.evaluation.models import Survey

    survey = Survey.objects.create(
        title="Matrix survey", slug="matrix", audience_years_mask=1 << 2, interview_signup=True
    )
    world.likert = services.add_question(
        survey=survey, kind="likert", text="Confident?", options=[]
    )
    world.text_q = services.add_question(survey=survey, kind="text", text="Why?", options=[])
    world.spare_q = services.add_question(survey=survey, kind="text", text="Spare", options=[])
    services.submit_response(
        survey=survey,
        user=world.other_member,
        answers={world.text_q.pk: ["Helpful"]},
        consented=True,
    )
    # Write the held-back answer out (a batch would, once complete) without closing the survey.
    store.close(scope=services.survey_scope(survey))
    answer = world.text_q.answers.get()
    code = services.get_or_create_code_path(survey=survey, path="Theme/Code")
    world.code = code
    world.answer = answer
    world.coding = services.apply_code(code=code, coder=world.committee.email, answer=answer)
    world.survey = survey
    world.report_job = _finished_job(
        kind="evaluation.survey-report",
        key=f"report:{survey.pk}:csv:x",
        by=UserFactory(roles=[Role.EVALUATION_LEAD], email="lead-2@example.ac.uk"),
        name="matrix-report.csv",
    )


def _codes_file(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    label = world.answer.response.label
    row = f"{label},{world.text_q.qid},Theme/Code,lead"
    return SimpleUploadedFile("codes.csv", f"response_id,question,code,coder\n{row}\n".encode())


def _finished_job(*, kind: str, key: str, by, name: str):
    from django.core.files.base import ContentFile

    from nearpeer.core.models import BackgroundJob

    job = BackgroundJob(
        kind=kind, key=key, title=name, started_by=by, status=BackgroundJob.Status.DONE,
        output_name=name, output_type="text/csv",
    )  # fmt: skip
    job.output.save(name, ContentFile(b"a,b\n"), save=False)
    job.save()
    return job


S = {"slug": "matrix"}


def _s(w):
    return S


CASES = [
    Access(
        "evaluation:home",
        expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200),
    ),
    Access("evaluation:survey-create", LEAD_PAGE),
    Access(
        "evaluation:survey-create",
        LEAD_POST,
        method="post",
        label="valid",
        data=lambda w: {
            "title": "New",
            "slug": "new-survey",
            "audience_phase": "",
            "audience_role": "",
        },
    ),
    Access("evaluation:survey-detail", LEAD_PAGE, kwargs=_s),
    Access("evaluation:survey-edit", LEAD_PAGE, kwargs=_s),
    Access(
        "evaluation:question-add",
        LEAD_POST,
        kwargs=_s,
        method="post",
        data=lambda w: {"kind": "text", "text": "More?"},
    ),
    Access(
        "evaluation:question-delete",
        LEAD_POST,
        method="post",
        kwargs=lambda w: {"slug": "matrix", "pk": w.spare_q.pk},
    ),
    Access("evaluation:survey-remind", LEAD_POST, kwargs=_s, method="post"),
    # Without the confirmation box: nothing closes, the lead is sent back with a message.
    Access("evaluation:survey-close", LEAD_POST, kwargs=_s, method="post"),
    Access("evaluation:survey-answer", AUDIENCE_PAGE, kwargs=_s),
    Access(
        "evaluation:survey-answer",
        expect(anonymous=LOGIN, member=302, teacher=404, committee=404, faculty=404),
        kwargs=_s,
        method="post",
        label="answer",
        data=lambda w: {f"q{w.text_q.pk}": "Good", f"q{w.likert.pk}": "4"},
    ),
    Access("evaluation:interview-signup", AUDIENCE_PAGE, kwargs=_s),
    Access("evaluation:survey-import", LEAD_POST, kwargs=_s, method="post", label="no file"),
    Access("evaluation:report-view", LEAD_PAGE, kwargs=_s),
    # A small survey: the file is the response (a large one's is a job, below).
    Access(
        "evaluation:report-build",
        LEAD_PAGE,
        kwargs=_s,
        method="post",
        data=lambda w: {"format": "csv", "query": "groups=All%3D"},
    ),
    # Another lead's report build: every evaluation lead may watch it and download its file.
    Access("core:job-detail", LEAD_PAGE, kwargs=lambda w: {"pk": w.report_job.pk}, label="report"),
    Access("core:job-output", LEAD_PAGE, kwargs=lambda w: {"pk": w.report_job.pk}, label="report"),
    Access(
        "evaluation:report-chart",
        LEAD_PAGE,
        kwargs=lambda w: {"slug": "matrix", "qid": w.likert.qid},
    ),
    Access("evaluation:coding-workspace", LEAD_PAGE, kwargs=_s),
    Access(
        "evaluation:code-add", LEAD_POST, kwargs=_s, method="post", data=lambda w: {"path": "A/B"}
    ),
    Access(
        "evaluation:coding-apply",
        LEAD_POST,
        kwargs=_s,
        method="post",
        data=lambda w: {"unit": f"answer:{w.answer.pk}", "code": w.code.pk},
    ),
    Access(
        "evaluation:coding-delete",
        LEAD_POST,
        method="post",
        kwargs=lambda w: {"slug": "matrix", "pk": w.coding.pk},
    ),
    Access("evaluation:transcript-upload", LEAD_POST, kwargs=_s, method="post", label="no file"),
    Access("evaluation:agreement-view", LEAD_PAGE, kwargs=_s),
    Access("evaluation:reconcile-view", LEAD_PAGE, kwargs=_s),
    Access(
        "evaluation:reconcile-view",
        LEAD_POST,
        kwargs=_s,
        method="post",
        label="agree",
        data=lambda w: {"unit": f"answer:{w.answer.pk}", "codes": [w.code.pk]},
    ),
    Access("evaluation:theme-report", LEAD_PAGE, kwargs=_s),
    Access("evaluation:codes-export", LEAD_PAGE, kwargs=_s),
    Access("evaluation:codes-import", LEAD_POST, kwargs=_s, method="post", label="no file"),
    Access(
        "evaluation:codes-import",
        LEAD_POST,
        kwargs=_s,
        method="post",
        label="dry run",
        data=lambda w: {"file": _codes_file(w), "dry_run": "on"},
    ),
    Access("evaluation:qdpx-export", LEAD_PAGE, kwargs=_s),
    Access("evaluation:qdpx-import", LEAD_POST, kwargs=_s, method="post", label="no file"),
    Access("evaluation:value-report", LEAD_PAGE, kwargs=_s),
    # A small value report: the file is the response, from the button or a link (a large one's
    # is a job: evaluation/tests/test_background_jobs.py).
    Access(
        "evaluation:value-report-build",
        LEAD_PAGE,
        kwargs=_s,
        method="post",
        data=lambda w: {"format": "xlsx"},
    ),
    Access(
        "evaluation:value-report",
        LEAD_PAGE,
        kwargs=_s,
        label="xlsx",
        data=lambda w: {"format": "xlsx"},
    ),
    Access(
        "evaluation:value-report",
        LEAD_POST,
        kwargs=_s,
        method="post",
        label="add",
        data=lambda w: {
            "cycle": "immediate",
            "audience": "attendees",
            "theme": w.code.parent_id,
            "quote": "q",
        },
    ),
]
