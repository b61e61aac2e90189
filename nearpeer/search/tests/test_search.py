"""Site-wide search, with the same expectations on SQLite (FTS5) and PostgreSQL (tsvector): each
test runs once per database; the PostgreSQL run is marked `postgres` (make test's second pass)."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from nearpeer.library.models import Audience, Status
from nearpeer.library.tests.factories import make_resource, pdf_bytes
from nearpeer.members.tests.factories import UserFactory, teacher
from nearpeer.questions.models import Status as QuestionStatus
from nearpeer.questions.tests.factories import make_question, tag
from nearpeer.search import index
from nearpeer.teaching.models import Registration
from nearpeer.teaching.tests.factories import SeriesFactory, SessionFactory


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)],
    autouse=True,
)
def database(request, db):
    if connection.vendor != request.param:
        pytest.skip(f"this copy runs on {request.param}")
    return request.param


@pytest.fixture
def member():
    return UserFactory(year=2, email="searcher@example.ac.uk")


def titles(user, query, **kwargs):
    return [r.title for r in index.search(user, query, **kwargs).results]


def test_exact_title_match_comes_first(member):
    make_resource(title="Anaemia", summary="Haemoglobin low. Haemoglobin, haemoglobin everywhere.")
    make_resource(title="Haemoglobin disorders", summary="Sickle cell and thalassaemia.")
    make_resource(title="Haemoglobin", summary="What it carries.")
    found = titles(member, "haemoglobin")
    assert found[0] == "Haemoglobin"
    assert sorted(found) == ["Anaemia", "Haemoglobin", "Haemoglobin disorders"]
    # Case and accents do not matter for the exact match either.
    assert titles(member, "HAEMOGLOBIN")[0] == "Haemoglobin"


def test_title_words_rank_above_body_words(member):
    make_resource(title="Renal physiology", summary="The loop of Henle and the nephron.")
    make_resource(title="Nephron segments", summary="Where sodium goes.")
    assert titles(member, "nephron") == ["Nephron segments", "Renal physiology"]


def test_plurals_and_accents_match(member):
    make_resource(title="Haemoglobins of the newborn", summary="Fetal forms.")
    make_resource(title="Ménière's disease", summary="Vertigo, tinnitus, hearing loss.")
    make_resource(title="Vestibular notes", summary="Meniere and labyrinthitis compared.")
    assert titles(member, "haemoglobin") == ["Haemoglobins of the newborn"]
    assert sorted(titles(member, "meniere")) == ["Ménière's disease", "Vestibular notes"]
    assert sorted(titles(member, "Ménière")) == ["Ménière's disease", "Vestibular notes"]


def test_a_word_only_inside_an_attachment_is_found_with_a_highlighted_snippet(member):
    make_resource(
        title="Adrenal guide",
        summary="Tumours of the adrenal gland.",
        files={"adrenal.pdf": pdf_bytes("Phaeochromocytoma presents with paroxysmal headache.")},
    )
    page = index.search(member, "paroxysmal")
    assert [r.title for r in page.results] == ["Adrenal guide"]
    assert "<mark>paroxysmal</mark>" in page.results[0].snippet.lower()


def test_snippets_are_escaped(member):
    make_resource(title="Arrhythmias", summary='<script>alert("x")</script> tachycardia & more')
    snippet = index.search(member, "tachycardia").results[0].snippet
    assert "<mark>tachycardia</mark>" in snippet.lower()
    # PostgreSQL's headline drops the tag, SQLite's snippet keeps it as text: escaped either way.
    unmarked = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in unmarked and ">" not in unmarked
    assert "&amp; more" in snippet


def test_kind_and_tag_filters(member):
    cardiology, renal = tag("Cardiology"), tag("Renal")
    make_resource(title="Murmur guide", summary="Aortic stenosis murmur.", tags=[cardiology])
    make_resource(
        title="Renal murmur?", summary="Bruits over the renal artery murmur.", tags=[renal]
    )
    make_question(title="Murmur question", stem="An ejection systolic murmur.", tags=[cardiology])
    assert sorted(titles(member, "murmur", kinds=["question"])) == ["Murmur question"]
    assert sorted(titles(member, "murmur", kinds=["resource"])) == ["Murmur guide", "Renal murmur?"]
    assert sorted(titles(member, "murmur", tag_id=cardiology.pk)) == [
        "Murmur guide",
        "Murmur question",
    ]
    assert sorted(titles(member, "murmur")) == ["Murmur guide", "Murmur question", "Renal murmur?"]


def test_nothing_a_member_may_not_open(member, client):
    now = timezone.now()
    make_resource(
        title="Tutor case: chest pain", summary="Mark scheme.", audience=Audience.TEACHERS
    )
    make_resource(title="Chest pain draft", summary="Unfinished.", status=Status.DRAFT)
    make_resource(title="Chest pain review", summary="Waiting.", status=Status.IN_REVIEW)
    make_resource(title="Chest pain guide", summary="For everyone.")
    make_question(title="Chest pain draft question", status=QuestionStatus.DRAFT)
    make_question(title="Chest pain submitted question", status=QuestionStatus.SUBMITTED)
    make_question(title="Chest pain question", status=QuestionStatus.PUBLISHED)
    start = now + timedelta(days=3)
    own_year = SessionFactory(
        title="Chest pain lecture",
        target_years_mask=1 << 2,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    SessionFactory(
        title="Chest pain year 5",
        target_years_mask=1 << 5,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    invited = SessionFactory(
        title="Chest pain tutorial group",
        target_years_mask=0,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    SeriesFactory(title="Chest pain series", target_years_mask=1 << 2)
    SeriesFactory(title="Chest pain series for finals", target_years_mask=1 << 6)

    expected = [
        "Chest pain guide",
        "Chest pain lecture",
        "Chest pain question",
        "Chest pain series",
    ]
    page = index.search(member, "chest pain")
    assert sorted(r.title for r in page.results) == expected
    for result in page.results:  # every result is one the member may open
        client.force_login(member)
        assert client.get(result.url, follow=True).status_code == 200, result.url

    # The command shows the same, in rank order.
    out = StringIO()
    call_command("search", "chest pain", "--as", "SEARCHER@example.ac.uk", stdout=out)
    printed = json.loads(out.getvalue())["results"]
    assert [r["title"] for r in printed] == [r.title for r in page.results]
    assert {r["kind"] for r in printed} == {"resource", "question", "session", "series"}
    lecture = next(r for r in printed if r["kind"] == "session")
    assert lecture == {
        "kind": "session", "id": own_year.pk, "title": "Chest pain lecture",
        "url": reverse("teaching:session-detail", kwargs={"pk": own_year.pk}),
    }  # fmt: skip
    out = StringIO()
    call_command("search", "chest pain", "--as", member.email, "--kind", "resource", stdout=out)
    assert [r["title"] for r in json.loads(out.getvalue())["results"]] == ["Chest pain guide"]

    # Invited: a registrant sees the invite-only session; a teacher sees teacher-only resources.
    Registration.objects.create(
        session=invited, member=member, status=Registration.Status.REGISTERED
    )
    assert "Chest pain tutorial group" in titles(member, "chest pain")
    # A kind filter leaving only short access lists (sessions: a year and single sessions),
    # which both databases intersect inside the full-text index; with a tag too.
    assert sorted(titles(member, "chest pain", kinds=["session"])) == [
        "Chest pain lecture",
        "Chest pain tutorial group",
    ]
    assert titles(member, "chest", kinds=["session"], tag_id=tag("Cardiology").pk) == []
    assert "Tutor case: chest pain" in titles(teacher(), "chest pain", kinds=["resource"])


def test_the_index_follows_publication_and_deletion(member):
    resource = make_resource(title="Sepsis six", summary="Oxygen, cultures, antibiotics.")
    assert titles(member, "sepsis") == ["Sepsis six"]
    resource.status = Status.DRAFT
    resource.save()
    assert titles(member, "sepsis") == []
    resource.status = Status.PUBLISHED
    resource.title = "Sepsis bundle"
    resource.save()
    assert titles(member, "sepsis") == ["Sepsis bundle"]
    resource.delete()
    assert titles(member, "sepsis") == []


def test_prefix_of_the_last_word_finds_results_as_you_type(member):
    make_resource(title="Pneumothorax management", summary="Aspiration then drain.")
    assert titles(member, "pneumoth") == ["Pneumothorax management"]
    assert titles(member, "the") == []  # only stop words: nothing to search for


def test_rebuild_reindexes_everything(member):
    make_resource(title="Diabetic ketoacidosis", summary="Fluids first.")
    from nearpeer.search.models import Document

    Document.objects.all().delete()
    assert titles(member, "ketoacidosis") == []
    out = StringIO()
    call_command("search_reindex", stdout=out)
    assert "resource: 1 indexed" in out.getvalue()
    assert titles(member, "ketoacidosis") == ["Diabetic ketoacidosis"]


def test_migrate_rebuilds_documents_indexed_before_access_terms(member):
    """An upgraded site's documents from before search/0003 have no access terms; the
    post_migrate handler rebuilds them so they are found again without a manual step."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    from nearpeer.search.models import Document

    make_resource(title="Diabetic ketoacidosis", summary="Fluids first.")
    Document.objects.update(access="", vector=None, head=None)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO search_document_fts(search_document_fts) VALUES ('rebuild')"
            )
    assert titles(member, "ketoacidosis") == []
    config = apps.get_app_config("search")
    post_migrate.send(sender=config, app_config=config, using="default", verbosity=0, apps=apps)
    assert titles(member, "ketoacidosis") == ["Diabetic ketoacidosis"]
    assert not Document.objects.filter(access="").exists()


