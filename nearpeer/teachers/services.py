"""Teachers: calls, reviews, decisions, assignments, feedback, observations, certificates, workload.

Every function is keyword-only, runs under transaction.atomic when it writes, and says its side
effects in its docstring.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from nearpeer.members.models import Role, RoleGrant, User
from nearpeer.notifications.models import Category
from nearpeer.notifications.services import notify
from nearpeer.teaching.models import (
    Attendance,
    Material,
    MaterialView,
    Session,
    SessionKind,
    SessionTeacher,
)

from . import credentials, release
from .models import (
    Application,
    Assignment,
    Call,
    Certificate,
    Channel,
    FeedbackAnswer,
    FeedbackBatch,
    FeedbackRequest,
    FeedbackTemplate,
    Observation,
    Review,
)
from .terms import parse_term
from .workload import TaughtSession, Workload, overlaps, workload

security_log = logging.getLogger("nearpeer.security")


class TeachersError(Exception):
    """A request that cannot be carried out; the message is for the person who asked."""


# --- Calls --------------------------------------------------------------------------------------


def apply_to_call(
    *,
    call: Call,
    applicant: User,
    topics: str,
    availability: str = "",
    wants_co_teacher: bool = False,
    answers: dict | None = None,
) -> Application:
    """Side effects: an Application row; the call's reviewers are notified."""
    if not call.is_open():
        raise TeachersError("This call is closed.")
    answers = answers or {}
    missing = [q for q in call.questions if not str(answers.get(q, "")).strip()]
    if missing:
        raise TeachersError(f"Please answer: {missing[0]}")
    with transaction.atomic():
        if Application.objects.filter(call=call, applicant=applicant).exists():
            raise TeachersError("You have already applied to this call.")
        application = Application.objects.create(
            call=call,
            applicant=applicant,
            topics=topics.strip(),
            availability=availability.strip(),
            wants_co_teacher=wants_co_teacher,
            answers={q: str(answers[q]).strip() for q in call.questions},
        )
        notify(
            recipients=call.reviewers.all(),
            category=Category.TEACHING,
            title=f"New application to review: {call.title}",
            url=reverse("teachers:application-list", kwargs={"pk": call.pk}),
        )
    return application


def withdraw_application(*, application: Application) -> None:
    """Side effects: the application is marked withdrawn (kept for the record)."""
    if application.status in (Application.Status.ACCEPTED, Application.Status.DECLINED):
        raise TeachersError("A decided application cannot be withdrawn; write to the committee.")
    application.status = Application.Status.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])


def save_review(
    *, application: Application, reviewer: User, scores: dict[str, int], comment: str = ""
) -> Review:
    """Side effects: the reviewer's Review row is created or replaced."""
    categories = application.call.categories
    unknown = set(scores) - set(categories)
    if unknown:
        raise TeachersError(f"Unknown category: {sorted(unknown)[0]}")
    for category in categories:
        value = scores.get(category)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise TeachersError(f"{category}: give a score from 1 to 5.")
    with transaction.atomic():
        review, _ = Review.objects.update_or_create(
            application=application,
            reviewer=reviewer,
            defaults={"scores": scores, "comment": comment.strip()},
        )
    return review


DECISIONS = {
    "accept": Application.Status.ACCEPTED,
    "decline": Application.Status.DECLINED,
    "interview": Application.Status.INTERVIEW,
}


