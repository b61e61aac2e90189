"""The anonymous-answer store on its own: markers, sealing, batches, closing."""

import hashlib

import pytest
from django.db import connection

from nearpeer.anonymity import store
from nearpeer.anonymity.models import Marker, PendingAnswer
from nearpeer.members.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _batch_of_five(settings):
    settings.NEARPEER_MIN_GROUP_SIZE = 5
    settings.NEARPEER_ANONYMITY_BATCH_SIZE = 0


@pytest.mark.django_db
def test_marker_is_a_keyed_hash_of_scope_and_user_not_the_user_id(settings):
    alice, bob = UserFactory(), UserFactory()

    marker = store.answer_marker(scope="test:1", user=alice)

    # Not a plain hash anyone could recompute from the user id.
    assert len(marker) == 64
    assert marker != hashlib.sha256(f"test:1\x00{alice.pk}".encode()).hexdigest()
    assert marker == store.answer_marker(scope="test:1", user=alice)
    assert marker != store.answer_marker(scope="test:2", user=alice)
    assert marker != store.answer_marker(scope="test:1", user=bob)
    settings.NEARPEER_ANONYMITY_KEY = "another key, as after a rotation"
    assert marker != store.answer_marker(scope="test:1", user=alice)


@pytest.mark.django_db
def test_submit_records_a_marker_and_holds_the_answer_sealed(sink):
    member = UserFactory(email="m@example.ac.uk")

    store.submit(scope="test:1", user=member, payload={"text": "zebra-quartz-7791"})

    assert store.has_answered(scope="test:1", user=member)
    assert not store.has_answered(scope="test:2", user=member)
    assert (store.respondent_count(scope="test:1"), store.pending_count(scope="test:1")) == (1, 1)
    (pending,) = PendingAnswer.objects.all()
    assert b"zebra" not in bytes(pending.sealed)
    assert sink == []
    (marker,) = Marker.objects.values_list("scope", "digest")
    assert marker == ("test:1", store.answer_marker(scope="test:1", user=member))


@pytest.mark.django_db
def test_a_second_answer_is_refused_and_leaves_nothing(sink):
    member = UserFactory()
    store.submit(scope="test:1", user=member, payload={"n": 1})

    with pytest.raises(store.AlreadyAnswered):
        store.submit(scope="test:1", user=member, payload={"n": 2})

    assert (store.respondent_count(scope="test:1"), store.pending_count(scope="test:1")) == (1, 1)


@pytest.mark.django_db
def test_the_batch_is_flushed_shuffled_when_it_reaches_the_batch_size(sink):
    members = [UserFactory() for _ in range(9)]

    for n, member in enumerate(members[:4]):
        store.submit(scope="test:1", user=member, payload={"n": n})
    assert sink == []
    store.submit(scope="test:1", user=members[4], payload={"n": 4})
    for n, member in enumerate(members[5:], start=5):
        store.submit(scope="test:1", user=member, payload={"n": n})

    assert [scope for scope, _ in sink] == ["test:1"]
    assert sorted(p["n"] for p in sink[0][1]) == [0, 1, 2, 3, 4]
    assert (store.respondent_count(scope="test:1"), store.pending_count(scope="test:1")) == (9, 4)


@pytest.mark.django_db
def test_the_batch_size_is_never_below_the_minimum_group_size(settings, sink):
    settings.NEARPEER_ANONYMITY_BATCH_SIZE = 2
    assert store.batch_size() == 5
    settings.NEARPEER_ANONYMITY_BATCH_SIZE = 8
    assert store.batch_size() == 8


@pytest.mark.django_db
def test_flushes_do_not_keep_the_order_of_answering(sink):
    # 12 batches of 5: each arrives in answer order by chance with probability 1/120, so all
    # twelve in order has probability 120**-12. The shuffle uses the system's CSPRNG.
    members = [UserFactory() for _ in range(60)]
    for n, member in enumerate(members):
        store.submit(scope="test:1", user=member, payload={"n": n})

    orders = [[p["n"] for p in payloads] for _, payloads in sink]
    assert len(orders) == 12
    assert any(order != sorted(order) for order in orders)