def test_a_broad_query_ranks_title_matches_and_the_newest_others(member, monkeypatch):
    monkeypatch.setattr(index, "RANK_CANDIDATES", 2)
    make_resource(title="Oxygen therapy", summary="Targets and devices.")  # oldest, title match
    for n in range(4):
        make_resource(title=f"Ward guide {n}", summary="Give oxygen when saturation is low.")
    make_resource(title="Teacher notes", summary="Oxygen.", audience=Audience.TEACHERS)
    found = titles(member, "oxygen therapy")
    assert found == ["Oxygen therapy"]
    # Title matches, then the two newest others the member may open (not the teacher-only one).
    # The two guides score the same (same text): SQLite's FTS5 sorter keeps ties in index order.
    found = titles(member, "oxygen")
    assert (found[0], sorted(found[1:])) == ("Oxygen therapy", ["Ward guide 2", "Ward guide 3"])


def test_pages_run_on_across_the_tiers(member):
    make_resource(title="Insulin", summary="Types of insulin.")
    for n in range(3):
        make_resource(title=f"Insulin regimen {n}", summary="Basal bolus.")
    for n in range(3):
        make_resource(title=f"Ward round {n}", summary=f"Check the insulin chart {'x ' * n}.")
    first = index.search(member, "insulin", per_page=3)
    second = index.search(member, "insulin", per_page=3, page=2)
    third = index.search(member, "insulin", per_page=3, page=3)
    shown = [[r.title for r in p.results] for p in (first, second, third)]
    assert shown[0][0] == "Insulin"
    assert sorted(shown[0][1:] + shown[1][:1]) == [f"Insulin regimen {n}" for n in range(3)]
    assert sorted(shown[1][1:] + shown[2]) == [f"Ward round {n}" for n in range(3)]
    assert (first.has_next, second.has_next, third.has_next) == (True, True, False)


