from nearpeer.core.tests.access import LOGIN, Access, expect

CASES = [
    Access(
        "core:healthz", expect(anonymous=200, member=200, teacher=200, committee=200, faculty=200)
    ),
    Access("core:help", expect(anonymous=200, member=200, teacher=200, committee=200, faculty=200)),
    Access(
        "core:favicon", expect(anonymous=301, member=301, teacher=301, committee=301, faculty=301)
    ),
    Access(
        "core:apple-touch-icon",
        expect(anonymous=301, member=301, teacher=301, committee=301, faculty=301),
    ),
    Access(
        "core:apple-touch-icon-precomposed",
        expect(anonymous=301, member=301, teacher=301, committee=301, faculty=301),
    ),
]

OWN_JOB = expect(anonymous=LOGIN, member=404, teacher=404, committee=200, faculty=404)

CASES += [
    Access("core:job-detail", OWN_JOB, kwargs=lambda w: {"pk": w.job.pk}),
    Access("core:job-output", OWN_JOB, kwargs=lambda w: {"pk": w.job.pk}),
]


def arrange(world):
    from django.core.files.base import ContentFile

    from nearpeer.core.models import BackgroundJob

    # A finished roster import (committee members may watch it) that left a file to download.
    world.job = BackgroundJob(
        kind="members.roster-import",
        key="roster:x",
        title="Roster import",
        started_by=world.committee,
        status=BackgroundJob.Status.DONE,
        output_name="report.csv",
        output_type="text/csv",
    )
    world.job.output.save("report.csv", ContentFile(b"a,b\n"), save=False)
    world.job.save()
