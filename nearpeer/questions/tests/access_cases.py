from django.core.files.base import ContentFile

from nearpeer.core.tests.access import LOGIN, Access, expect

ALL = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)
ALL_REDIRECT = expect(anonymous=LOGIN, member=302, teacher=302, committee=302, faculty=302)
REVIEWERS = expect(anonymous=LOGIN, member=404, teacher=200, committee=200, faculty=200)
COMMITTEE = expect(anonymous=LOGIN, member=404, teacher=404, committee=200, faculty=404)
COMMITTEE_POST = expect(anonymous=LOGIN, member=404, teacher=404, committee=302, faculty=404)
OWNER = expect(anonymous=LOGIN, member=200, teacher=404, committee=404, faculty=404)
OWNER_POST = expect(anonymous=LOGIN, member=302, teacher=404, committee=404, faculty=404)
NOBODY = expect(anonymous=LOGIN, member=404, teacher=404, committee=404, faculty=404)

# A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def arrange(world):
    from nearpeer.questions import services
    from nearpeer.questions.models import PaperStatus, Status
    from nearpeer.questions.tests.factories import make_question

    author = world.other_member
    world.published = make_question(author=author)
    version = world.published.published_version
    version.image.save("ecg.png", ContentFile(PNG), save=False)
    version.image_type, version.image_alt = "image/png", "ECG"
    version.save()
    world.draft = make_question(author=author, status=Status.DRAFT)
    # A further image, shown with the feedback (as an imported Moodle question's would be).
    from django.core.files.storage import default_storage

    for v in (version, world.draft.latest_version):
        path = default_storage.save("questions/files/test/rhythm.png", ContentFile(PNG))
        v.attachments = [{"name": "rhythm.png", "path": path, "content_type": "image/png",
                          "alt": "Rhythm strip", "where": "general feedback"}]  # fmt: skip
        v.save(update_fields=["attachments"])
    world.submitted = make_question(author=author, status=Status.SUBMITTED)
    world.mine = make_question(author=world.member, status=Status.DRAFT)
    world.pending_import = services.stage_import(
        by=world.committee, filename="bank.gift", file_format="gift",
        data=b"::Scurvy::Which vitamin? {=C ~B12 ~D}",
    )  # fmt: skip
    world.flag = services.flag_question(
        question=world.published, by=world.member, reason="Option B is also right."
    )
    world.attempt = services.answer_question(
        member=world.member, question=world.published, selected=[0], confidence=2
    )
    papers = []
    for title in ("Open paper", "Sat paper", "Draft paper"):
        paper = services.build_paper_from_blueprint(
            title=title, by=world.committee,
            blueprint={world.published.tags.get(): 1}, duration_minutes=30,
        )  # fmt: skip
        papers.append(paper)
    world.paper, sat, world.draft_paper = papers
    for paper in (world.paper, sat):
        services.set_paper_status(paper=paper, status=PaperStatus.OPEN)
    world.sat = services.start_sitting(paper=sat, candidate=world.member)
    world.open_sitting = services.start_sitting(paper=world.paper, candidate=world.member)
    services.submit_sitting(sitting=world.sat)


def _pk(name):
    return lambda w: {"pk": getattr(w, name).pk}


