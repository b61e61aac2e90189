"""Demo data for teachers: an open call with applications and reviews, feedback on the demo
teacher's past sessions (through the anonymous-answer store), and a term certificate."""

from datetime import timedelta

from django.utils import timezone

from nearpeer.members.models import Role, User
from nearpeer.teaching.models import Attendance, Material, MaterialView, Session

from . import services
from .models import Application, Call

DOMAIN = "demo.nearpeer.org"


def seed(*, rng, stdout) -> None:
    if Call.objects.exists():
        return
    boss = User.objects.filter(email=f"committee@{DOMAIN}").first()
    demo_teacher = User.objects.filter(email=f"teacher@{DOMAIN}").first()
    if not (boss and demo_teacher):
        return
    call = Call.objects.create(
        title="Year 1 anatomy lectures, next term",
        kind=Call.Kind.LECTURES,
        description="Eight evening lectures for year 1. First-time teachers are welcome: "
        "say if you would like to teach with an experienced co-teacher.",
        questions=["Which topic would you most like to teach, and why?"],
        closes_at=timezone.now() + timedelta(days=21),
        created_by=boss,
    )
    reviewers = list(User.objects.filter(role_grants__role=Role.STUDENT_TEACHER)[:2])
    call.reviewers.set([demo_teacher, *reviewers])
    applicants = list(
        User.objects.filter(year=3, is_active=True, email__endswith=f"@{DOMAIN}").order_by("pk")[:4]
    )
    topics = ["Upper limb", "Thorax", "Abdomen", "Neuroanatomy"]
    for person, topic in zip(applicants, topics, strict=False):
        application = Application.objects.create(
            call=call,
            applicant=person,
            topics=topic,
            availability="Weekday evenings",
            wants_co_teacher=rng.random() < 0.5,
            answers={call.questions[0]: f"{topic}: I found it hard and now enjoy explaining it."},
        )
        for reviewer in reviewers:
            services.save_review(
                application=application,
                reviewer=reviewer,
                scores={c: rng.randint(3, 5) for c in call.categories},
            )
    answered = 0
    past = Session.objects.filter(teachers=demo_teacher, ends_at__lt=timezone.now()).scheduled()
    for session in past.order_by("-starts_at")[:4]:
        attendees = User.objects.filter(
            pk__in=Attendance.objects.filter(session=session).values("member")
        )[:12]
        viewers = User.objects.filter(
            pk__in=MaterialView.objects.filter(
                material__session=session, material__kind=Material.Kind.RECORDING
            ).values("member")
        ).exclude(pk__in=Attendance.objects.filter(session=session).values("member"))[:6]
        for person in [*attendees, *viewers]:
            if services.feedback_channel(session=session, user=person) is None:
                continue
            services.submit_feedback(
                session=session,
                user=person,
                values={
                    "overall": rng.choice([3, 4, 4, 5, 5]),
                    "clarity": rng.choice([3, 4, 5]),
                    "pace": rng.choice([2, 3, 4, 4, 5]),
                    "good": rng.choice(["", "", "Clear diagrams", "Good practice questions"]),
                },
            )
            answered += 1
    certificates = 0
    if past.exists():
        _, _, term = services.term_range()
        try:
            services.issue_term_certificate(holder=demo_teacher, term=term)
            certificates = 1
        except services.TeachersError:
            pass
    stdout.write(
        f"teachers: 1 call, {len(applicants)} applications, {answered} feedback answers, "
        f"{certificates} certificate"
    )
