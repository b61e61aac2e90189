"""The static storage remembers each name's hashed address (core/staticfiles.py): the same
address as the manifest gives, a missing file still refused, a new storage starts afresh."""

import json

import pytest

from nearpeer.core.staticfiles import StaticFilesStorage


def _storage(tmp_path, paths: dict) -> StaticFilesStorage:
    manifest = {"paths": paths, "version": "1.1", "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticFilesStorage(location=tmp_path, base_url="/static/")


def test_the_manifests_address_remembered(tmp_path, settings):
    settings.DEBUG = False
    storage = _storage(tmp_path, {"css/a.css": "css/a.0123456789ab.css"})

    first, again = storage.url("css/a.css"), storage.url("css/a.css")
    assert first == again == "/static/css/a.0123456789ab.css"
    assert storage._addresses == {"css/a.css": first}
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        storage.url("css/missing.css")
    assert "css/missing.css" not in storage._addresses

    newer = _storage(tmp_path, {"css/a.css": "css/a.ba9876543210.css"})
    assert newer.url("css/a.css") == "/static/css/a.ba9876543210.css"