def decide_applications(
    *, call: Call, application_ids: Iterable[int], decision: str, message: str, by: User
) -> int:
    """Apply one decision (accept / decline / interview) or only send a message ("message") to
    many applications at once.

    Side effects: statuses and decision messages updated; accepted applicants get the
    student-teacher role; each applicant is notified with the message. Returns the number
    changed. All or nothing: an id outside the call fails the whole request."""
    ids = sorted({int(i) for i in application_ids})
    if not ids:
        raise TeachersError("Select at least one application.")
    if decision not in (*DECISIONS, "message"):
        raise TeachersError(f"Unknown decision {decision!r}.")
    if decision == "interview" and not call.interview_step:
        raise TeachersError(
            "This call has no interview step (switch it on in the call's settings)."
        )
    if decision == "message" and not message.strip():
        raise TeachersError("Message: write the message to send.")
    with transaction.atomic():
        applications = list(
            Application.objects.select_for_update()
            .filter(call=call, pk__in=ids)
            .exclude(status=Application.Status.WITHDRAWN)
            .select_related("applicant")
        )
        if len(applications) != len(ids):
            raise TeachersError("Some selected applications are not open in this call.")
        if decision in DECISIONS:
            status = DECISIONS[decision]
            for application in applications:
                application.status = status
                application.decision_message = message.strip()
                application.save(update_fields=["status", "decision_message", "updated_at"])
            if status == Application.Status.ACCEPTED:
                have = set(
                    RoleGrant.objects.filter(
                        role=Role.STUDENT_TEACHER, user__in=[a.applicant for a in applications]
                    ).values_list("user_id", flat=True)
                )
                RoleGrant.objects.bulk_create(
                    [
                        RoleGrant(user=a.applicant, role=Role.STUDENT_TEACHER)
                        for a in applications
                        if a.applicant_id not in have
                    ]
                )
        titles = {
            "accept": f"Accepted: {call.title}",
            "decline": f"Decision on your application: {call.title}",
            "interview": f"Interview invitation: {call.title}",
            "message": f"Message about your application: {call.title}",
        }
        for application in applications:
            notify(
                recipients=[application.applicant],
                category=Category.TEACHING,
                title=titles[decision],
                body=message.strip(),
                url=application.get_absolute_url(),
            )
    security_log.info(
        "call %s: %s applied to %d applications by user %s", call.pk, decision, len(ids), by.pk
    )
    return len(applications)


def has_training(user: User) -> bool:
    """Attended a teacher-training workshop."""
    return Attendance.objects.filter(member=user, session__kind=SessionKind.WORKSHOP).exists()


def assign_to_session(*, application: Application, session: Session, by: User) -> Assignment:
    """Side effects: an Assignment and a teaching.SessionTeacher row; the teacher is notified."""
    if application.status != Application.Status.ACCEPTED:
        raise TeachersError("Only accepted applicants can be assigned to sessions.")
    if application.call.training_required and not has_training(application.applicant):
        raise TeachersError(
            f"{application.applicant.name or application.applicant.email} has not yet attended "
            "a teacher-training workshop, which this call requires."
        )
    with transaction.atomic():
        assignment, _ = Assignment.objects.get_or_create(application=application, session=session)
        SessionTeacher.objects.get_or_create(
            session=session, teacher=application.applicant, defaults={"role": "lead"}
        )
        notify(
            recipients=[application.applicant],
            category=Category.TEACHING,
            title=f"You are teaching: {session.title}",
            url=reverse("teaching:teacher-home"),
        )
        start, end, term = term_range(timezone.localdate(session.starts_at))
        load = workload_for(teacher=application.applicant, start=start, end=end)
        if load.over_cap:
            notify(
                recipients=[application.applicant],
                category=Category.TEACHING,
                title=f"Your teaching in the {term} is past {load.cap:g} hours",
                body="It is fine to say no to more; tell the committee if you want to hand "
                "something over.",
                url=reverse("teachers:workload-mine"),
            )
    assignment.over_cap = load.over_cap
    return assignment


def review_summary(applications: list[Application], categories: list[str]) -> None:
    """Annotate each application (with prefetched reviews) with `mean_scores` per category and
    `review_count`."""
    for application in applications:
        reviews = list(application.reviews.all())
        application.review_count = len(reviews)
        application.mean_scores = [
            round(sum(r.scores.get(c, 0) for r in reviews) / len(reviews), 1) if reviews else None
            for c in categories
        ]
        application.score_cells = list(zip(categories, application.mean_scores, strict=True))


# --- Feedback -----------------------------------------------------------------------------------

