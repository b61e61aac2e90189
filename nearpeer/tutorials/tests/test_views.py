from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from nearpeer.members.tests.factories import UserFactory, teacher
from nearpeer.notifications.models import Notification
from nearpeer.teaching.models import Registration, Session, SessionTeacher
from nearpeer.tutorials import services
from nearpeer.tutorials.models import (
    Availability,
    MentoringEntry,
    MentorMatch,
    Programme,
    SignUp,
    TutorialGroup,
)
from nearpeer.tutorials.tests.factories import ProgrammeFactory, SchemeFactory, SlotFactory, sign_up

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def groups_of(programme) -> list[tuple[str, list[str]]]:
    return [
        (g.slot.label, sorted(m.member.name for m in g.members.all()))
        for g in programme.groups.order_by("slot__weekday")
    ]


# --- Programmes and sign-up ---------------------------------------------------------------------


def test_committee_opens_a_programme_with_weekly_slots(client, boss):
    client.force_login(boss)
    response = client.post(
        reverse("tutorials:programme-create"),
        {
            "title": "Year 3 OSCE, spring",
            "target_years": ["3"],
            "signup_deadline": "2031-01-10T18:00",
            "first_week": "2031-01-13",
            "weeks": "6",
            "group_min": "3",
            "group_max": "6",
            "tutors_min": "1",
            "tutors_max": "2",
            "slots": "Tue 18:00\nThu 17:30 90",
        },
    )

    programme = Programme.objects.get()
    assert response.headers["Location"] == programme.get_absolute_url()
    assert (
        programme.target_years,
        [(s.label, s.duration_minutes) for s in programme.slots.all()],
    ) == (
        [3],
        [("Tue 18:00", 60), ("Thu 17:30", 90)],
    )


def test_bad_slot_line_is_named_and_nothing_is_created(client, boss):
    client.force_login(boss)
    response = client.post(
        reverse("tutorials:programme-create"),
        {
            "title": "X",
            "target_years": ["3"],
            "signup_deadline": "2031-01-10T18:00",
            "first_week": "2031-01-13",
            "weeks": "6",
            "group_min": "3",
            "group_max": "6",
            "tutors_min": "1",
            "tutors_max": "2",
            "slots": "Tue 18:00\nTuesday evening",
        },
    )

    assert response.context["form"].errors["slots"] == [
        'Line 2: "Tuesday evening" is not like "Tue 18:00" or "Tue 18:00 90".'
    ]
    assert Programme.objects.count() == 0


def test_tutee_marks_the_grid_and_names_friends(client, programme):
    tue, wed = programme.slots.all()
    friend = sign_up(programme, UserFactory(name="Friend"), yes=[tue])
    me = UserFactory(name="Me")
    client.force_login(me)

    response = client.post(
        reverse("tutorials:signup-edit", args=[programme.pk]),
        {
            "role": "tutee",
            "max_groups": "1",
            f"slot_{tue.pk}": "yes",
            f"slot_{wed.pk}": "if_need_be",
            "friends": [friend.pk],
        },
    )

    signup = SignUp.objects.get(member=me)
    assert response.headers["Location"] == programme.get_absolute_url()
    assert (
        signup.role,
        dict(signup.availability.values_list("slot__start_time", "answer").order_by("slot")),
        list(signup.friends.all()),
    ) == ("tutee", {tue.start_time: "yes", wed.start_time: "if_need_be"}, [friend])


def test_more_than_three_friends_is_refused(client, programme):
    tue, wed = programme.slots.all()
    friends = [sign_up(programme, UserFactory(), yes=[tue]) for _ in range(4)]
    client.force_login(UserFactory())

    response = client.post(
        reverse("tutorials:signup-edit", args=[programme.pk]),
        {
            "role": "tutee",
            "max_groups": "1",
            f"slot_{tue.pk}": "yes",
            f"slot_{wed.pk}": "no",
            "friends": [f.pk for f in friends],
        },
    )

    assert response.context["form"].errors["friends"] == ["Name at most three friends."]