def test_an_exact_title_match_is_filtered_like_the_rest(member):
    renal = tag("Renal")
    make_resource(title="Hyperkalaemia", summary="ECG changes.", tags=[renal])
    make_resource(title="Hyperkalaemia", summary="Teachers' case.", audience=Audience.TEACHERS)
    make_question(title="Hyperkalaemia", stem="Which ECG change comes first?")
    assert titles(member, "hyperkalaemia", kinds=["resource"]) == ["Hyperkalaemia"]
    assert titles(member, "hyperkalaemia", tag_id=renal.pk) == ["Hyperkalaemia"]
    assert [r.kind for r in index.search(member, "hyperkalaemia").results] == [
        "question",
        "resource",
    ]


def test_a_search_costs_the_same_few_queries_however_many_results(
    member, settings, database, django_assert_num_queries
):
    """Uncached: the member's held sessions, then on PostgreSQL one statement for the exact and
    title tiers and one for the other tier when the page reaches it; on SQLite the exact
    matches, then one statement per tier (and, on a later page crossing into the other tier,
    the title tier's rows to leave out). No query per result."""
    settings.NEARPEER_SEARCH_CACHE_SECONDS = 0
    for n in range(25):
        make_resource(title=f"Thrombolysis {n}", summary="Door to needle.")
        make_resource(title=f"Stroke pathway {n}", summary="Consider thrombolysis early.")
    index.search(member, "warm")  # the member's roles, read once and kept on the user
    title_page = 2 if database == "postgresql" else 3
    with django_assert_num_queries(title_page):
        page = index.search(member, "thrombolysis")
    assert len(page.results) == 20 and page.has_next
    assert all(r.title.startswith("Thrombolysis") for r in page.results)
    with django_assert_num_queries(title_page + (1 if database == "postgresql" else 2)):
        page = index.search(member, "thrombolysis", page=2)
    # Five title matches left, then the body matches, ranked as before.
    titles_ = [r.title for r in page.results]
    assert all(t.startswith("Thrombolysis") for t in titles_[:5])
    assert all(t.startswith("Stroke pathway") for t in titles_[5:]) and len(titles_) == 20
    with django_assert_num_queries(title_page + 1):
        page = index.search(member, "needle")
    assert len(page.results) == 20 and page.has_next


