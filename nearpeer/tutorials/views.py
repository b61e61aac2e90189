from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from nearpeer.members.permissions import is_committee

from . import services
from .forms import MentoringEntryForm, MoveForm, ProgrammeForm, RunForm, SchemeForm, SignUpForm
from .models import (
    Availability,
    MentoringEntry,
    MentoringScheme,
    MentorMatch,
    Programme,
    SignUp,
    TutorialGroup,
)
from .permissions import (
    can_manage,
    can_mentor,
    can_see_programme,
    can_see_scheme,
    can_see_signup,
    can_sign_up_as_tutee,
    can_sign_up_as_tutor,
)


def _programme_for(user, pk) -> Programme:
    programme = get_object_or_404(Programme, pk=pk)
    if not can_see_programme(user, programme):
        raise Http404
    return programme


def _managed_programme(user, pk) -> Programme:
    if not can_manage(user):
        raise Http404
    return get_object_or_404(Programme, pk=pk)


def home(request):
    user = request.user
    programmes = [p for p in Programme.objects.all() if can_see_programme(user, p)]
    schemes = [s for s in MentoringScheme.objects.all() if can_see_scheme(user, s)]
    my_groups = (
        TutorialGroup.objects.filter(members__member=user, programme__status="published")
        .select_related("programme", "slot")
        .distinct()
    )
    return render(
        request,
        "tutorials/home.html",
        {
            "programmes": programmes,
            "schemes": schemes,
            "my_groups": my_groups,
            "manage": can_manage(user),
        },
    )


def programme_create(request):
    if not can_manage(request.user):
        raise Http404
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("slots", "target_years")}
        programme = services.create_programme(
            by=request.user,
            slots=form.cleaned_data["slots"],
            target_years_mask=form.instance.target_years_mask,
            **fields,
        )
        messages.success(request, f"Programme “{programme}” is open for sign-ups.")
        return redirect(programme)
    return render(request, "tutorials/programme_create.html", {"form": form})


def programme_detail(request, pk):
    programme = _programme_for(request.user, pk)
    signup = programme.signups.filter(member=request.user).first()
    counts = {role: programme.signups.filter(role=role).count() for role in SignUp.Role.values}
    return render(
        request,
        "tutorials/programme_detail.html",
        {
            "programme": programme,
            "slots": programme.slots.all(),
            "signup": signup,
            "counts": counts,
            "manage": can_manage(request.user),
            "can_sign_up": _roles(request.user, programme) and programme.signups_open(),
            "my_groups": signup.groups.filter(programme__status="published") if signup else [],
        },
    )


def _roles(user, programme) -> list[str]:
    roles = []
    if can_sign_up_as_tutee(user, programme):
        roles.append(SignUp.Role.TUTEE)
    if can_sign_up_as_tutor(user, programme):
        roles.append(SignUp.Role.TUTOR)
    return roles


