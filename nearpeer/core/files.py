"""Serving uploaded files to someone a view has already allowed to have them."""

import logging
import os
from typing import IO

from django.conf import settings
from django.core.files.storage import Storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

logger = logging.getLogger("nearpeer.files")


def signs_urls(storage) -> bool:
    """True for object storage that hands out signed, expiring URLs (S3 and compatibles)."""
    return bool(getattr(storage, "querystring_auth", False)) and hasattr(storage, "bucket_name")


def open_or_404(
    file: FieldFile | None = None, *, storage: Storage | None = None, name: str = ""
) -> IO:
    """A stored file, open for reading: the FieldFile `file`, or `name` in `storage`. A file the
    database names but storage no longer has (removed by hand, a restore without the media) is
    a 404 for the visitor and a warning in the log, not a server error."""
    try:
        return file.open("rb") if file is not None else storage.open(name, "rb")
    except OSError as exc:  # FileNotFoundError on a disk; django-storages raises it for S3 too
        logger.warning(
            "stored file %s unreadable: %s", file.name if file is not None else name, exc
        )
        raise Http404("This file is no longer stored.") from exc


def inline_response(stream: IO, *, content_type: str, cache_control: str = "") -> FileResponse:
    """An uploaded image (or other file) shown in the page: its declared type only (nosniff) and
    nothing it could run or load (a CSP of its own), for an SVG or a mislabelled upload."""
    response = FileResponse(stream, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    if cache_control:
        response["Cache-Control"] = cache_control
    return response


def download_response(
    content: bytes | str, filename: str, content_type: str, *, cache_control: str = ""
) -> HttpResponse:
    """A file made in memory (an export, a report), downloaded rather than shown."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    if cache_control:
        response["Cache-Control"] = cache_control
    return response


def private_file_response(
    file: FieldFile, *, content_type: str = "", filename: str | None = None
) -> HttpResponse:
    """An attachment response for an uploaded file. On object storage that signs URLs the browser
    is redirected to a URL that expires after NEARPEER_SIGNED_URL_SECONDS, so no app server
    streams the bytes and any server can answer; on a local disk the file is streamed. Either way
    the response is never cached and always downloads rather than opening in the page."""
    filename = filename or os.path.basename(file.name)
    content_type = content_type or "application/octet-stream"
    if signs_urls(file.storage):
        url = file.storage.url(
            file.name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(True, filename),
                "ResponseContentType": content_type,
            },
            expire=settings.NEARPEER_SIGNED_URL_SECONDS,
        )
        response: HttpResponse = HttpResponseRedirect(url)
    else:
        response = FileResponse(
            open_or_404(file), as_attachment=True, filename=filename, content_type=content_type
        )
    response["Cache-Control"] = "private, no-store"
    return response
