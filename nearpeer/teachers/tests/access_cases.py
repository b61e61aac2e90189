from django.core.cache import cache
from django.core.files.base import ContentFile

from nearpeer.core.models import BackgroundJob
from nearpeer.core.tests.access import LOGIN, Access, expect
from nearpeer.teachers import services
from nearpeer.teachers.models import Application, Observation
from nearpeer.teachers.tests.factories import CallFactory, past_session

SIGNED_IN = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)
PUBLIC = expect(anonymous=200, member=200, teacher=200, committee=200, faculty=200)
COMMITTEE_PAGE = expect(anonymous=LOGIN, member=404, teacher=404, committee=200, faculty=404)
COMMITTEE_POST = expect(anonymous=LOGIN, member=404, teacher=404, committee=302, faculty=404)
TEACHER_PAGE = expect(anonymous=LOGIN, member=404, teacher=200, committee=200, faculty=404)
OWN_PDF = expect(anonymous=LOGIN, member=404, teacher=200, committee=404, faculty=404)
# The teacher is a named reviewer of the (blind) call; the committee reviews every call.
REVIEWER_PAGE = TEACHER_PAGE


def arrange(world):
    cache.clear()  # the public certificate pages are rate limited per address, in the cache
    world.call = CallFactory(title="Year 2 lectures", blind_review=True)
    world.call.reviewers.set([world.teacher])
    world.own_application = Application.objects.create(
        call=world.call, applicant=world.member, topics="Renal physiology"
    )
    world.other_application = Application.objects.create(
        call=world.call, applicant=world.other_member, topics="Cardiac cycle"
    )
    world.session = past_session(teachers=[world.teacher], attendees=[world.member])
    world.certificate = services.issue_session_certificate(
        holder=world.teacher, session=world.session
    )
    world.observation = Observation.objects.create(
        session=world.session, teacher=world.teacher, observer=world.committee
    )
    world.pdf_job = BackgroundJob(
        kind="teachers.portfolio-pdf", key=f"portfolio:{world.teacher.pk}", title="Portfolio",
        started_by=world.teacher, status=BackgroundJob.Status.DONE,
        output_name="teaching-portfolio.pdf", output_type="application/pdf",
    )  # fmt: skip
    world.pdf_job.output.save("teaching-portfolio.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    world.pdf_job.save()


CASES = [
    Access("teachers:call-list", SIGNED_IN),
    Access("teachers:call-create", COMMITTEE_PAGE),
    Access("teachers:call-detail", SIGNED_IN, kwargs=lambda w: {"pk": w.call.pk}),
    Access("teachers:call-edit", COMMITTEE_PAGE, kwargs=lambda w: {"pk": w.call.pk}),
    Access(
        "teachers:application-create",
        # the member has applied already and is sent to their application
        expect(anonymous=LOGIN, member=302, teacher=200, committee=200, faculty=200),
        kwargs=lambda w: {"pk": w.call.pk},
    ),
    Access("teachers:application-list", REVIEWER_PAGE, kwargs=lambda w: {"pk": w.call.pk}),
    Access(
        "teachers:application-bulk",
        COMMITTEE_POST,
        kwargs=lambda w: {"pk": w.call.pk},
        method="post",
        data=lambda w: {"decision": "accept", "applications": [w.own_application.pk]},
    ),
    Access("teachers:my-applications", SIGNED_IN),
    Access(
        "teachers:application-detail",
        expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=404),
        kwargs=lambda w: {"pk": w.own_application.pk},
        label="own",
    ),
    Access(
        "teachers:application-detail",
        # applicants see only their own application
        expect(anonymous=LOGIN, member=404, teacher=200, committee=200, faculty=404),
        kwargs=lambda w: {"pk": w.other_application.pk},
        label="someone else's",
    ),
    Access(
        "teachers:application-withdraw",
        expect(anonymous=LOGIN, member=302, teacher=404, committee=404, faculty=404),
        kwargs=lambda w: {"pk": w.own_application.pk},
        method="post",
    ),
    Access("teachers:review-edit", REVIEWER_PAGE, kwargs=lambda w: {"pk": w.own_application.pk}),
    Access(
        "teachers:assignment-create",
        COMMITTEE_POST,
        kwargs=lambda w: {"pk": w.own_application.pk},
        method="post",
        data=lambda w: {"session": w.session.pk},
    ),
    Access("teachers:feedback-todo", SIGNED_IN),
    Access(
        "teachers:feedback-form",
        # only those who attended (or watched the recording); never the session's teacher
        expect(anonymous=LOGIN, member=200, teacher=404, committee=404, faculty=404),
        kwargs=lambda w: {"pk": w.session.pk},
    ),
    Access("teachers:template-list", COMMITTEE_PAGE),
    Access("teachers:template-edit", COMMITTEE_PAGE, kwargs=lambda w: {"kind": "lecture"}),
    Access("teachers:feedback-session", TEACHER_PAGE, kwargs=lambda w: {"pk": w.session.pk}),
    Access(
        "teachers:feedback-request",
        expect(anonymous=LOGIN, member=404, teacher=302, committee=302, faculty=404),
        kwargs=lambda w: {"pk": w.session.pk},
        method="post",
    ),
    Access("teachers:feedback-overview", TEACHER_PAGE),
    Access("teachers:feedback-committee", COMMITTEE_PAGE),
    Access(
        "teachers:observation-create",
        expect(anonymous=LOGIN, member=404, teacher=302, committee=404, faculty=404),
        kwargs=lambda w: {"pk": w.session.pk},
        method="post",
        data=lambda w: {"observer": w.committee.pk},
    ),
    Access(
        "teachers:observation-edit",
        expect(anonymous=LOGIN, member=404, teacher=404, committee=200, faculty=404),
        kwargs=lambda w: {"pk": w.observation.pk},
    ),
    Access("teachers:portfolio", TEACHER_PAGE),
    Access("teachers:portfolio-pdf", TEACHER_PAGE),
    # A usual portfolio: the PDF is the response (a long one's is a job, below).
    Access("teachers:portfolio-pdf", TEACHER_PAGE, method="post", label="button"),
    # The teacher's own portfolio build: no one else may watch it or download the PDF, not even
    # the committee (who see a teacher's portfolio as a page).
    Access("core:job-detail", OWN_PDF, kwargs=lambda w: {"pk": w.pdf_job.pk}, label="portfolio"),
    Access("core:job-output", OWN_PDF, kwargs=lambda w: {"pk": w.pdf_job.pk}, label="portfolio"),
    Access("teachers:portfolio-csv", TEACHER_PAGE),
    Access("teachers:member-portfolio", COMMITTEE_PAGE, kwargs=lambda w: {"pk": w.teacher.pk}),
    Access("teachers:workload-mine", TEACHER_PAGE),
    Access("teachers:workload-committee", COMMITTEE_PAGE),
    Access("teachers:certificate-list", TEACHER_PAGE),
    Access(
        "teachers:certificate-issue",
        expect(anonymous=LOGIN, member=404, teacher=302, committee=302, faculty=404),
        method="post",
        data=lambda w: {"term": "autumn-2026"},
    ),
    Access(
        "teachers:certificate-revoke",
        COMMITTEE_POST,
        kwargs=lambda w: {"code": w.certificate.code},
        method="post",
        data=lambda w: {"reason": "issued in error"},
    ),
    Access("teachers:certificate-pdf", TEACHER_PAGE, kwargs=lambda w: {"code": w.certificate.code}),
    Access("teachers:certificate-verify", PUBLIC, kwargs=lambda w: {"code": w.certificate.code}),
    Access("teachers:certificate-jwt", PUBLIC, kwargs=lambda w: {"code": w.certificate.code}),
    Access("teachers:certificate-status", PUBLIC, kwargs=lambda w: {"code": w.certificate.code}),
    Access("teachers:jwks", PUBLIC),
]
