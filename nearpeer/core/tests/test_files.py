"""Serving stored files: a file the database names but storage has lost is a 404 and a warning
in the log, never a server error; inline files keep to their declared type."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import Http404

from nearpeer.core.files import inline_response, open_or_404


@pytest.fixture
def storage(tmp_path):
    return FileSystemStorage(location=tmp_path)


def test_a_stored_file_opens_and_a_lost_one_is_a_404(storage, caplog):
    name = storage.save("notes/cases.txt", ContentFile(b"two cases"))
    with open_or_404(storage=storage, name=name) as stream:
        assert stream.read() == b"two cases"
    storage.delete(name)
    with pytest.raises(Http404):
        open_or_404(storage=storage, name=name)
    assert f"stored file {name} unreadable" in caplog.text


def test_an_inline_file_keeps_to_its_type_and_runs_nothing(storage):
    name = storage.save("ecg.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
    response = inline_response(
        open_or_404(storage=storage, name=name), content_type="image/png", cache_control="private"
    )
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Cache-Control"] == "private"
    assert b"".join(response.streaming_content) == b"\x89PNG\r\n\x1a\n"
