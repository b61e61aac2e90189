"""Tutorial programmes and mentoring: sign-ups, allocation runs, hand moves, publishing."""

import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from nearpeer.notifications.models import Category
from nearpeer.notifications.services import notify
from nearpeer.teaching.models import (
    Registration,
    Series,
    Session,
    SessionKind,
    SessionMode,
    SessionTeacher,
)

from . import allocation
from .models import (
    AllocationRun,
    Availability,
    MentoringEntry,
    MentoringScheme,
    MentorMatch,
    Programme,
    SignUp,
    Slot,
    TutorialGroup,
)

logger = logging.getLogger(__name__)

REASONS = {
    "no_availability": "marked no slot",
    "no_common_slot": "no slot in common with any tutor",
    "capacity": "no room: groups at their slots are full or short of tutors",
}


class RuleBroken(Exception):
    """A hand move or publish would break an allocation rule; `errors` says which."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@transaction.atomic
def create_programme(*, by, slots: Iterable[tuple[int, object, int]], **fields) -> Programme:
    """Open a programme with its weekly candidate slots (weekday, start time, minutes).

    Side effects: a Programme and its Slot rows."""
    programme = Programme.objects.create(created_by=by, **fields)
    Slot.objects.bulk_create(
        Slot(programme=programme, weekday=d, start_time=t, duration_minutes=m) for d, t, m in slots
    )
    return programme


def previous_answers(*, programme: Programme, member) -> dict[int, str]:
    """The member's answers from their latest other programme, carried over by weekday and time
    (so a tutor does not re-enter the same week twice)."""
    earlier = (
        SignUp.objects.filter(member=member)
        .exclude(programme=programme)
        .order_by("-updated_at")
        .first()
    )
    if earlier is None:
        return {}
    by_time = {
        (a.slot.weekday, a.slot.start_time): a.answer
        for a in earlier.availability.select_related("slot")
    }
    return {
        slot.pk: by_time[(slot.weekday, slot.start_time)]
        for slot in programme.slots.all()
        if (slot.weekday, slot.start_time) in by_time
    }


@transaction.atomic
def save_signup(
    *,
    programme: Programme,
    member,
    role: str,
    answers: dict[int, str],
    friends: Iterable[SignUp] = (),
    max_groups: int = 1,
    wants_co_tutor: bool = False,
) -> SignUp:
    """Create or update a member's sign-up and availability.

    Side effects: SignUp row (update_or_create), its Availability rows replaced, friends set."""
    signup, _ = SignUp.objects.update_or_create(
        programme=programme,
        member=member,
        defaults={"role": role, "max_groups": max_groups, "wants_co_tutor": wants_co_tutor},
    )
    signup.availability.all().delete()
    Availability.objects.bulk_create(
        Availability(signup=signup, slot_id=slot_id, answer=answer)
        for slot_id, answer in answers.items()
    )
    signup.friends.set([f for f in friends if f.pk != signup.pk] if role == "tutee" else [])
    return signup


def build_problem(
    *, programme: Programme, time_limit_s: float = 10.0, pinned: Iterable[TutorialGroup] = ()
) -> allocation.Problem:
    """The programme as the solver's input; ids are sign-up and slot primary keys."""
    answers: dict[int, dict[str, set]] = defaultdict(lambda: {"yes": set(), "if_need_be": set()})
    for signup_id, slot_id, answer in Availability.objects.filter(
        signup__programme=programme
    ).values_list("signup_id", "slot_id", "answer"):
        if answer in ("yes", "if_need_be"):
            answers[signup_id][answer].add(slot_id)
    friends: dict[int, list[int]] = defaultdict(list)
    for from_id, to_id in SignUp.friends.through.objects.filter(
        from_signup__programme=programme
    ).values_list("from_signup_id", "to_signup_id"):
        friends[from_id].append(to_id)
    tutors, tutees = [], []
    for s in programme.signups.order_by("pk"):
        yes, maybe = frozenset(answers[s.pk]["yes"]), frozenset(answers[s.pk]["if_need_be"])
        if s.role == SignUp.Role.TUTOR:
            tutors.append(allocation.Tutor(s.pk, yes, maybe, s.max_groups, s.wants_co_tutor))
        else:
            tutees.append(allocation.Tutee(s.pk, yes, maybe, ()))
    tutee_ids = {t.id for t in tutees}
    tutees = [
        allocation.Tutee(
            t.id, t.available, t.if_need_be, tuple(f for f in friends[t.id] if f in tutee_ids)
        )
        for t in tutees
    ]
    return allocation.Problem(
        slots=tuple(programme.slots.values_list("pk", flat=True)),
        tutors=tuple(tutors),
        tutees=tuple(tutees),
        group_min=programme.group_min,
        group_max=programme.group_max,
        tutors_min=programme.tutors_min,
        tutors_max=programme.tutors_max,
        time_limit_s=time_limit_s,
        pinned=tuple(_as_solver_group(g) for g in pinned),
    )


