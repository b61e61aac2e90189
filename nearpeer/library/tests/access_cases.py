from nearpeer.core.tests.access import LOGIN, Access, expect

ALL = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)
ALL_POST = expect(anonymous=LOGIN, member=302, teacher=302, committee=302, faculty=302)
STAFF = expect(anonymous=LOGIN, member=404, teacher=200, committee=200, faculty=200)
STAFF_POST = expect(anonymous=LOGIN, member=404, teacher=302, committee=302, faculty=302)
COMMITTEE = expect(anonymous=LOGIN, member=404, teacher=404, committee=200, faculty=404)
COMMITTEE_POST = expect(anonymous=LOGIN, member=404, teacher=404, committee=302, faculty=404)
# world.teacher is the author of `mine` (a draft); nobody else may touch it.
AUTHOR = expect(anonymous=LOGIN, member=404, teacher=200, committee=404, faculty=404)
AUTHOR_POST = expect(anonymous=LOGIN, member=404, teacher=302, committee=404, faculty=404)
NOBODY = expect(anonymous=LOGIN, member=404, teacher=404, committee=404, faculty=404)

# The smallest thing filetype recognises as a PNG.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def arrange(world):
    from nearpeer.library import services
    from nearpeer.library.models import Audience, ErrorReport, Status
    from nearpeer.library.tests.factories import make_resource
    from nearpeer.members.tests.factories import teacher
    from nearpeer.teaching.models import SessionTeacher
    from nearpeer.teaching.tests.factories import SessionFactory

    author = teacher(email="author@example.ac.uk")
    world.published = make_resource(author=author, files={"figure.png": PNG})
    world.teacher_only = make_resource(
        author=author, audience=Audience.TEACHERS, files={"scheme.png": PNG}
    )
    world.draft = make_resource(author=author, status=Status.DRAFT, files={"draft.png": PNG})
    world.in_review = make_resource(author=author, status=Status.IN_REVIEW)
    world.mine = make_resource(author=world.teacher, status=Status.DRAFT, files={"mine.png": PNG})
    # world.teacher wrote `mine`; `author` is a co-author of it, to be removed or to leave.
    services.add_coauthor(resource=world.mine, by=world.teacher, email=author.email)
    world.coauthor = author
    world.report = ErrorReport.objects.create(
        resource=world.published, reported_by=world.other_member, text="Typo"
    )
    world.session = SessionFactory()
    SessionTeacher.objects.create(session=world.session, teacher=world.teacher)
    world.services = services


def pk(name):
    return lambda w: {"pk": getattr(w, name).pk}


def file_of(name):
    return lambda w: {"pk": getattr(w, name).attachments.get().pk}


CASES = [
    Access("library:home", ALL),
    Access("library:resource-create", STAFF),
    Access("library:review-list", STAFF),
    Access("library:figures", COMMITTEE),
    Access("library:resource-detail", ALL, kwargs=pk("published")),
    Access("library:resource-detail", STAFF, kwargs=pk("teacher_only"), label="teacher-only"),
    Access("library:resource-detail", NOBODY, kwargs=pk("draft"), label="someone's draft"),
    Access("library:resource-detail", STAFF, kwargs=pk("in_review"), label="in review"),
    Access("library:resource-detail", AUTHOR, kwargs=pk("mine"), label="own draft"),
    Access("library:resource-edit", AUTHOR, kwargs=pk("mine")),
    Access("library:resource-edit", NOBODY, kwargs=pk("published"), label="not an author"),
    Access("library:attachment-add", AUTHOR, kwargs=pk("mine")),
    Access(
        "library:link-add",
        AUTHOR_POST,
        kwargs=pk("mine"),
        method="post",
        data=lambda w: {"title": "NICE", "url": "https://www.nice.org.uk/"},
    ),
    Access("library:resource-submit", AUTHOR, kwargs=pk("mine")),
    Access("library:resource-authors", AUTHOR, kwargs=pk("mine")),
    Access(
        "library:resource-authors",
        AUTHOR_POST,
        kwargs=pk("mine"),
        method="post",
        data=lambda w: {"email": w.committee.email},
        label="add",
    ),
    Access("library:resource-authors", NOBODY, kwargs=pk("published"), label="not an author"),
    Access(
        "library:author-remove",
        AUTHOR_POST,
        kwargs=lambda w: {"pk": w.mine.pk, "user_pk": w.coauthor.pk},
        method="post",
    ),
    Access(
        "library:author-remove",
        NOBODY,
        kwargs=lambda w: {"pk": w.published.pk, "user_pk": w.coauthor.pk},
        method="post",
        label="not an author",
    ),
    Access(
        "library:resource-review",
        STAFF_POST,
        kwargs=pk("in_review"),
        method="post",
        data=lambda w: {"decision": "approve"},
    ),
    Access(
        "library:resource-endorse",
        expect(anonymous=LOGIN, member=404, teacher=404, committee=404, faculty=302),
        kwargs=pk("published"),
        method="post",
    ),
    Access(
        "library:report-create",
        ALL_POST,
        kwargs=pk("published"),
        method="post",
        data=lambda w: {"text": "The dose on page 2 is wrong."},
    ),
    Access(
        "library:report-create",
        STAFF_POST,
        kwargs=pk("teacher_only"),
        method="post",
        data=lambda w: {"text": "Wrong."},
        label="teacher-only",
    ),
    Access(
        "library:resource-use",
        expect(anonymous=LOGIN, member=404, teacher=302, committee=302, faculty=404),
        kwargs=pk("published"),
        method="post",
        data=lambda w: {"session": w.session.pk},
    ),
    Access("library:resource-remix", STAFF_POST, kwargs=pk("published"), method="post"),
    Access("library:resource-remix", NOBODY, kwargs=pk("draft"), method="post", label="draft"),
    Access("library:attachment-download", ALL, kwargs=file_of("published")),
    Access(
        "library:attachment-download", STAFF, kwargs=file_of("teacher_only"), label="teacher-only"
    ),
    Access("library:attachment-download", NOBODY, kwargs=file_of("draft"), label="draft"),
    Access("library:attachment-delete", AUTHOR_POST, kwargs=file_of("mine"), method="post"),
    Access(
        "library:report-resolve",
        COMMITTEE_POST,
        kwargs=lambda w: {"pk": w.report.pk},
        method="post",
    ),
]