DEFAULT_QUESTIONS = [
    {"key": "overall", "label": "Overall, how useful was this session?", "type": "rating"},
    {"key": "clarity", "label": "How clear was the teaching?", "type": "rating"},
    {"key": "pace", "label": "How suitable was the pace?", "type": "rating"},
    {"key": "good", "label": "What worked well?", "type": "text"},
    {"key": "better", "label": "What could be better?", "type": "text"},
]
MAX_TEXT = 2000


def template_for(kind: str) -> FeedbackTemplate:
    """The template for a session kind; a default one until the committee edits it."""
    template = FeedbackTemplate.objects.filter(kind=kind).first()
    return template or FeedbackTemplate(kind=kind, questions=DEFAULT_QUESTIONS)


def save_template(*, kind: str, questions: list[dict]) -> FeedbackTemplate:
    """Side effects: the kind's FeedbackTemplate is created or replaced."""
    if not any(q["type"] == "rating" for q in questions):
        raise TeachersError("Questions: include at least one rating question.")
    with transaction.atomic():
        template, _ = FeedbackTemplate.objects.update_or_create(
            kind=kind, defaults={"questions": questions}
        )
    return template


def feedback_channel(*, session: Session, user: User, now=None) -> str | None:
    """Live for attendees, recording for members who opened a recording and did not attend;
    None when the member may not give feedback (teachers of the session, window closed)."""
    now = now or timezone.now()
    if session.ends_at > now or session.is_cancelled:
        return None
    if SessionTeacher.objects.filter(session=session, teacher=user).exists():
        return None
    request = FeedbackRequest.objects.filter(session=session).first()
    if request and request.closed_at:
        return None
    if Attendance.objects.filter(session=session, member=user).exists():
        if now > session.ends_at + timedelta(days=settings.NEARPEER_FEEDBACK_LIVE_DAYS):
            return None
        return Channel.LIVE
    if now > session.ends_at + timedelta(days=settings.NEARPEER_FEEDBACK_RECORDING_DAYS):
        return None
    if MaterialView.objects.filter(
        material__session=session, material__kind=Material.Kind.RECORDING, member=user
    ).exists():
        return Channel.RECORDING
    return None


def feedback_to_give(*, user: User, now=None, limit: int = 30) -> list[tuple[Session, str, bool]]:
    """(session, channel, already answered) for past sessions the member attended or whose
    recording they opened, still open for feedback. Two queries whatever the number."""
    from . import feedback_store

    now = now or timezone.now()
    attended = Attendance.objects.filter(session=OuterRef("pk"), member=user)
    watched = MaterialView.objects.filter(
        material__session=OuterRef("pk"), material__kind=Material.Kind.RECORDING, member=user
    )
    closed = FeedbackRequest.objects.filter(session=OuterRef("pk"), closed_at__isnull=False)
    live_since = now - timedelta(days=settings.NEARPEER_FEEDBACK_LIVE_DAYS)
    recording_since = now - timedelta(days=settings.NEARPEER_FEEDBACK_RECORDING_DAYS)
    sessions = list(
        Session.objects.scheduled()
        .filter(ends_at__lt=now)
        .annotate(attended=Exists(attended), watched=Exists(watched))
        .filter(
            Q(attended=True, ends_at__gte=live_since)
            | Q(attended=False, watched=True, ends_at__gte=recording_since)
        )
        .exclude(Exists(closed))
        .exclude(teachers=user)
        .order_by("-starts_at")[:limit]
    )
    channels = {s.pk: Channel.LIVE if s.attended else Channel.RECORDING for s in sessions}
    scopes = {s.pk: feedback_store.scope_for(s.pk, channels[s.pk]) for s in sessions}
    done = feedback_store.answered_scopes(scopes=scopes.values(), user=user)
    return [(s, channels[s.pk], scopes[s.pk] in done) for s in sessions]


