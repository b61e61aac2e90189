"""How a session's recording is embedded beside its deck (no Django import).

Known video links become an iframe of the provider's player (YouTube through its no-cookie
host, Vimeo), an uploaded audio or video file an HTML5 player; anything else stays a link.
`seek_url` is what the page's script (and its no-script links) use to start the player at an
item's moment: YouTube and Vimeo take the start in the player URL, an HTML5 player the media
fragment `#t=SECONDS` (and its script sets currentTime directly).
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
VIMEO_ID = re.compile(r"[0-9]{1,12}")
# What the page's Content-Security-Policy must allow in frame-src for these players.
PLAYER_ORIGINS = ("https://www.youtube-nocookie.com", "https://player.vimeo.com")


@dataclass(frozen=True)
class Player:
    kind: str  # "iframe", "video" or "audio"
    src: str
    provider: str = ""  # "youtube", "vimeo", or "" for a file

    def seek_url(self, seconds: int) -> str:
        """The player's source started at `seconds`."""
        seconds = max(0, int(seconds))
        if self.provider == "youtube":
            return f"{self.src}?start={seconds}&autoplay=1"
        if self.provider == "vimeo":
            return f"{self.src}?autoplay=1#t={seconds}s"
        return f"{self.src}#t={seconds}"


def youtube_id(url: str) -> str | None:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or host not in YOUTUBE_HOSTS:
        return None
    if host == "youtu.be":
        candidate = parts.path.strip("/").split("/")[0]
    elif parts.path == "/watch":
        candidate = (parse_qs(parts.query).get("v") or [""])[0]
    else:
        segments = parts.path.strip("/").split("/")
        candidate = segments[1] if len(segments) >= 2 and segments[0] in ("embed", "live") else ""
    return candidate if YOUTUBE_ID.fullmatch(candidate) else None


def vimeo_id(url: str) -> str | None:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or host not in VIMEO_HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if host == "player.vimeo.com":
        segments = segments[1:] if segments[:1] == ["video"] else []
    candidate = segments[0] if segments else ""
    return candidate if VIMEO_ID.fullmatch(candidate) else None


def player_for(*, url: str = "", content_type: str = "", file_src: str = "") -> Player | None:
    """The player for a recording given by link (`url`) or as an uploaded file served at
    `file_src` with `content_type`; None when it cannot be embedded (then link to it)."""
    if url:
        if video := youtube_id(url):
            return Player("iframe", f"https://www.youtube-nocookie.com/embed/{video}", "youtube")
        if video := vimeo_id(url):
            return Player("iframe", f"https://player.vimeo.com/video/{video}", "vimeo")
        return None
    media = content_type.split(";")[0].strip().lower()
    if file_src and media.startswith("video/"):
        return Player("video", file_src)
    if file_src and media.startswith("audio/"):
        return Player("audio", file_src)
    return None
