"""The committee's tag page: create, rename and merge, with names unique per kind."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from nearpeer.members.tests.factories import committee
from nearpeer.questions.models import Tag, TagKind
from nearpeer.questions.services import create_tag, merge_tags, rename_tag

from .factories import make_question, tag


@pytest.mark.django_db
def test_create_tag_tidies_spaces():
    created = create_tag(kind=TagKind.SYSTEM, name="  Renal   and urinary ")
    assert (created.kind, created.name) == ("system", "Renal and urinary")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("cardiology", "The specialty tag “Cardiology” already exists: merge instead."),
        ("C", "A tag name has 2 to 60 characters."),
        ("x" * 61, "A tag name has 2 to 60 characters."),
        ("Acute_medicine", "Use spaces, not underscores."),
    ],
)
def test_create_tag_refuses_bad_names(name, message):
    tag("Cardiology")
    with pytest.raises(ValidationError) as exc:
        create_tag(kind=TagKind.SPECIALTY, name=name)
    assert exc.value.message_dict == {"name": [message]}


@pytest.mark.django_db
def test_same_name_in_another_kind_is_fine():
    tag("Cardiology")
    assert create_tag(kind=TagKind.SYSTEM, name="Cardiology").kind == "system"


@pytest.mark.django_db
def test_rename_may_change_case_of_itself_but_not_clash():
    cardio, _ = tag("cardiology"), tag("Neurology")
    assert rename_tag(tag=cardio, name="Cardiology").name == "Cardiology"
    with pytest.raises(ValidationError) as exc:
        rename_tag(tag=cardio, name="NEUROLOGY")
    assert exc.value.message_dict == {
        "name": ["The specialty tag “Neurology” already exists: merge instead."]
    }


@pytest.mark.django_db
def test_merge_moves_questions_without_duplicates_and_deletes_source():
    cardio, cardiac = tag("Cardiology"), tag("Cardiac medicine")
    both = make_question(tags=[cardio, cardiac])
    only_source = make_question(tags=[cardiac])
    only_target = make_question(tags=[cardio])

    moved = merge_tags(source=cardiac, target=cardio)

    assert moved == 1
    assert not Tag.objects.filter(pk=cardiac.pk).exists()
    assert [
        list(q.tags.values_list("name", flat=True)) for q in (both, only_source, only_target)
    ] == [
        ["Cardiology"],
        ["Cardiology"],
        ["Cardiology"],
    ]


@pytest.mark.django_db
def test_merge_refuses_other_kind_and_itself():
    cardio, system = tag("Cardiology"), tag("Cardiovascular", TagKind.SYSTEM)
    with pytest.raises(ValidationError) as other:
        merge_tags(source=cardio, target=system)
    with pytest.raises(ValidationError) as same:
        merge_tags(source=cardio, target=cardio)
    assert (other.value.message_dict, same.value.message_dict) == (
        {"target": ["Tags can only be merged with a tag of the same kind."]},
        {"target": ["Choose a different tag to merge into."]},
    )


@pytest.mark.django_db
def test_tag_pages_over_http(client):
    boss = committee()
    client.force_login(boss)
    url = reverse("questions:tag-list")

    response = client.post(url, {"kind": "exam", "name": "OSCE knowledge"}, follow=True)
    assert "Exam tag “OSCE knowledge” created." in response.content.decode()
    duplicate = client.post(url, {"kind": "exam", "name": "osce knowledge"}).content.decode()
    assert "The exam tag “OSCE knowledge” already exists: merge instead." in duplicate

    osce, written = Tag.objects.get(name="OSCE knowledge"), tag("Written", TagKind.EXAM)
    make_question(tags=[tag(), osce])
    edit = reverse("questions:tag-edit", kwargs={"pk": osce.pk})
    page = client.get(edit).content.decode()
    assert "Used on 1 question." in page
    assert f'<option value="{written.pk}">Written</option>' in page
    renamed = client.post(edit, {"action": "rename", "name": "OSCE"}, follow=True)
    assert "Renamed to “OSCE”." in renamed.content.decode()
    merged = client.post(edit, {"action": "merge", "target": written.pk}, follow=True)
    assert "“OSCE” merged into “Written” (1 question moved)." in merged.content.decode()
    assert list(Tag.objects.filter(kind="exam").values_list("name", flat=True)) == ["Written"]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 3])
def test_tag_list_in_constant_queries(client, django_assert_num_queries, rows):
    for n in range(rows):
        make_question(tags=[tag(f"Specialty {n}"), tag(f"System {n}", TagKind.SYSTEM)])
    client.force_login(committee())
    with django_assert_num_queries(4):
        response = client.get(reverse("questions:tag-list"))
    assert response.content.decode().count('<a href="/questions/tags/') == 2 * rows