def submit_feedback(*, session: Session, user: User, values: dict[str, object]) -> str:
    """Hand the answer to the anonymous-answer store. Returns the channel.

    Side effects: the store's marker row and pending answer (flushed to FeedbackAnswer rows in
    groups, in shuffled order, by feedback_store.write_batch)."""
    from . import feedback_store

    channel = feedback_channel(session=session, user=user)
    if channel is None:
        raise TeachersError("Feedback for this session is not open to you.")
    questions = template_for(session.kind).questions
    answers = []
    for q in questions:
        raw = values.get(q["key"])
        if q["type"] == "rating":
            try:
                value = int(raw) if raw not in (None, "") else None
            except (TypeError, ValueError):
                raise TeachersError(f"{q['label']}: choose 1 to 5.") from None
            if value is not None and not 1 <= value <= 5:
                raise TeachersError(f"{q['label']}: choose 1 to 5.")
        else:
            value = str(raw or "").strip()
            if len(value) > MAX_TEXT:
                raise TeachersError(f"{q['label']}: at most {MAX_TEXT} characters.")
        answers.append({"key": q["key"], "label": q["label"], "type": q["type"], "value": value})
    if all(a["value"] in (None, "") for a in answers):
        raise TeachersError("Answer at least one question.")
    try:
        feedback_store.submit(session_id=session.pk, channel=channel, user=user, answers=answers)
    except feedback_store.AlreadyAnswered:
        raise TeachersError("You have already given feedback on this session.") from None
    return channel


def request_due_feedback(*, now=None) -> int:
    """Ask attendees of sessions that ended in the last two days and were not asked yet
    (run by `nearpeer teachers request-feedback`, e.g. hourly). Returns sessions asked."""
    now = now or timezone.now()
    due = (
        Session.objects.scheduled()
        .filter(ends_at__lt=now, ends_at__gte=now - timedelta(days=2))
        .exclude(
            Exists(
                FeedbackRequest.objects.filter(session=OuterRef("pk"), requested_at__isnull=False)
            )
        )
    )
    count = 0
    for session in due.iterator():
        request_feedback(session=session)
        count += 1
    return count


def request_feedback(*, session: Session) -> int:
    """Ask the session's attendees for feedback (once).

    Side effects: FeedbackRequest.requested_at set; a notification to each attendee."""
    with transaction.atomic():
        request, _ = FeedbackRequest.objects.select_for_update().get_or_create(session=session)
        if request.requested_at:
            return 0
        request.requested_at = timezone.now()
        request.save(update_fields=["requested_at"])
        attendees = User.objects.filter(attendances__session=session)
        return notify(
            recipients=attendees,
            category=Category.SURVEYS,
            title=f"How was “{session.title}”? Two minutes of anonymous feedback",
            url=reverse("teachers:feedback-form", kwargs={"pk": session.pk}),
        )


def ask_recording_viewer(*, material: Material, member: User) -> None:
    """Called the first time a member opens a session's recording.

    Side effects: one notification inviting feedback, unless the member attended or teaches."""
    session = material.session
    if material.kind != Material.Kind.RECORDING or session.ends_at > timezone.now():
        return
    if feedback_channel(session=session, user=member) != Channel.RECORDING:
        return
    notify(
        recipients=[member],
        category=Category.SURVEYS,
        title=f"Watched “{session.title}”? Tell the teacher how it was, anonymously",
        url=reverse("teachers:feedback-form", kwargs={"pk": session.pk}),
    )


def close_feedback(*, session: Session) -> int:
    """Side effects: the session's feedback closes; the store flushes what is pending."""
    from . import feedback_store

    with transaction.atomic():
        request, _ = FeedbackRequest.objects.select_for_update().get_or_create(session=session)
        if request.closed_at:
            return 0
        request.closed_at = timezone.now()
        request.save(update_fields=["closed_at"])
        return feedback_store.close(session_id=session.pk)


