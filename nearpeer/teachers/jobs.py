"""Teachers' background jobs (core/jobs.py): the teaching portfolio's PDF."""

from django.utils import timezone

from nearpeer.core.jobs import JobFailed, Progress, register, save_output
from nearpeer.core.models import BackgroundJob
from nearpeer.teaching.models import Session

from . import pdf, services
from .permissions import can_use_teacher_tools

PORTFOLIO_PDF = "teachers.portfolio-pdf"
PORTFOLIO_PDF_NAME = "teaching-portfolio.pdf"


def portfolio_context(teacher) -> dict:
    """What the portfolio page and its PDF show (services.portfolio and the teacher)."""
    data = services.portfolio(teacher=teacher)
    data["teacher"] = teacher
    return data


def portfolio_pdf(teacher) -> bytes:
    """The teacher's own portfolio as a PDF, whether served at once or built by a worker."""
    return pdf.portfolio_pdf(portfolio_context(teacher))


def sessions_taught(teacher) -> int:
    """How many rows the portfolio's table has (what its PDF's build time grows with)."""
    return Session.objects.scheduled().filter(teachers=teacher, ends_at__lt=timezone.now()).count()


# A portfolio is its teacher's own: no one else may watch the job or download the file (the
# committee sees a teacher's portfolio as a page, not this PDF).
@register(PORTFOLIO_PDF, can_view=lambda user, job: False)
def build_portfolio_pdf(job: BackgroundJob, progress: Progress) -> dict:
    teacher = job.started_by
    if teacher is None or not teacher.is_active or not can_use_teacher_tools(teacher):
        raise JobFailed("Only a teacher can download a teaching portfolio.")
    progress("Writing the PDF")
    save_output(
        job, name=PORTFOLIO_PDF_NAME, content_type="application/pdf", data=portfolio_pdf(teacher)
    )
    return {"summary": ["Your portfolio's PDF is ready."]}