CASES = [
    Access("questions:home", ALL),
    Access("questions:question-create", ALL),
    Access("questions:review-list", REVIEWERS),
    Access("questions:practice-next", ALL_REDIRECT),
    Access("questions:queue-home", ALL),
    Access("questions:queue-next", ALL_REDIRECT),
    Access("questions:queue-settings", ALL),
    Access(
        "questions:question-detail",
        expect(anonymous=LOGIN, member=302, teacher=200, committee=200, faculty=200),
        kwargs=_pk("published"), label="published (members are sent to practise)",
    ),
    Access("questions:question-detail", NOBODY, kwargs=_pk("draft"), label="someone's draft"),
    Access("questions:question-detail", REVIEWERS, kwargs=_pk("submitted"), label="submitted"),
    Access("questions:question-detail", OWNER, kwargs=_pk("mine"), label="own draft"),
    Access("questions:question-edit", OWNER, kwargs=_pk("mine")),
    Access(
        "questions:question-transition", OWNER_POST, kwargs=_pk("mine"), method="post",
        data=lambda w: {"action": "submit"}, label="submit own draft",
    ),
    Access(
        "questions:question-transition",
        expect(anonymous=LOGIN, member=404, teacher=302, committee=404, faculty=404),
        kwargs=_pk("submitted"), method="post", data=lambda w: {"action": "approve"},
        label="approve as peer",
    ),
    Access(
        "questions:question-comment",
        expect(anonymous=LOGIN, member=404, teacher=302, committee=302, faculty=302),
        kwargs=_pk("submitted"), method="post", data=lambda w: {"body": "Check option C."},
    ),
    Access("questions:question-practise", ALL, kwargs=_pk("published")),
    Access("questions:question-practise", NOBODY, kwargs=_pk("draft"), label="draft"),
    Access(
        "questions:question-rate", ALL_REDIRECT, kwargs=_pk("published"), method="post",
        data=lambda w: {"quality": "4", "difficulty": "3"},
    ),
    Access(
        "questions:question-flag", ALL_REDIRECT, kwargs=_pk("published"), method="post",
        data=lambda w: {"reason": "Option B is also defensible."},
    ),
    Access("questions:flag-list", ALL),
    Access(
        "questions:flag-resolve",
        expect(anonymous=LOGIN, member=404, teacher=404, committee=302, faculty=404),
        kwargs=_pk("flag"), method="post", data=lambda w: {"reply": "Fixed the key."},
        label="someone else's question (the author is other_member)",
    ),
    Access(
        "questions:version-image", ALL,
        kwargs=lambda w: {"pk": w.published.published_version_id},
    ),
    Access(
        "questions:version-file", ALL,
        kwargs=lambda w: {"pk": w.published.published_version_id, "index": 0},
    ),
    Access(
        "questions:version-file", NOBODY,
        kwargs=lambda w: {"pk": w.draft.latest_version_id, "index": 0},
        label="someone else's draft",
    ),
    Access(
        "questions:version-file", NOBODY,
        kwargs=lambda w: {"pk": w.published.published_version_id, "index": 1},
        label="no such file",
    ),
    Access("questions:attempt-detail", OWNER, kwargs=_pk("attempt")),
    Access("questions:tag-list", COMMITTEE),
    Access(
        "questions:tag-list", COMMITTEE_POST, method="post",
        data=lambda w: {"kind": "system", "name": "Renal"}, label="create",
    ),
    Access(
        "questions:tag-edit", COMMITTEE,
        kwargs=lambda w: {"pk": w.published.tags.get().pk},
    ),
    Access(
        "questions:tag-edit", COMMITTEE_POST, kwargs=lambda w: {"pk": w.published.tags.get().pk},
        method="post", data=lambda w: {"action": "rename", "name": "Cardiac medicine"},
        label="rename",
    ),
    Access("questions:question-export", ALL),
    Access(
        "questions:question-export", ALL, method="post",
        data=lambda w: {"file_format": "gift", "questions": f"Q{w.published.pk}"},
        label="a published question (the file)",
    ),
    Access(
        "questions:question-export", ALL, method="post",
        data=lambda w: {"file_format": "gift", "questions": f"Q{w.draft.pk}",
                        "include_unpublished": "on"},
        label="someone else's draft (the form again, no file)",
    ),
    Access("questions:import-upload", COMMITTEE),
    Access(
        "questions:import-upload", expect(anonymous=LOGIN, member=404, teacher=404,
        committee=200, faculty=404), method="post",
        data=lambda w: {"file_format": "gift"}, label="no file (form shown again)",
    ),
    Access("questions:import-preview", COMMITTEE, kwargs=_pk("pending_import")),
    Access(
        "questions:import-confirm", COMMITTEE_POST, kwargs=_pk("pending_import"), method="post"
    ),
    Access("questions:paper-list", ALL),
    Access("questions:paper-create", COMMITTEE),
    Access("questions:paper-detail", COMMITTEE, kwargs=_pk("draft_paper")),
    Access(
        "questions:paper-status", COMMITTEE, kwargs=_pk("draft_paper"),
        data=lambda w: {"status": "open"},
    ),
    Access(
        "questions:paper-status", COMMITTEE_POST, kwargs=_pk("draft_paper"), method="post",
        data=lambda w: {"status": "open"},
    ),
    Access("questions:paper-analysis", COMMITTEE, kwargs=_pk("paper")),
    Access("questions:sitting-start", ALL_REDIRECT, kwargs=_pk("paper"), method="post"),
    Access(
        "questions:sitting-start",
        expect(anonymous=LOGIN, member=404, teacher=404, committee=302, faculty=404),
        kwargs=_pk("draft_paper"), method="post", label="paper being built (committee told no)",
    ),
    Access("questions:sitting-detail", OWNER, kwargs=_pk("open_sitting")),
    Access("questions:sitting-submit", OWNER, kwargs=_pk("open_sitting")),
    Access("questions:sitting-submit", OWNER_POST, kwargs=_pk("open_sitting"), method="post"),
    Access("questions:sitting-result", OWNER, kwargs=_pk("sat")),
    Access("questions:progress", ALL),
]  # fmt: skip
