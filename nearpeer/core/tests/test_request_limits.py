"""Issue #8, finding 8: the embedded server wrote an anonymous 400 MiB request body to disk
before refusing it. The ASGI application now answers 413 before reading such a body."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.testing import ApplicationCommunicator

from nearpeer.asgi import application

MiB = 1024 * 1024


def run(coroutine):
    """asyncio.run in a thread of its own: browser tests keep an event loop in the main one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _scope(headers: list[tuple[bytes, bytes]], path: str = "/members/sign-in/") -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _exchange(scope, chunks: list[bytes], app=application) -> tuple[int, bytes, int]:
    """Send the chunks (stopping once the server answers); return (status, body, chunks the
    server took)."""
    app = ApplicationCommunicator(app, scope)
    sent = 0
    for n, chunk in enumerate(chunks):
        await app.send_input(
            {"type": "http.request", "body": chunk, "more_body": n < len(chunks) - 1}
        )
        sent += 1
        if not app.output_queue.empty():
            break
        await asyncio.sleep(0.01)
        if not app.output_queue.empty():
            break
    start = await app.receive_output(timeout=5)
    body = await app.receive_output(timeout=5)
    await app.wait(timeout=5)
    return start["status"], body["body"], sent


def test_anonymous_request_with_a_large_length_is_refused_before_any_body(settings, db):
    settings.NEARPEER_MAX_ANONYMOUS_REQUEST_KB = 1024
    scope = _scope([(b"content-length", str(400 * MiB).encode())])

    status, body, _ = run(_exchange(scope, [b""]))

    assert (status, body) == (413, b"Request too large: the limit is 1 MB when not signed in.\n")


def test_chunked_anonymous_body_is_cut_off_at_the_limit(settings, db):
    settings.NEARPEER_MAX_ANONYMOUS_REQUEST_KB = 256
    scope = _scope([(b"transfer-encoding", b"chunked")])
    chunks = [b"x" * (64 * 1024)] * 100  # 6.4 MiB offered

    status, body, taken = run(_exchange(scope, chunks))

    assert (status, body) == (413, b"Request too large: the limit is 256 KB when not signed in.\n")
    assert taken <= 6  # stopped after ~256 KiB, not after 6.4 MiB


async def _echo_app(scope, receive, send):
    """Stands for Django: reads the whole body and answers 200 with its length."""
    size, more = 0, True
    while more:
        event = await receive()
        if event["type"] == "http.disconnect":
            return
        size += len(event.get("body", b""))
        more = event.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def test_small_requests_pass_through(settings):
    from nearpeer.core.limits import RequestSizeLimit

    settings.NEARPEER_MAX_ANONYMOUS_REQUEST_KB = 1
    scope = _scope([(b"transfer-encoding", b"chunked")])

    status, body, _ = run(
        _exchange(scope, [b"a" * 500, b"b" * 500], app=RequestSizeLimit(_echo_app))
    )

    assert (status, body) == (200, b"1000")


@pytest.mark.django_db(transaction=True)
def test_signed_in_upload_may_be_larger(client, settings):
    from nearpeer.core.limits import RequestSizeLimit
    from nearpeer.members.tests.factories import UserFactory

    settings.NEARPEER_MAX_ANONYMOUS_REQUEST_KB = 64
    client.force_login(UserFactory())
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    scope = _scope([(b"content-length", str(200 * 1024).encode()), (b"cookie", cookie.encode())])

    status, body, _ = run(_exchange(scope, [b"x" * (200 * 1024)], app=RequestSizeLimit(_echo_app)))

    assert (status, body) == (200, str(200 * 1024).encode())


def test_wsgi_path_refuses_by_length_too(client, db, settings):
    settings.NEARPEER_MAX_ANONYMOUS_REQUEST_KB = 1

    response = client.post(
        "/members/sign-in/", data="x" * 4096, content_type="application/octet-stream"
    )

    assert (response.status_code, response.content) == (
        413,
        b"Request too large: the limit is 1 KB when not signed in.\n",
    )