def _as_solver_group(group: TutorialGroup) -> allocation.Group:
    members = list(group.members.all())
    return allocation.Group(
        group.slot_id,
        tuple(sorted(m.pk for m in members if m.role == SignUp.Role.TUTOR)),
        tuple(sorted(m.pk for m in members if m.role == SignUp.Role.TUTEE)),
    )


def current_groups(programme: Programme) -> list[TutorialGroup]:
    return list(programme.groups.select_related("slot").prefetch_related("members__member"))


def request_allocation(
    *, programme: Programme, by, time_limit_s: float = 10.0
) -> tuple[AllocationRun, bool]:
    """Queue an allocation run for a background worker, unless one is already queued or running
    for this programme (then that run is returned and nothing is queued: two committee members
    pressing "Run" together get one run). Returns (run, created).

    Side effects: an AllocationRun row (queued); the task is enqueued after commit."""
    from .tasks import run_allocation_task

    if programme.is_published:
        raise RuleBroken(["the groups are already published"])
    try:
        with transaction.atomic():
            run = AllocationRun.objects.create(
                programme=programme,
                run_by=by,
                status=AllocationRun.Status.QUEUED,
                time_limit_s=time_limit_s,
            )
    except IntegrityError:
        return programme.runs.active().get(), False
    transaction.on_commit(lambda: run_allocation_task.enqueue(run_id=run.pk))
    return run, True


def _inputs_fingerprint(programme: Programme) -> list:
    """What a run's answer depends on: sign-ups, their answers and the pinned groups."""
    return [
        list(
            programme.signups.order_by("pk").values_list(
                "pk", "role", "max_groups", "wants_co_tutor", "updated_at"
            )
        ),
        list(
            SignUp.friends.through.objects.filter(from_signup__programme=programme)
            .order_by("pk")
            .values_list("from_signup_id", "to_signup_id")
        ),
        list(
            Availability.objects.filter(signup__programme=programme)
            .order_by("pk")
            .values_list("signup_id", "slot_id", "answer")
        ),
        sorted(
            (g.slot_id, sorted(m.pk for m in g.members.all()))
            for g in current_groups(programme)
            if g.pinned
        ),
    ]


def execute_allocation(*, run_id: int) -> AllocationRun:
    """Solve a queued run. The solver works on a snapshot with no lock held; only writing the
    groups takes the programme's row lock, briefly, after checking that the sign-ups and pinned
    groups are still those the snapshot saw. A run claimed by another worker is left alone.

    Side effects: the run moves queued → running → done (unpinned TutorialGroups replaced) or
    failed (with the reason in `error`)."""
    claimed = AllocationRun.objects.filter(pk=run_id, status=AllocationRun.Status.QUEUED).update(
        status=AllocationRun.Status.RUNNING, started_at=timezone.now()
    )
    run = AllocationRun.objects.select_related("programme").get(pk=run_id)
    if not claimed:
        return run
    programme = run.programme
    try:
        snapshot = _inputs_fingerprint(programme)
        pinned = [g for g in current_groups(programme) if g.pinned]
        problem = build_problem(programme=programme, time_limit_s=run.time_limit_s, pinned=pinned)
        errors = allocation.check_groups(problem, problem.pinned)
        if errors:
            raise RuleBroken([f"pinned groups: {e}" for e in errors])
        result = allocation.solve(problem)
        with transaction.atomic():
            programme = Programme.objects.select_for_update().get(pk=programme.pk)
            if programme.is_published:
                raise RuleBroken(["the groups were published while the allocation ran"])
            if _inputs_fingerprint(programme) != snapshot:
                raise RuleBroken(
                    ["sign-ups or pinned groups changed while the allocation ran; run it again"]
                )
            _write_groups(programme, problem, result)
            run.placed = result.placed
            run.friend_pairs_together = result.friend_pairs_together
            run.if_need_be_used = result.if_need_be_used
            run.optimal = result.optimal
            run.proven = result.proven
            run.gap = result.gap
            run.seconds = result.seconds
            run.unplaced = {
                str(k): v for k, v in allocation.unplaced_reasons(problem, result.unplaced).items()
            }
            run.status = AllocationRun.Status.DONE
            run.finished_at = timezone.now()
            run.save()
    except RuleBroken as exc:
        _fail(run, str(exc))
    except Exception:
        logger.exception("allocation run %s failed", run.pk)
        _fail(run, "the solver stopped with an internal error; the groups are unchanged")
    return run