# --- The result cache -------------------------------------------------------------------------


@pytest.fixture
def searches(monkeypatch):
    """How many searches really ran (cache misses)."""
    ran = []
    real = index._search

    def counted(*args, **kwargs):
        ran.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(index, "_search", counted)
    return ran


def test_a_repeated_search_is_served_from_the_cache_shared_by_members_with_the_same_access(
    member, searches
):
    make_resource(title="Hyponatraemia guide", summary="Fluid restriction first.")
    assert titles(member, "hyponatraemia") == ["Hyponatraemia guide"]
    assert titles(member, "hyponatraemia") == ["Hyponatraemia guide"]
    assert titles(UserFactory(year=2), "hyponatraemia") == ["Hyponatraemia guide"]
    assert len(searches) == 1
    # Another query, page, filter or page size is another entry.
    titles(member, "hyponatraemia", page=2)
    titles(member, "hyponatraemia", kinds=["resource"])
    titles(member, "hyponatraemia", per_page=5)
    titles(member, "hyponatraemia guide")
    assert len(searches) == 5


def test_a_hidden_unpublished_or_deleted_item_leaves_cached_results_at_once(member, searches):
    hidden = make_resource(title="Sodium balance, part 1", summary="Osmolality.")
    unpublished = make_resource(title="Sodium balance, part 2", summary="Osmolality.")
    deleted = make_resource(title="Sodium balance, part 3", summary="Osmolality.")
    assert len(titles(member, "osmolality")) == 3
    assert len(titles(member, "osmolality")) == 3
    assert len(searches) == 1
    hidden.audience = Audience.TEACHERS
    hidden.save()
    assert sorted(titles(member, "osmolality")) == [
        "Sodium balance, part 2",
        "Sodium balance, part 3",
    ]
    unpublished.status = Status.DRAFT
    unpublished.save()
    assert titles(member, "osmolality") == ["Sodium balance, part 3"]
    deleted.delete()
    assert titles(member, "osmolality") == []
    # A question removed from the bank, too.
    question = make_question(title="Osmolality question", stem="Serum osmolality.")
    assert titles(member, "osmolality") == ["Osmolality question"]
    question.delete()
    assert titles(member, "osmolality") == []


def test_members_with_different_access_never_share_cached_results(member):
    make_resource(title="Tutor case: syncope", summary="Mark scheme.", audience=Audience.TEACHERS)
    make_resource(title="Syncope guide", summary="For everyone.")
    start = timezone.now() + timedelta(days=3)
    invited = SessionFactory(
        title="Syncope tutorial group",
        target_years_mask=0,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    guest = UserFactory(year=2)
    Registration.objects.create(
        session=invited, member=guest, status=Registration.Status.REGISTERED
    )
    tutor = teacher()
    # Whoever searches first, the others never get their page.
    assert sorted(titles(tutor, "syncope", kinds=["resource"])) == [
        "Syncope guide",
        "Tutor case: syncope",
    ]
    assert titles(member, "syncope", kinds=["resource"]) == ["Syncope guide"]
    assert sorted(titles(guest, "syncope")) == ["Syncope guide", "Syncope tutorial group"]
    assert titles(member, "syncope") == ["Syncope guide"]
    assert "Tutor case: syncope" in titles(tutor, "syncope")
    # A member given a place sees the session at once; losing it, no longer.
    registration = Registration.objects.create(
        session=invited, member=member, status=Registration.Status.REGISTERED
    )
    assert sorted(titles(member, "syncope")) == ["Syncope guide", "Syncope tutorial group"]
    registration.delete()
    assert titles(member, "syncope") == ["Syncope guide"]


def test_the_cache_can_be_turned_off(member, searches, settings):
    settings.NEARPEER_SEARCH_CACHE_SECONDS = 0
    make_resource(title="Hypercalcaemia guide", summary="Bones, stones, groans.")
    titles(member, "hypercalcaemia")
    titles(member, "hypercalcaemia")
    assert len(searches) == 2


def test_every_write_to_the_documents_changes_the_index_version(member):
    resource = make_resource(title="Gout guide", summary="Urate crystals.")
    make_resource(title="Gout diet", summary="Purines.")
    seen = {index.index_version()}
    resource.title = "Gout and pseudogout"
    resource.save()
    seen.add(index.index_version())
    resource.delete()
    seen.add(index.index_version())
    from nearpeer.search.models import Document

    Document.objects.all().delete()  # even a write behind the providers' back
    seen.add(index.index_version())
    assert None not in seen and len(seen) == 4
