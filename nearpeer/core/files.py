"""Serving uploaded files to someone a view has already allowed to have them."""

import os

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header


def signs_urls(storage) -> bool:
    """True for object storage that hands out signed, expiring URLs (S3 and compatibles)."""
    return bool(getattr(storage, "querystring_auth", False)) and hasattr(storage, "bucket_name")


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
            file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
        )
    response["Cache-Control"] = "private, no-store"
    return response