def signup_edit(request, pk):
    programme = _programme_for(request.user, pk)
    roles = _roles(request.user, programme)
    if not roles:
        raise Http404
    if not programme.signups_open():
        messages.error(request, "Sign-ups for this programme have closed.")
        return redirect(programme)
    signup = programme.signups.filter(member=request.user).first()
    slots = list(programme.slots.all())
    if signup is not None:
        answers = dict(signup.availability.values_list("slot_id", "answer"))
        initial = {
            "role": signup.role,
            "max_groups": signup.max_groups,
            "wants_co_tutor": signup.wants_co_tutor,
            "friends": list(signup.friends.all()),
        }
        reused = False
    else:
        answers = services.previous_answers(programme=programme, member=request.user)
        initial, reused = {}, bool(answers)
    form = SignUpForm(
        request.POST or None,
        programme=programme,
        slots=slots,
        roles=roles,
        signup=signup,
        initial_answers=answers,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.save_signup(
            programme=programme,
            member=request.user,
            role=data["role"],
            answers=form.answers(),
            friends=data["friends"],
            max_groups=data["max_groups"],
            wants_co_tutor=data["wants_co_tutor"],
        )
        messages.success(
            request, "Your availability is saved. You can change it until the deadline."
        )
        return redirect(programme)
    return render(
        request,
        "tutorials/signup_edit.html",
        {"programme": programme, "form": form, "reused": reused, "signup": signup, "roles": roles},
    )


def signup_detail(request, pk):
    signup = get_object_or_404(SignUp.objects.select_related("member", "programme"), pk=pk)
    if not can_see_signup(request.user, signup):
        raise Http404
    answers = dict(signup.availability.values_list("slot_id", "answer"))
    labels = dict(Availability.Answer.choices)
    rows = [
        (slot, labels[answers.get(slot.pk, "no")], answers.get(slot.pk, "no"))
        for slot in signup.programme.slots.all()
    ]
    return render(request, "tutorials/signup_detail.html", {"signup": signup, "rows": rows})


def allocation_review(request, pk):
    programme = _managed_programme(request.user, pk)
    groups = services.current_groups(programme)
    runs = list(programme.runs.all()[:2])
    active = next((r for r in runs if r.is_active), None)
    run = next((r for r in runs if not r.is_active), None)
    placed = {m.pk for g in groups for m in g.members.all()}
    unplaced = [
        s
        for s in programme.signups.filter(role=SignUp.Role.TUTEE).select_related("member")
        if s.pk not in placed
    ]
    reasons = run.unplaced if run and run.status == run.Status.DONE else {}
    for s in unplaced:
        s.reason = services.REASONS.get(reasons.get(str(s.pk)), "moved out by hand or not run")
    context = {
        "programme": programme,
        "groups": groups,
        "run": run,
        "active": active,
        "unplaced": unplaced,
        "errors": services.check_programme_groups(programme) if groups else [],
        "run_form": RunForm(),
        "move_form": MoveForm(programme=programme, groups=groups),
    }
    return render(request, "tutorials/allocation_review.html", context)


def allocation_status(request, pk):
    """The running allocation's progress, polled by the review page; once the run has finished,
    htmx is told to reload the page so the new groups show."""
    programme = _managed_programme(request.user, pk)
    active = programme.runs.active().first()
    if active is None and request.htmx:
        return HttpResponseClientRefresh()
    return render(
        request,
        "tutorials/allocation_review.html#run-status",
        {"programme": programme, "active": active},
    )


@require_POST
def allocation_run(request, pk):
    programme = _managed_programme(request.user, pk)
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a time limit between 1 and 20 seconds.")
        return redirect("tutorials:allocation-review", pk=pk)
    try:
        run, created = services.request_allocation(
            programme=programme, by=request.user, time_limit_s=form.cleaned_data["time_limit_s"]
        )
    except services.RuleBroken as exc:
        messages.error(request, f"Not run: {exc}")
        return redirect("tutorials:allocation-review", pk=pk)
    run.refresh_from_db()
    if not created:
        who = run.run_by.name if run.run_by else "someone"
        messages.info(request, f"An allocation started by {who} is already running.")
    elif run.status == run.Status.DONE:  # the task ran at once (no background worker)
        messages.success(
            request,
            f"Allocated {run.placed} tutees with {run.friend_pairs_together} friend pairs "
            f"together ({run.proof}, {run.seconds:.1f} s).",
        )
    elif run.status == run.Status.FAILED:
        messages.error(request, f"Not run: {run.error}")
    else:
        messages.success(request, "The allocation has started; this page updates when it ends.")
    return redirect("tutorials:allocation-review", pk=pk)


@require_POST
def allocation_move(request, pk):
    programme = _managed_programme(request.user, pk)
    groups = services.current_groups(programme)
    form = MoveForm(request.POST, programme=programme, groups=groups)
    if not form.is_valid():
        messages.error(request, "Choose a person and a group.")
        return redirect("tutorials:allocation-review", pk=pk)
    signup = form.cleaned_data["signup"]
    target = next((g for g in groups if g.pk == form.cleaned_data["to_group"]), None)
    if target is None and signup.role == SignUp.Role.TUTOR:
        messages.error(request, "Tutors are moved into a group, not out of all groups.")
        return redirect("tutorials:allocation-review", pk=pk)
    try:
        services.move_member(programme=programme, signup=signup, to_group=target)
    except services.RuleBroken as exc:
        messages.error(request, f"Not moved: {'; '.join(exc.errors)}")
    else:
        where = f"group at {target.slot.label}" if target else "no group"
        messages.success(request, f"Moved {signup.member.name} to {where}.")
    return redirect("tutorials:allocation-review", pk=pk)


@require_POST
def group_pin(request, pk):
    if not can_manage(request.user):
        raise Http404
    group = get_object_or_404(TutorialGroup, pk=pk)
    services.set_pinned(group=group, pinned=not group.pinned)
    messages.success(
        request, "Group pinned: re-runs keep it." if group.pinned else "Group unpinned."
    )
    return redirect("tutorials:allocation-review", pk=group.programme_id)


@require_POST
def programme_publish(request, pk):
    programme = _managed_programme(request.user, pk)
    if not request.POST.get("confirm") and not programme.is_published:
        # Publishing makes sessions and notifies everyone: never from one stray tap.
        messages.error(request, "Not published: tick the box to confirm first.")
        return redirect("tutorials:allocation-review", pk=pk)
    try:
        created = services.publish_programme(programme=programme, by=request.user)
    except services.RuleBroken as exc:
        messages.error(request, f"Not published: {'; '.join(exc.errors)}")
        return redirect("tutorials:allocation-review", pk=pk)
    messages.success(request, f"Published: {created} sessions on the timetable; members notified.")
    return redirect(programme)


def group_detail(request, pk):
    group = get_object_or_404(
        TutorialGroup.objects.select_related("programme", "slot", "series"), pk=pk
    )
    members = list(group.members.select_related("member"))
    mine = next((m for m in members if m.member_id == request.user.pk), None)
    manage = can_manage(request.user)
    if not manage and (mine is None or not group.programme.is_published):
        raise Http404
    sessions = group.series.sessions.order_by("starts_at") if group.series else []
    return render(
        request,
        "tutorials/group_detail.html",
        {
            "group": group,
            "tutors": [m for m in members if m.role == SignUp.Role.TUTOR],
            "tutees": [m for m in members if m.role == SignUp.Role.TUTEE],
            "is_tutor": manage or (mine is not None and mine.role == SignUp.Role.TUTOR),
            "sessions": sessions,
        },
    )


# --- Mentoring ------------------------------------------------------------------------------------


def _scheme_for(user, pk) -> MentoringScheme:
    scheme = get_object_or_404(MentoringScheme, pk=pk)
    if not can_see_scheme(user, scheme):
        raise Http404
    return scheme


def scheme_create(request):
    if not can_manage(request.user):
        raise Http404
    form = SchemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.created_by = request.user
        scheme = form.save()
        messages.success(request, f"“{scheme}” is open.")
        return redirect(scheme)
    return render(request, "tutorials/scheme_create.html", {"form": form})


def scheme_detail(request, pk):
    scheme = _scheme_for(request.user, pk)
    user = request.user
    roles = []
    if can_mentor(user, scheme):
        roles.append(MentoringEntry.Role.MENTOR)
    if scheme.is_for_year(user.year):
        roles.append(MentoringEntry.Role.MENTEE)
    entry = scheme.entries.filter(member=user).first()
    form = None
    if roles and scheme.status == MentoringScheme.Status.OPEN:
        initial = (
            {
                "role": entry.role,
                "interests": entry.interests,
                "capacity": entry.capacity,
                "note": entry.note,
            }
            if entry
            else {}
        )
        form = MentoringEntryForm(request.POST or None, roles=roles, initial=initial)
        if request.method == "POST" and form.is_valid():
            services.save_mentoring_entry(scheme=scheme, member=user, **form.cleaned_data)
            messages.success(request, "Saved. The committee will publish matches.")
            return redirect(scheme)
    elif request.method == "POST":
        raise Http404
    matches = []
    if scheme.status == MentoringScheme.Status.PUBLISHED and entry is not None:
        matches = MentorMatch.objects.filter(scheme=scheme).select_related(
            "mentor__member", "mentee__member"
        )
        matches = [m for m in matches if user.pk in (m.mentor.member_id, m.mentee.member_id)]
    return render(
        request,
        "tutorials/scheme_detail.html",
        {
            "scheme": scheme,
            "form": form,
            "entry": entry,
            "matches": matches,
            "manage": can_manage(user),
        },
    )


def scheme_review(request, pk):
    if not is_committee(request.user):
        raise Http404
    scheme = get_object_or_404(MentoringScheme, pk=pk)
    matches = scheme.matches.select_related("mentor__member", "mentee__member")
    matched = {m.mentee_id for m in matches}
    entries = scheme.entries.select_related("member")
    return render(
        request,
        "tutorials/scheme_review.html",
        {
            "scheme": scheme,
            "matches": matches,
            "unmatched": [e for e in entries if e.role == "mentee" and e.pk not in matched],
            "mentors": [e for e in entries if e.role == "mentor"],
        },
    )


@require_POST
def scheme_run(request, pk):
    if not can_manage(request.user):
        raise Http404
    scheme = get_object_or_404(MentoringScheme, pk=pk)
    try:
        result = services.run_matching(scheme=scheme)
    except services.RuleBroken as exc:
        messages.error(request, f"Not run: {exc}")
    else:
        messages.success(
            request,
            f"Matched {result.matched} mentees ({result.shared_interests} shared interests"
            f"{', proven optimal' if result.optimal else ''}).",
        )
    return redirect("tutorials:scheme-review", pk=pk)


@require_POST
def scheme_publish(request, pk):
    if not can_manage(request.user):
        raise Http404
    scheme = get_object_or_404(MentoringScheme, pk=pk)
    if not request.POST.get("confirm"):
        # Publishing tells everyone and shows emails: never from one stray tap.
        messages.error(request, "Not published: tick the box to confirm first.")
        return redirect("tutorials:scheme-review", pk=pk)
    try:
        services.publish_scheme(scheme=scheme)
    except services.RuleBroken as exc:
        messages.error(request, f"Not published: {exc}")
        return redirect("tutorials:scheme-review", pk=pk)
    messages.success(request, "Matches published; mentors and mentees notified.")
    return redirect(scheme)
