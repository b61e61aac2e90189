"""Images members upload or import with a question or a station: which kinds, how large, and the
check by content (not by name or declared type). No Django imports, so the file-format modules
can use it too."""

import filetype

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
MAX_IMAGE_BYTES = 2 * 1024 * 1024


def image_mime(head: bytes) -> str | None:
    """The image type the first bytes show, or None when they are not an image we take."""
    kind = filetype.guess(head[:261])
    return kind.mime if kind is not None and kind.mime in IMAGE_TYPES else None


def image_upload_problem(upload) -> str | None:
    """Why an uploaded image is refused, or None. On success the checked type is kept on the upload
    as `content_type_checked` (rewinds the file after reading its head)."""
    if upload.size > MAX_IMAGE_BYTES:
        return "The image is larger than 2 MB."
    mime = image_mime(upload.read(261))
    upload.seek(0)
    if mime is None:
        return "The file is not a PNG, JPEG, GIF or WebP image."
    upload.content_type_checked = mime
    return None