def close_due_feedback(*, now=None) -> int:
    """Close feedback on sessions whose recording window has passed. Returns sessions closed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.NEARPEER_FEEDBACK_RECORDING_DAYS)
    due = Session.objects.filter(ends_at__lt=cutoff).exclude(
        Exists(FeedbackRequest.objects.filter(session=OuterRef("pk"), closed_at__isnull=False))
    )
    count = 0
    for session in due.iterator():
        close_feedback(session=session)
        count += 1
    return count


def threshold() -> int:
    return release.effective_threshold(settings.NEARPEER_FEEDBACK_MIN_ANSWERS)


@dataclass
class RatingSummary:
    label: str
    count: int = 0
    total: int = 0

    @property
    def mean(self) -> float | None:
        return round(self.total / self.count, 2) if self.count else None


@dataclass
class ChannelReport:
    channel: str
    answers: int = 0
    ratings: dict[str, RatingSummary] = field(default_factory=dict)
    comments: list[tuple[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return Channel(self.channel).label

    def add(self, other: "ChannelReport") -> None:
        self.answers += other.answers
        for key, summary in other.ratings.items():
            mine = self.ratings.setdefault(key, RatingSummary(summary.label))
            mine.count += summary.count
            mine.total += summary.total
        self.comments.extend(other.comments)


@dataclass
class FeedbackReport:
    """What may be shown: only released answers (see release.py). `withheld` is True while some
    answers exist that are not yet shown; their number is not given (it would be a difference)."""

    channels: dict[str, ChannelReport]
    threshold: int
    withheld: bool = False

    @classmethod
    def empty(cls) -> "FeedbackReport":
        return cls({c: ChannelReport(c) for c in Channel.values}, threshold())

    @property
    def total(self) -> int:
        return sum(c.answers for c in self.channels.values())

    @property
    def live(self) -> ChannelReport:
        return self.channels[Channel.LIVE]

    @property
    def recording(self) -> ChannelReport:
        return self.channels[Channel.RECORDING]

    @property
    def rating_rows(self) -> list[tuple[str, RatingSummary | None, RatingSummary | None]]:
        labels: dict[str, str] = {}
        for c in self.channels.values():
            for key, summary in c.ratings.items():
                labels.setdefault(key, summary.label)
        return [
            (labels[k], self.live.ratings.get(k), self.recording.ratings.get(k)) for k in labels
        ]

    def add(self, other: "FeedbackReport") -> None:
        for channel, part in other.channels.items():
            self.channels[channel].add(part)
        self.withheld = self.withheld or other.withheld


def merge_reports(reports: Iterable[FeedbackReport]) -> FeedbackReport:
    """One report over many sessions: sums of the sessions' released groups, nothing else."""
    merged = FeedbackReport.empty()
    for report in reports:
        merged.add(report)
    return merged


def released_batches(session_ids: Iterable[int]) -> tuple[list[FeedbackBatch], set[int]]:
    """The batches that may be shown for these sessions, and the sessions with some held back.
    One query."""
    batches = FeedbackBatch.objects.filter(session_id__in=list(session_ids)).order_by(
        "session_id", "channel", "sequence"
    )
    groups: dict[tuple[int, str], list[FeedbackBatch]] = defaultdict(list)
    for batch in batches:
        groups[(batch.session_id, batch.channel)].append(batch)
    limit = threshold()
    shown, withheld = [], set()
    for (session_id, _), group in groups.items():
        n = release.released_count([b.size for b in group], limit)
        shown.extend(group[:n])
        if n < len(group):
            withheld.add(session_id)
    return shown, withheld


def session_reports(
    session_ids: Iterable[int], *, with_comments: bool = False
) -> dict[int, FeedbackReport]:
    """Per session, ratings (sum and count per question) and comments of the released answers,
    per channel. Two queries whatever the number of sessions. Each channel of each session
    holds nothing or at least `threshold` answers, so these reports, their sums over sessions
    or teachers and the live/recording split cannot be subtracted from one another to isolate
    fewer answers than the threshold."""
    session_ids = list(session_ids)
    batches, withheld = released_batches(session_ids)
    reports = {s: FeedbackReport.empty() for s in session_ids}
    for s in withheld:
        reports[s].withheld = True
    batch_of = {b.pk: b for b in batches}
    # Random primary keys: ordering by them is an order that says nothing about who or when.
    for answer in FeedbackAnswer.objects.filter(batch_id__in=list(batch_of)).order_by("pk"):
        batch = batch_of[answer.batch_id]
        part = reports[batch.session_id].channels[batch.channel]
        part.answers += 1
        for item in answer.answers:
            if item["type"] == "rating" and item["value"] is not None:
                summary = part.ratings.setdefault(item["key"], RatingSummary(item["label"]))
                summary.count += 1
                summary.total += item["value"]
            elif item["type"] == "text" and item["value"] and with_comments:
                part.comments.append((item["label"], item["value"]))
    return reports


