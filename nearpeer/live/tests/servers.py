"""Real uvicorn processes for the scale-out and browser tests: started on a free port against
the test database, stopped (by their own process id) afterwards."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from urllib.parse import quote

import httpx
from django.conf import settings
from django.db import connection


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    s = connection.settings_dict
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    return (
        f"postgresql://{quote(s['USER'])}{password}@{s['HOST'] or '127.0.0.1'}:"
        f"{s['PORT'] or 5432}/{s['NAME']}"
    )


@contextmanager
def uvicorn_server(*, redis_url: str = "", prefix: str = "", extra_env: dict | None = None):
    """Yield the base URL of a uvicorn serving nearpeer.asgi on the test database."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": redis_url,
        "NEARPEER_REDIS_PREFIX": prefix,
        # The test process's key: sessions it creates are valid on the server.
        "SECRET_KEY": settings.SECRET_KEY,
        "NEARPEER_DEBUG": "1",  # static files unhashed: no collectstatic needed
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "nearpeer.settings",
        **(extra_env or {}),
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "uvicorn", "nearpeer.asgi:application", "--host", "127.0.0.1",
        "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    # Up means answering: 503 is the readiness check naming a dependency that is
                    # down (the Redis-down test starts a server that way on purpose).
                    if httpx.get(base + "/healthz", timeout=2).status_code in (200, 503):
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"uvicorn did not start: {log.read().decode()[-2000:]}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def signed_in_cookie(user, base: str) -> dict:
    """A session cookie for `user`, made here (the server shares the key and the database):
    the test process hashes passwords with a hasher the server does not accept."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return {"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": base}