def test_tutor_signs_up_with_max_groups_and_co_tutor_wish(client, programme):
    tue, wed = programme.slots.all()
    tutor = teacher()
    client.force_login(tutor)

    client.post(
        reverse("tutorials:signup-edit", args=[programme.pk]),
        {
            "role": "tutor",
            "max_groups": "2",
            "wants_co_tutor": "on",
            f"slot_{tue.pk}": "yes",
            f"slot_{wed.pk}": "yes",
        },
    )

    signup = SignUp.objects.get(member=tutor)
    assert (signup.role, signup.max_groups, signup.wants_co_tutor) == ("tutor", 2, True)


def test_grid_reuses_answers_from_the_previous_programme(client, programme):
    tue, wed = programme.slots.all()
    me = UserFactory()
    earlier = ProgrammeFactory(title="Autumn")
    old_tue = SlotFactory(programme=earlier, weekday=1, start_time="18:00")
    sign_up(earlier, me, yes=[old_tue])
    client.force_login(me)

    response = client.get(reverse("tutorials:signup-edit", args=[programme.pk]))

    form = response.context["form"]
    assert (
        response.context["reused"],
        form[f"slot_{tue.pk}"].initial,
        form[f"slot_{wed.pk}"].initial,
    ) == (True, "yes", "no")


def test_sign_up_after_the_deadline_is_refused(client, programme):
    programme.signup_deadline = timezone.now() - timedelta(minutes=1)
    programme.save()
    client.force_login(UserFactory())

    response = client.post(reverse("tutorials:signup-edit", args=[programme.pk]), follow=True)

    assert messages_of(response) == ["Sign-ups for this programme have closed."]
    assert SignUp.objects.count() == 0


# --- Allocation, review, publish ----------------------------------------------------------------


def test_committee_runs_the_allocation_and_sees_unplaced_reasons(
    client, boss, programme, cohort, django_capture_on_commit_callbacks
):
    client.force_login(boss)

    # The task is enqueued on commit; the test settings' immediate backend then runs it.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("tutorials:allocation-run", args=[programme.pk]),
            {"time_limit_s": 5},
            follow=True,
        )

    assert groups_of(programme) == [
        ("Tue 18:00", ["Ann", "Ben", "Cat", "Tina Tutor"]),
        ("Wed 18:00", ["Dan", "Eve", "Walt Tutor"]),
    ]
    assert messages_of(response) == ["The allocation has started; this page updates when it ends."]
    run = programme.runs.get()
    assert (run.status, run.placed, run.friend_pairs_together) == ("done", 5, 1)
    page = client.get(reverse("tutorials:allocation-review", args=[programme.pk]))
    unplaced = page.context["unplaced"]
    assert [(s.member.name, s.reason) for s in unplaced] == [("Far", "marked no slot")]
    assert page.context["active"] is None


def test_a_move_that_breaks_a_rule_is_refused_with_the_rule(client, boss, programme, cohort):
    services.run_allocation(programme=programme, by=boss)
    wed_group = programme.groups.get(slot__weekday=2)
    client.force_login(boss)

    response = client.post(
        reverse("tutorials:allocation-move", args=[programme.pk]),
        {"signup": cohort["ann"].pk, "to_group": wed_group.pk},
        follow=True,
    )

    assert messages_of(response) == [
        "Not moved: group 2 (Wed 18:00): tutee Ann cannot attend Wed 18:00"
    ]
    assert groups_of(programme)[0] == ("Tue 18:00", ["Ann", "Ben", "Cat", "Tina Tutor"])


def test_a_valid_move_then_publish_puts_groups_on_the_timetable(client, boss, programme, cohort):
    services.run_allocation(programme=programme, by=boss)
    wed_group = programme.groups.get(slot__weekday=2)
    client.force_login(boss)

    moved = client.post(
        reverse("tutorials:allocation-move", args=[programme.pk]),
        {"signup": cohort["cat"].pk, "to_group": wed_group.pk},
        follow=True,
    )
    unconfirmed = client.post(
        reverse("tutorials:programme-publish", args=[programme.pk]), follow=True
    )
    published = client.post(
        reverse("tutorials:programme-publish", args=[programme.pk]), {"confirm": "1"}, follow=True
    )
    assert messages_of(unconfirmed)[-1] == "Not published: tick the box to confirm first."

    assert messages_of(moved)[-1] == "Moved Cat to group at Wed 18:00."
    assert messages_of(published)[-1] == "Published: 8 sessions on the timetable; members notified."
    sessions = Session.objects.filter(series__tutorial_group=wed_group).order_by("starts_at")
    assert [(s.kind, timezone.localtime(s.starts_at).strftime("%a %H:%M")) for s in sessions] == [
        ("tutorial", "Wed 18:00")
    ] * 4
    assert sorted(
        Registration.objects.filter(session=sessions[0], status="registered").values_list(
            "member__name", flat=True
        )
    ) == ["Cat", "Dan", "Eve"]
    assert list(
        SessionTeacher.objects.filter(session=sessions[0]).values_list("teacher__name", flat=True)
    ) == ["Walt Tutor"]
    assert sorted(
        Notification.objects.filter(category="tutorials").values_list("recipient__name", flat=True)
    ) == ["Ann", "Ben", "Cat", "Dan", "Eve", "Tina Tutor", "Walt Tutor"]