@pytest.mark.django_db
def test_close_flushes_what_is_pending_and_returns_how_many(sink):
    for n in range(3):
        store.submit(scope="test:1", user=UserFactory(), payload={"n": n})

    assert store.close(scope="test:1") == 3
    assert store.close(scope="test:1") == 0
    assert sorted(p["n"] for p in sink[0][1]) == [0, 1, 2]
    assert (store.respondent_count(scope="test:1"), store.pending_count(scope="test:1")) == (3, 0)


@pytest.mark.django_db
def test_a_sealed_answer_opens_only_in_its_scope_and_with_its_key(settings):
    sealed = store._seal("test:1", {"n": 1})

    assert store._open("test:1", sealed) == {"n": 1}
    with pytest.raises(store.SealError):
        store._open("test:2", sealed)
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(store.SealError):
        store._open("test:1", tampered)
    settings.NEARPEER_ANONYMITY_KEY = "another key"
    with pytest.raises(store.SealError):
        store._open("test:1", sealed)


@pytest.mark.django_db
def test_a_scope_without_a_sink_is_refused_before_anything_is_written():
    with pytest.raises(LookupError):
        store.submit(scope="nobody:1", user=UserFactory(), payload={})

    assert Marker.objects.count() == PendingAnswer.objects.count() == 0


@pytest.mark.django_db
def test_answered_scopes_and_users_in_one_query_each(sink, django_assert_num_queries):
    alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
    store.submit(scope="test:1", user=alice, payload={})
    store.submit(scope="test:2", user=alice, payload={})
    store.submit(scope="test:2", user=bob, payload={})

    with django_assert_num_queries(1):
        scopes = store.answered_scopes(scopes=["test:1", "test:2", "test:3"], user=alice)
    with django_assert_num_queries(1):
        users = store.answered_user_ids(scope="test:2", users=[alice, bob, carol])

    assert scopes == {"test:1", "test:2"}
    assert users == {alice.pk, bob.pk}


@pytest.mark.django_db
def test_discard_forgets_the_scope(sink):
    store.submit(scope="test:1", user=UserFactory(), payload={})

    store.discard(scope="test:1")

    assert (store.respondent_count(scope="test:1"), store.pending_count(scope="test:1")) == (0, 0)


@pytest.mark.django_db
def test_sqlite_overwrites_deleted_rows():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone() == (1,)


def test_deploy_check_warns_without_a_key_from_the_environment(settings):
    from nearpeer.anonymity.checks import anonymity_key_check

    settings.NEARPEER_ANONYMITY_KEY_FROM_ENV = False
    assert [m.id for m in anonymity_key_check(None)] == ["nearpeer.W001"]
    settings.NEARPEER_ANONYMITY_KEY_FROM_ENV = True
    settings.NEARPEER_ANONYMITY_KEY = "short"
    assert [m.id for m in anonymity_key_check(None)] == ["nearpeer.W002"]
    settings.NEARPEER_ANONYMITY_KEY = settings.SECRET_KEY
    assert [m.id for m in anonymity_key_check(None)] == ["nearpeer.E001"]


@pytest.mark.django_db
def test_close_all_command_flushes_every_scope(sink):
    from io import StringIO

    from django.core.management import call_command

    store.submit(scope="test:1", user=UserFactory(), payload={})
    store.submit(scope="test:2", user=UserFactory(), payload={})
    out = StringIO()

    call_command("anonymity_close_all", stdout=out)

    assert out.getvalue().strip() == "Flushed 2 pending answers in 2 scopes."
    assert sorted(scope for scope, _ in sink) == ["test:1", "test:2"]


def test_production_refuses_to_start_without_the_anonymity_key(tmp_path):
    from nearpeer.core.tests.test_deployment import documented_production_env, run_deploy_check

    env = documented_production_env()
    del env["NEARPEER_ANONYMITY_KEY"]

    result = run_deploy_check(env, tmp_path)

    assert result.returncode != 0
    assert "NEARPEER_ANONYMITY_KEY must be set" in result.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_flush_each_answer_exactly_once(sink):
    """Ten members answer at once (batches of five): every answer reaches the sink once."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    members = [UserFactory() for _ in range(10)]

    def answer(n: int) -> None:
        try:
            store.submit(scope="test:c", user=members[n], payload={"n": n})
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(answer, range(10)))
    store.close(scope="test:c")

    flushed = sorted(p["n"] for _, payloads in sink for p in payloads)
    assert flushed == list(range(10))
    assert store.respondent_count(scope="test:c") == 10