def feedback_report(session_ids: Iterable[int], *, with_comments: bool = True) -> FeedbackReport:
    """The released feedback over these sessions, as one report; says whether answers are still
    pending in the store (two more queries per session: use it for one session or a few)."""
    session_ids = list(session_ids)
    report = merge_reports(session_reports(session_ids, with_comments=with_comments).values())
    if not report.withheld:
        report.withheld = _has_pending(session_ids)
    return report


def _has_pending(session_ids: list[int]) -> bool:
    from . import feedback_store

    return any(feedback_store.pending_count(session_id=s) for s in session_ids)


def teacher_overview(
    *, teacher: User
) -> tuple[list[tuple[Session, FeedbackReport]], FeedbackReport]:
    """Per past session the teacher taught, the released feedback (no comments), and the sum
    over them. Three queries."""
    sessions = list(
        Session.objects.filter(teachers=teacher, ends_at__lt=timezone.now())
        .scheduled()
        .order_by("-starts_at")
    )
    reports = session_reports([s.pk for s in sessions])
    return [(s, reports[s.pk]) for s in sessions], merge_reports(reports.values())


def teachers_overview() -> list[tuple[User, FeedbackReport]]:
    """For the committee: each teacher's released feedback over their past sessions. Three
    queries whatever the number of teachers."""
    links = list(
        SessionTeacher.objects.filter(
            session__ends_at__lt=timezone.now(), session__status=Session.Status.SCHEDULED
        )
        .select_related("teacher")
        .order_by("teacher__name", "teacher_id")
    )
    reports = session_reports({link.session_id for link in links})
    per_teacher: dict[int, tuple[User, list[FeedbackReport]]] = {}
    for link in links:
        per_teacher.setdefault(link.teacher_id, (link.teacher, []))[1].append(
            reports[link.session_id]
        )
    return [(teacher, merge_reports(parts)) for teacher, parts in per_teacher.values()]


# --- Peer observation ---------------------------------------------------------------------------


def invite_observer(*, session: Session, teacher: User, observer: User) -> Observation:
    """Side effects: an Observation invitation; the observer is notified."""
    if observer.pk == teacher.pk:
        raise TeachersError("Observer: choose another teacher.")
    with transaction.atomic():
        observation, created = Observation.objects.get_or_create(
            session=session, teacher=teacher, observer=observer
        )
        if created:
            notify(
                recipients=[observer],
                category=Category.TEACHING,
                title=f"{teacher.get_short_name()} invites you to observe “{session.title}”",
                url=reverse("teachers:observation-edit", kwargs={"pk": observation.pk}),
            )
    return observation


def submit_observation(
    *, observation: Observation, strengths: str, suggestions: str, overall: int
) -> Observation:
    """Side effects: the observer's report is saved; the teacher is notified."""
    with transaction.atomic():
        observation.strengths = strengths.strip()
        observation.suggestions = suggestions.strip()
        observation.overall = overall
        observation.status = Observation.Status.SUBMITTED
        observation.submitted_at = timezone.now()
        observation.save(
            update_fields=["strengths", "suggestions", "overall", "status", "submitted_at"]
        )
        notify(
            recipients=[observation.teacher],
            category=Category.TEACHING,
            title=f"Observation report on “{observation.session.title}”",
            url=reverse("teachers:portfolio"),
        )
    return observation


# --- Workload -----------------------------------------------------------------------------------


def term_range(today=None) -> tuple[datetime, datetime, str]:
    from nearpeer.teaching.terms import term_bounds

    start, end, name = term_bounds(today or timezone.localdate())
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, datetime.min.time(), tz),
        datetime.combine(end, datetime.min.time(), tz),
        name,
    )