def test_moving_a_tutor_swaps_their_group_and_checks_availability(boss, programme, cohort):
    services.run_allocation(programme=programme, by=boss)
    tue_group = programme.groups.get(slot__weekday=1)

    with pytest.raises(services.RuleBroken) as error:
        services.move_member(programme=programme, signup=cohort["walt"], to_group=tue_group)

    assert error.value.errors == [
        "group 1 (Tue 18:00): has 2 tutors; needs 1–1",
        "group 1 (Tue 18:00): tutor Walt Tutor cannot attend Tue 18:00",
        "group 2 (Wed 18:00): has 0 tutors; needs 1–1",
    ]
    assert groups_of(programme)[1] == ("Wed 18:00", ["Dan", "Eve", "Walt Tutor"])


def test_rerun_keeps_pinned_groups(client, boss, programme, cohort):
    services.run_allocation(programme=programme, by=boss)
    wed_group = programme.groups.get(slot__weekday=2)
    services.move_member(programme=programme, signup=cohort["cat"], to_group=wed_group)
    client.force_login(boss)

    client.post(reverse("tutorials:group-pin", args=[wed_group.pk]))
    client.post(reverse("tutorials:allocation-run", args=[programme.pk]), {"time_limit_s": 5})

    assert groups_of(programme) == [
        ("Tue 18:00", ["Ann", "Ben", "Tina Tutor"]),
        ("Wed 18:00", ["Cat", "Dan", "Eve", "Walt Tutor"]),
    ]
    assert TutorialGroup.objects.get(pk=wed_group.pk).pinned is True


def test_publishing_twice_is_refused(client, boss, programme, cohort):
    services.run_allocation(programme=programme, by=boss)
    services.publish_programme(programme=programme, by=boss)
    client.force_login(boss)

    response = client.post(reverse("tutorials:programme-publish", args=[programme.pk]), follow=True)

    assert messages_of(response) == ["Not published: the groups are already published"]
    assert Session.objects.count() == 8


def test_tutee_sees_tutors_and_group_but_not_emails_of_other_tutees(
    client, boss, programme, cohort
):
    services.run_allocation(programme=programme, by=boss)
    services.publish_programme(programme=programme, by=boss)
    group = programme.groups.get(slot__weekday=1)
    client.force_login(cohort["ann"].member)

    response = client.get(reverse("tutorials:group-detail", args=[group.pk]))

    html = response.content.decode()
    assert (
        [m.member.name for m in response.context["tutors"]],
        [m.member.name for m in response.context["tutees"]],
    ) == (["Tina Tutor"], ["Ann", "Ben", "Cat"])
    assert (cohort["tina"].member.email in html, cohort["ben"].member.email in html) == (
        True,
        False,
    )


def test_tutor_sees_tutees_contact(client, boss, programme, cohort):
    services.run_allocation(programme=programme, by=boss)
    services.publish_programme(programme=programme, by=boss)
    group = programme.groups.get(slot__weekday=1)
    client.force_login(cohort["tina"].member)

    response = client.get(reverse("tutorials:group-detail", args=[group.pk]))

    assert cohort["ben"].member.email in response.content.decode()


def test_someone_outside_the_group_gets_404(client, boss, programme, cohort):
    services.run_allocation(programme=programme, by=boss)
    services.publish_programme(programme=programme, by=boss)
    group = programme.groups.get(slot__weekday=1)
    client.force_login(cohort["dan"].member)

    response = client.get(reverse("tutorials:group-detail", args=[group.pk]))

    assert response.status_code == 404