def _fail(run: AllocationRun, reason: str) -> None:
    run.status = AllocationRun.Status.FAILED
    run.error = reason
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])


def _write_groups(programme: Programme, problem, result) -> None:
    programme.groups.filter(pinned=False).delete()
    pinned_keys = {(g.slot, g.tutors, g.tutees) for g in problem.pinned}
    for group in result.groups:
        key = (group.slot, tuple(sorted(group.tutors)), tuple(sorted(group.tutees)))
        if key in pinned_keys:
            continue
        row = TutorialGroup.objects.create(programme=programme, slot_id=group.slot)
        row.members.set([*group.tutors, *group.tutees])


def run_allocation(*, programme: Programme, by, time_limit_s: float = 10.0) -> AllocationRun:
    """Queue a run and solve it here and now (the command line and tests; the web page queues
    it for the worker instead). Raises RuleBroken when the run cannot be made or fails.

    Side effects: as request_allocation and execute_allocation."""
    run, created = request_allocation(programme=programme, by=by, time_limit_s=time_limit_s)
    if not created:
        raise RuleBroken(["an allocation is already running for this programme"])
    run = execute_allocation(run_id=run.pk)
    if run.status == AllocationRun.Status.FAILED:
        raise RuleBroken([run.error])
    return run


def check_programme_groups(programme: Programme) -> list[str]:
    """Every rule, re-checked on the groups as they stand, with names instead of ids."""
    problem = build_problem(programme=programme)
    groups = current_groups(programme)
    names = {s.pk: s.member.name for s in programme.signups.select_related("member")}
    labels = {s.pk: s.label for s in programme.slots.all()}
    return allocation.check_groups(
        problem,
        [_as_solver_group(g) for g in groups],
        name=lambda pk: names.get(pk, str(pk)),
        slot_name=lambda pk: labels.get(pk, str(pk)),
    )


@transaction.atomic
def move_member(*, programme: Programme, signup: SignUp, to_group: TutorialGroup | None):
    """Move a tutee or tutor into another group (or out of all groups for a tutee), re-checking
    every rule. A tutor in exactly one group leaves it; a tutor in several is added (a second
    group for them). Raises RuleBroken, and changes nothing, when the move would break a rule.

    Side effects: TutorialGroup membership rows."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.is_published:
        raise RuleBroken(["the groups are already published"])
    before = set(check_programme_groups(programme))
    current = list(signup.groups.filter(programme=programme))
    if signup.role == SignUp.Role.TUTEE or len(current) == 1:
        for group in current:
            group.members.remove(signup)
    if to_group is not None:
        to_group.members.add(signup)
    new_errors = [e for e in check_programme_groups(programme) if e not in before]
    if new_errors:
        transaction.set_rollback(True)
        raise RuleBroken(new_errors)


@transaction.atomic
def set_pinned(*, group: TutorialGroup, pinned: bool) -> None:
    """Side effects: the group's pinned flag."""
    group.pinned = pinned
    group.save(update_fields=["pinned"])