def _taught(qs) -> list[TaughtSession]:
    return [TaughtSession(s.kind, s.starts_at, s.ends_at) for s in qs]


def workload_for(*, teacher: User, start: datetime, end: datetime) -> Workload:
    sessions = Session.objects.scheduled().filter(
        teachers=teacher, starts_at__gte=start, starts_at__lt=end
    )
    return workload(
        _taught(sessions),
        prep_hours=settings.NEARPEER_PREP_HOURS,
        cap=settings.NEARPEER_TEACHER_TERM_HOURS_CAP,
    )


@dataclass
class TeacherLoad:
    teacher: User
    load: Workload
    clash: bool = False


def committee_workload(*, start: datetime, end: datetime, session: Session | None = None):
    """Every student-teacher's term workload; with `session`, whether they teach something at
    the same time. Sorted: free and under the cap first, then by hours. Two queries."""
    teachers = list(
        User.objects.filter(role_grants__role=Role.STUDENT_TEACHER, is_active=True)
        .distinct()
        .order_by("name", "pk")
    )
    rows = (
        SessionTeacher.objects.filter(
            teacher__in=teachers, session__status=Session.Status.SCHEDULED
        )
        .filter(
            Q(session__starts_at__gte=start, session__starts_at__lt=end)
            | (
                Q(session__starts_at__lt=session.ends_at, session__ends_at__gt=session.starts_at)
                if session
                else Q(pk__in=[])
            )
        )
        .select_related("session")
    )
    per_teacher: dict[int, list[Session]] = defaultdict(list)
    for row in rows:
        per_teacher[row.teacher_id].append(row.session)
    out = []
    for t in teachers:
        taught = per_teacher[t.pk]
        in_term = [s for s in taught if start <= s.starts_at < end]
        load = workload(
            _taught(in_term),
            prep_hours=settings.NEARPEER_PREP_HOURS,
            cap=settings.NEARPEER_TEACHER_TERM_HOURS_CAP,
        )
        clash = bool(session) and any(
            s.pk != session.pk
            and overlaps(s.starts_at, s.ends_at, session.starts_at, session.ends_at)
            for s in taught
        )
        out.append(TeacherLoad(t, load, clash))
    out.sort(key=lambda r: (r.clash, r.load.over_cap, r.load.total_hours))
    return out


# --- Portfolio ----------------------------------------------------------------------------------


@dataclass
class PortfolioRow:
    session: Session
    hours: float
    attended: int
    recording_viewers: int


def portfolio(*, teacher: User):
    """The teacher's record: past sessions taught with hours and audience, the released
    feedback over all of them, observer reports and training attended."""
    sessions = list(
        Session.objects.scheduled()
        .filter(teachers=teacher, ends_at__lt=timezone.now())
        .with_attendance_count()
        .annotate(
            viewers=Count(
                "materials__views__member",
                filter=Q(materials__kind=Material.Kind.RECORDING),
                distinct=True,
            )
        )
        .order_by("starts_at")
    )
    rows = [
        PortfolioRow(
            s,
            round((s.ends_at - s.starts_at).total_seconds() / 3600, 1),
            s.attended_count,
            s.viewers,
        )
        for s in sessions
    ]
    observations = list(
        Observation.objects.filter(teacher=teacher, status=Observation.Status.SUBMITTED)
        .select_related("session", "observer")
        .order_by("session__starts_at")
    )
    training = list(
        Session.objects.filter(kind=SessionKind.WORKSHOP, attendances__member=teacher).order_by(
            "starts_at"
        )
    )
    return {
        "rows": rows,
        "hours": round(sum(r.hours for r in rows), 1),
        "feedback": merge_reports(session_reports([s.pk for s in sessions]).values()),
        "observations": observations,
        "training": training,
    }


# --- Certificates -------------------------------------------------------------------------------


def _hours(sessions: list[Session]) -> float:
    return round(sum((s.ends_at - s.starts_at).total_seconds() for s in sessions) / 3600, 1)


