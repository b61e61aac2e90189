"""The production cache and channel layer against a real Redis (NEARPEER_TEST_REDIS_URL).

Two independent client objects stand for two app-server processes: what one writes or sends,
the other sees."""

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.core.cache.backends.redis import RedisCache

pytestmark = pytest.mark.redis


def run(coroutine):
    """asyncio.run in a thread of its own: browser tests keep an event loop in the main one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_redis_cache_shared_between_processes(redis_url):
    first = RedisCache(redis_url, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    second = RedisCache(redis_url, {"KEY_PREFIX": first.key_prefix})

    first.set("answer", {"n": 42}, timeout=30)
    second.set("counter", 1, timeout=30)
    first.incr("counter", 2)

    assert (second.get("answer"), second.get("counter")) == ({"n": 42}, 3)
    second.delete_many(["answer", "counter"])
    assert first.get("answer") is None


def test_channel_layer_group_send_reaches_another_process(redis_url):
    group = f"test-{uuid.uuid4().hex}"

    async def scenario():
        sender = RedisPubSubChannelLayer(hosts=[redis_url])
        receiver = RedisPubSubChannelLayer(hosts=[redis_url])
        try:
            channel = await receiver.new_channel()
            await receiver.group_add(group, channel)
            await asyncio.sleep(0.1)  # let the subscription reach Redis
            await sender.group_send(group, {"type": "results.update", "count": 7})
            return await asyncio.wait_for(receiver.receive(channel), timeout=5)
        finally:
            await sender.flush()
            await receiver.flush()

    assert run(scenario()) == {"type": "results.update", "count": 7}


def test_channel_layer_message_not_delivered_to_other_groups(redis_url):
    async def scenario():
        sender = RedisPubSubChannelLayer(hosts=[redis_url])
        receiver = RedisPubSubChannelLayer(hosts=[redis_url])
        try:
            channel = await receiver.new_channel()
            await receiver.group_add(f"mine-{uuid.uuid4().hex}", channel)
            await asyncio.sleep(0.1)
            await sender.group_send(f"other-{uuid.uuid4().hex}", {"type": "x"})
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(receiver.receive(channel), timeout=0.5)
        finally:
            await sender.flush()
            await receiver.flush()

    run(scenario())