def test_tutee_cannot_see_another_tutees_availability(client, programme, cohort):
    client.force_login(cohort["ann"].member)

    response = client.get(reverse("tutorials:signup-detail", args=[cohort["ben"].pk]))

    assert response.status_code == 404


# --- Query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
def test_home_query_count(client, django_assert_num_queries, count):
    member = UserFactory()
    for _ in range(count):
        ProgrammeFactory()
        SchemeFactory()
    client.force_login(member)

    with django_assert_num_queries(6):
        response = client.get(reverse("tutorials:home"))

    assert len(response.context["programmes"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_allocation_review_query_count(client, boss, django_assert_num_queries, count):
    programme = ProgrammeFactory(group_min=1, group_max=2, tutors_max=1)
    slot = SlotFactory(programme=programme)
    for n in range(count):
        tutor = sign_up(programme, teacher(), role="tutor", yes=[slot], max_groups=1)
        tutee = sign_up(programme, UserFactory(), yes=[slot])
        group = TutorialGroup.objects.create(programme=programme, slot=slot)
        group.members.set([tutor, tutee])
        del n
    client.force_login(boss)

    with django_assert_num_queries(19):
        response = client.get(reverse("tutorials:allocation-review", args=[programme.pk]))

    assert (len(response.context["groups"]), response.context["errors"]) == (count, [])


@pytest.mark.parametrize("count", [1, 3])
def test_scheme_review_query_count(client, boss, django_assert_num_queries, count):
    scheme = SchemeFactory()
    for _ in range(count):
        mentor = MentoringEntry.objects.create(
            scheme=scheme, member=UserFactory(year=5), role="mentor", interests=["careers"]
        )
        mentee = MentoringEntry.objects.create(
            scheme=scheme, member=UserFactory(year=2), role="mentee", interests=["careers"]
        )
        MentorMatch.objects.create(scheme=scheme, mentor=mentor, mentee=mentee)
    client.force_login(boss)

    with django_assert_num_queries(6):
        response = client.get(reverse("tutorials:scheme-review", args=[scheme.pk]))

    assert len(response.context["matches"]) == count


# --- Mentoring ----------------------------------------------------------------------------------


def test_mentoring_match_publish_and_contacts(client, boss):
    scheme = SchemeFactory(title="Buddies")
    mentor = UserFactory(year=5, name="Mona Mentor")
    mentee = UserFactory(year=2, name="Milo Mentee")
    lonely = UserFactory(year=2, name="Lone Mentee")
    client.force_login(mentor)
    client.post(
        reverse("tutorials:scheme-detail", args=[scheme.pk]),
        {"role": "mentor", "interests": ["research", "careers"], "capacity": "1"},
    )
    client.force_login(mentee)
    client.post(
        reverse("tutorials:scheme-detail", args=[scheme.pk]),
        {"role": "mentee", "interests": ["research"], "capacity": "1"},
    )
    client.force_login(lonely)
    client.post(
        reverse("tutorials:scheme-detail", args=[scheme.pk]),
        {"role": "mentee", "interests": ["wellbeing"], "capacity": "1"},
    )
    client.force_login(boss)

    ran = client.post(reverse("tutorials:scheme-run", args=[scheme.pk]), follow=True)
    client.post(reverse("tutorials:scheme-publish", args=[scheme.pk]), {"confirm": "1"})

    assert messages_of(ran)[-1] == "Matched 1 mentees (1 shared interests, proven optimal)."
    client.force_login(mentee)
    seen = client.get(reverse("tutorials:scheme-detail", args=[scheme.pk])).content.decode()
    client.force_login(lonely)
    unseen = client.get(reverse("tutorials:scheme-detail", args=[scheme.pk])).content.decode()
    assert (mentor.email in seen, mentor.email in unseen) == (True, False)


def test_publishing_matches_asks_first(client, boss):
    scheme = SchemeFactory(title="Buddies")
    mentor = MentoringEntry.objects.create(
        scheme=scheme, member=UserFactory(year=5), role="mentor", interests=["careers"]
    )
    mentee = MentoringEntry.objects.create(
        scheme=scheme, member=UserFactory(year=2), role="mentee", interests=["careers"]
    )
    MentorMatch.objects.create(scheme=scheme, mentor=mentor, mentee=mentee)
    client.force_login(boss)

    page = client.get(reverse("tutorials:scheme-review", args=[scheme.pk])).content.decode()
    one_tap = client.post(reverse("tutorials:scheme-publish", args=[scheme.pk]), follow=True)
    scheme.refresh_from_db()

    assert 'name="confirm" value="1" id="publish-confirm" required' in page
    assert (scheme.status, messages_of(one_tap)[-1]) == (
        "open",
        "Not published: tick the box to confirm first.",
    )
    assert Notification.objects.count() == 0


# --- Command ------------------------------------------------------------------------------------


def test_allocate_command_writes_the_documented_output(tmp_path):
    source = tmp_path / "in.json"
    source.write_text(
        '{"slots": ["Tue 18:00"], "group_size": {"min": 2, "max": 3},'
        ' "tutors_per_group": {"min": 1, "max": 1},'
        ' "tutors": [{"id": "t", "available": ["Tue 18:00"], "max_groups": 1}],'
        ' "tutees": [{"id": "a", "available": ["Tue 18:00"], "friends": ["b"]},'
        ' {"id": "b", "if_need_be": ["Tue 18:00"], "available": []},'
        ' {"id": "c", "available": []}], "time_limit_s": 5}'
    )
    target = tmp_path / "out.json"

    call_command("tutorials", "allocate", str(source), "-o", str(target))

    import json

    out = json.loads(target.read_text())
    assert {k: v for k, v in out.items() if k != "seconds"} == {
        "groups": [{"slot": "Tue 18:00", "tutors": ["t"], "tutees": ["a", "b"]}],
        "unplaced": ["c"],
        "placed": 2,
        "friend_pairs_together": 1,
        "optimal": True,
        "gap": 0.0,
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        (
            '{"slots": ["A"], "tutors": [], "tutees": [{"id": 1, "available": ["B"]}]}',
            "tutees[0] (id 1): unknown slot 'B' in available",
        ),
        (
            '{"slots": ["A"], "tutors": [{"id": 1, "available": []}], "tutees": [{"id": 1}]}',
            "tutees[0] (id 1): duplicate id (also tutors[0] (id 1))",
        ),
        (
            '{"slots": ["A"], "group_size": {"min": 5, "max": 2}, "tutors": [], "tutees": []}',
            "group_size: max (2) is below min (5)",
        ),
    ],
)
def test_allocate_command_rejects_bad_input_naming_the_entry(tmp_path, content, message):
    source = tmp_path / "in.json"
    source.write_text(content)

    with pytest.raises(CommandError) as error:
        call_command("tutorials", "allocate", str(source), "-o", str(tmp_path / "out.json"))

    assert message in str(error.value)
    assert not (tmp_path / "out.json").exists()


def test_availability_rows_are_never_in_group_pages(client, boss, programme, cohort):
    services.run_allocation(programme=programme, by=boss)
    services.publish_programme(programme=programme, by=boss)
    group = programme.groups.get(slot__weekday=1)
    client.force_login(cohort["ann"].member)

    response = client.get(reverse("tutorials:group-detail", args=[group.pk]))

    assert ("If need be" in response.content.decode(), Availability.objects.count() > 0) == (
        False,
        True,
    )


def test_published_group_sessions_are_seen_only_by_the_group(client, boss, programme, cohort):
    services.run_allocation(programme=programme, by=boss)
    services.publish_programme(programme=programme, by=boss)
    tue_session = Session.objects.filter(series__tutorial_group__slot__weekday=1).earliest(
        "starts_at"
    )
    outsider = UserFactory(name="Other Year 2")  # same year, not in any group

    client.force_login(cohort["ann"].member)
    ann_timetable = client.get(reverse("teaching:timetable"))
    client.force_login(outsider)
    outsider_timetable = client.get(reverse("teaching:timetable"))
    outsider_detail = client.get(reverse("teaching:session-detail", args=[tue_session.pk]))
    outsider_register = client.post(reverse("teaching:session-register", args=[tue_session.pk]))

    assert tue_session.title in ann_timetable.content.decode()
    assert "Year 2 OSCE" not in outsider_timetable.content.decode()
    assert (outsider_detail.status_code, outsider_register.status_code) == (404, 404)
    assert not Registration.objects.filter(member=outsider).exists()