def issue_term_certificate(*, holder: User, term: str) -> Certificate:
    """Side effects: a signed Certificate for the holder's teaching in the term."""
    start_d, end_d, term_name = parse_term(term)
    tz = timezone.get_current_timezone()
    start = datetime.combine(start_d, datetime.min.time(), tz)
    end = datetime.combine(end_d, datetime.min.time(), tz)
    sessions = list(
        Session.objects.scheduled()
        .filter(teachers=holder, starts_at__gte=start, starts_at__lt=end)
        .filter(ends_at__lt=timezone.now())
        .order_by("starts_at")
    )
    if not sessions:
        raise TeachersError(f"{holder.email} taught no session in the {term_name} (so far).")
    kinds = sorted({s.get_kind_display().lower() for s in sessions})
    return _issue(
        holder=holder,
        scope=Certificate.Scope.TERM,
        term_name=term_name,
        session=None,
        name=f"Near-peer teacher, {term_name}",
        description=(
            f"Taught near-peer sessions for {settings.NEARPEER_SOCIETY_NAME} in the {term_name}."
        ),
        narrative=(
            f"Taught {len(sessions)} session{'s' if len(sessions) != 1 else ''} "
            f"({_hours(sessions)} hours of teaching: {', '.join(kinds)}) between "
            f"{sessions[0].starts_at:%d %B %Y} and {sessions[-1].starts_at:%d %B %Y}, "
            "as recorded in the society's timetable."
        ),
        activity=(sessions[0].starts_at, sessions[-1].ends_at),
    )


def issue_session_certificate(*, holder: User, session: Session) -> Certificate:
    """Side effects: a signed Certificate for teaching one past session."""
    if session.ends_at > timezone.now() or session.is_cancelled:
        raise TeachersError("A certificate is issued once the session has taken place.")
    if not SessionTeacher.objects.filter(session=session, teacher=holder).exists():
        raise TeachersError(f"{holder.email} did not teach this session.")
    return _issue(
        holder=holder,
        scope=Certificate.Scope.SESSION,
        term_name="",
        session=session,
        name=f"Near-peer teacher: {session.title}",
        description=f"Taught a session for {settings.NEARPEER_SOCIETY_NAME}.",
        narrative=(
            f"Taught “{session.title}” ({session.get_kind_display().lower()}, "
            f"{_hours([session])} hours) on {session.starts_at:%d %B %Y}."
        ),
        activity=(session.starts_at, session.ends_at),
    )


def _issue(*, holder, scope, term_name, session, name, description, narrative, activity):
    now = timezone.now()
    with transaction.atomic():
        certificate = Certificate(
            holder=holder,
            scope=scope,
            term_name=term_name,
            session=session,
            name=name,
            description=description,
            narrative=narrative,
            issued_at=now,
        )
        payload = credentials.build_credential(
            code=certificate.code,
            holder_name=holder.name or holder.email,
            holder_email=holder.email,
            name=name,
            description=description,
            narrative=narrative,
            valid_from=now,
            activity_start=activity[0],
            activity_end=activity[1],
            term=term_name,
        )
        certificate.token, certificate.kid = credentials.sign(payload)
        certificate.save()
    return certificate


def revoke_certificate(*, certificate: Certificate, reason: str, by: User) -> None:
    """Side effects: revoked_at and reason set (the verify page and status.json say so)."""
    if certificate.is_revoked:
        return
    certificate.revoked_at = timezone.now()
    certificate.revocation_reason = reason.strip()[:200] or "Revoked by the issuer"
    certificate.save(update_fields=["revoked_at", "revocation_reason"])
    security_log.info("certificate %s revoked by user %s", certificate.pk, by.pk)


def status_document(certificate: Certificate) -> dict:
    """The 1EdTech revocation list for this one credential: empty unless it is revoked."""
    cid = credentials.credential_url(certificate.code)
    revoked = []
    if certificate.is_revoked:
        revoked.append({"id": cid, "revocationReason": certificate.revocation_reason or "Revoked"})
    return {
        "id": f"{cid}status.json",
        "issuer": credentials.issuer_id(),
        "revokedCredentials": revoked,
        "checkedAt": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }
