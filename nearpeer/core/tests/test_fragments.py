"""core/cache.py's fragments: one round trip for the versions and the fragment, never a
fragment built at another version; and one Redis client per pool, not one per operation."""

import uuid

import pytest
from django.core.cache import cache

from nearpeer.core.cache import ResilientRedisCache, bump, fragment, fragments
from nearpeer.core.tests.redis_commands import redis_commands


@pytest.fixture
def topic():
    return f"test-{uuid.uuid4().hex}"


def test_fragment_is_built_once_then_read(topic):
    built = []

    def build():
        built.append(1)
        return {"html": "<p>shared</p>"}

    first = fragment("t:a", (topic,), build)
    second = fragment("t:a", (topic,), build)

    assert (first, second, len(built)) == ({"html": "<p>shared</p>"}, first, 1)


def test_a_bump_makes_the_next_read_build_afresh(topic):
    values = iter(["old", "new"])
    assert fragment("t:b", (topic,), lambda: next(values)) == "old"

    bump(topic)

    assert fragment("t:b", (topic,), lambda: next(values)) == "new"
    assert fragment("t:b", (topic,), lambda: "unused") == "new"


def test_a_fragment_stored_at_another_version_is_not_served(topic):
    fragment("t:c", (topic,), lambda: "current")
    # What a render that started before a write would have stored late, at the old version.
    cache.set("nearpeer:fragment:t:c", ("0", "stale"), 60)

    assert fragment("t:c", (topic,), lambda: "rebuilt") == "rebuilt"


def test_fragments_of_several_topics_change_with_any_of_them(topic):
    other = topic + "-other"
    assert fragment("t:d", (topic, other), lambda: 1) == 1

    bump(other)

    assert fragment("t:d", (topic, other), lambda: 2) == 2


@pytest.mark.redis
def test_one_redis_client_per_pool(redis_url):
    backend = ResilientRedisCache(redis_url, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    backend.set("k", "v", 30)

    assert backend.get("k") == "v"
    assert backend._cache.get_client(write=True) is backend._cache.get_client(write=True)
    backend.delete("k")


def test_several_fragments_come_back_in_order_and_are_built_once(topic):
    built = []

    def build(value):
        def run():
            built.append(value)
            return value

        return run

    specs = [("t:e1", (topic,), build("one")), ("t:e2", (topic, topic + "-x"), build("two"))]
    first = fragments(specs)
    second = fragments(specs)

    assert first == second == ["one", "two"] and built == ["one", "two"]
    # The same entries as fragment() reads and writes.
    assert fragment("t:e2", (topic, topic + "-x"), lambda: "unused") == "two"


def test_a_bump_rebuilds_only_the_fragments_showing_that_topic(topic):
    other = topic + "-other"
    assert fragments([("t:f1", (topic,), lambda: 1), ("t:f2", (other,), lambda: 2)]) == [1, 2]

    bump(other)

    assert fragments([("t:f1", (topic,), lambda: 0), ("t:f2", (other,), lambda: 3)]) == [1, 3]


def test_several_fragments_never_serve_one_stored_at_another_version(topic):
    fragments([("t:g", (topic,), lambda: "current")])
    cache.set("nearpeer:fragment:t:g", ("0", "stale"), 60)

    assert fragments([("t:g", (topic,), lambda: "rebuilt")]) == ["rebuilt"]


@pytest.mark.redis
def test_several_fragments_are_read_in_one_round_trip(redis_url, settings, topic):

    settings.CACHES = {
        "default": {
            "BACKEND": "nearpeer.core.cache.ResilientRedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": topic,
        }
    }
    specs = [("t:h1", (topic,), lambda: "a"), ("t:h2", (topic, "x" + topic), lambda: "b")]
    fragments(specs)  # builds and stores
    with redis_commands() as commands:
        assert fragments(specs) == ["a", "b"]
    assert commands == ["MGET"]


def test_fragments_read_already_are_reused_only_within_the_block(topic):
    from nearpeer.core.cache import reusing

    built = []

    def build():
        built.append(1)
        return len(built)

    spec = ("t:reused", (topic,), build)
    [value] = fragments([spec])
    assert value == 1
    with reusing([spec], [value]):
        bump(topic)  # (a page reads once: within it, what it read is what it shows)
        assert fragment(*spec) == 1 and fragments([spec, spec]) == [1, 1]
        assert built == [1]
        # A key not read before is read from the cache as usual.
        assert fragment("t:other", (topic,), lambda: "other") == "other"
    assert fragment(*spec) == 2  # after the block the bump is seen
