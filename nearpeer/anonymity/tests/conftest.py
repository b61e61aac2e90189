import pytest

from nearpeer.anonymity import store


@pytest.fixture
def sink():
    """A sink for scopes `test:…` that keeps what it was handed, batch by batch."""
    batches: list[tuple[str, list[dict]]] = []
    store.register_sink("test:", lambda scope, payloads: batches.append((scope, payloads)))
    yield batches
    store._sinks.pop("test:", None)