@transaction.atomic
def publish_programme(*, programme: Programme, by) -> int:
    """Turn each group into a weekly series of tutorial sessions with its tutors as teachers and
    its tutees registered; notify everyone placed. Returns the number of sessions created.

    Side effects: Series, Session, SessionTeacher and Registration rows; programme status;
    notifications (Category.TUTORIALS)."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.is_published:
        raise RuleBroken(["the groups are already published"])
    if not programme.groups.exists():
        raise RuleBroken(["there are no groups to publish; run the allocation first"])
    errors = check_programme_groups(programme)
    if errors:
        raise RuleBroken(errors)
    created = 0
    for n, group in enumerate(current_groups(programme), 1):
        tutors = [m for m in group.members.all() if m.role == SignUp.Role.TUTOR]
        tutees = [m for m in group.members.all() if m.role == SignUp.Role.TUTEE]
        title = f"{programme.title}: group {n} ({group.slot.label})"
        series = Series.objects.create(
            title=title,
            slug=_unique_slug(f"tutorial-{programme.pk}-{n}-{programme.title}"),
            description=programme.description,
            kind=SessionKind.TUTORIAL,
            target_years_mask=0,  # no target years: only the group sees it
        )
        group.series = series
        group.save(update_fields=["series"])
        for starts_at, ends_at in group.slot.occurrences():
            session = Session.objects.create(
                series=series,
                title=title,
                kind=SessionKind.TUTORIAL,
                mode=SessionMode.IN_PERSON,
                room=programme.location,
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=programme.group_max,
                registration_closes_at=starts_at,
                # No target years: the group's sessions are for its members only, so other
                # tutees of the year neither see them on the timetable nor can register.
                target_years_mask=0,
            )
            SessionTeacher.objects.bulk_create(
                SessionTeacher(session=session, teacher=t.member, role="tutor") for t in tutors
            )
            Registration.objects.bulk_create(
                Registration(session=session, member=t.member, status="registered") for t in tutees
            )
            created += 1
        notify(
            recipients=[m.member for m in tutors + tutees],
            category=Category.TUTORIALS,
            title=f"Your tutorial group: {group.slot.label}",
            body=f"{programme.title}: your group meets {group.slot.label}, "
            f"{programme.weeks} weeks from {programme.first_week:%d %B}.",
            url=group.get_absolute_url(),
        )
    programme.status = Programme.Status.PUBLISHED
    programme.published_at = timezone.now()
    programme.save(update_fields=["status", "published_at"])
    return created


def _unique_slug(text: str) -> str:
    base = slugify(text)[:70] or "tutorial"
    slug, n = base, 1
    while Series.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


# --- Mentoring ------------------------------------------------------------------------------------


@transaction.atomic
def save_mentoring_entry(
    *,
    scheme: MentoringScheme,
    member,
    role: str,
    interests: list[str],
    capacity: int = 1,
    note: str = "",
) -> MentoringEntry:
    """Side effects: the member's MentoringEntry (update_or_create)."""
    entry, _ = MentoringEntry.objects.update_or_create(
        scheme=scheme,
        member=member,
        defaults={"role": role, "interests": interests, "capacity": capacity, "note": note},
    )
    return entry


@transaction.atomic
def run_matching(*, scheme: MentoringScheme, time_limit_s: float = 10.0) -> allocation.MatchResult:
    """Match mentees to mentors (most matched, then most shared interests).

    Side effects: the scheme's MentorMatch rows replaced."""
    if scheme.status == MentoringScheme.Status.PUBLISHED:
        raise RuleBroken(["the matches are already published"])
    entries = list(scheme.entries.select_related("member"))
    mentors = [
        allocation.Mentor(e.pk, e.member.year or 0, e.capacity, frozenset(e.interests))
        for e in entries
        if e.role == MentoringEntry.Role.MENTOR
    ]
    mentees = [
        allocation.Mentee(e.pk, e.member.year or 0, frozenset(e.interests))
        for e in entries
        if e.role == MentoringEntry.Role.MENTEE
    ]
    result = allocation.match_mentors(mentors, mentees, time_limit_s=time_limit_s)
    by_pk = {e.pk: e for e in entries}
    scheme.matches.all().delete()
    MentorMatch.objects.bulk_create(
        MentorMatch(
            scheme=scheme,
            mentor_id=a,
            mentee_id=b,
            shared_interests=len(set(by_pk[a].interests) & set(by_pk[b].interests)),
        )
        for a, b in result.pairs
    )
    return result


@transaction.atomic
def publish_scheme(*, scheme: MentoringScheme) -> int:
    """Side effects: scheme status; notifications to every matched mentor and mentee."""
    if scheme.status == MentoringScheme.Status.PUBLISHED:
        raise RuleBroken(["the matches are already published"])
    matches = list(scheme.matches.select_related("mentor__member", "mentee__member"))
    people = {m.mentor.member for m in matches} | {m.mentee.member for m in matches}
    scheme.status = MentoringScheme.Status.PUBLISHED
    scheme.save(update_fields=["status"])
    return notify(
        recipients=sorted(people, key=lambda u: u.pk),
        category=Category.TUTORIALS,
        title=f"{scheme.title}: your mentoring match",
        body="See who you are matched with and how to get in touch.",
        url=scheme.get_absolute_url(),
    )
