"""App icons: every icon the pages and the web app manifest name exists, PNGs at the sizes
they claim (no 404 for any icon, issue 14)."""

import json
import re
import struct

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

ICON_DIR = "icons/"


def png_size(path: str) -> tuple[int, int]:
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.mark.django_db
def test_every_icon_linked_from_the_page_exists(client):
    body = client.get(reverse("members:login")).content.decode()

    links = re.findall(r'<link rel="(icon|apple-touch-icon|manifest)" href="([^"]+)"([^>]*)>', body)
    prefix = static("")
    found = {}
    for _rel, href, rest in links:
        path = finders.find(href.removeprefix(prefix))
        assert path, f"{href} is not a static file"
        sizes = re.search(r'sizes="(\d+)x(\d+)"', rest)
        if href.endswith(".png"):
            found[href.removeprefix(prefix)] = png_size(path)
            assert sizes and png_size(path) == (int(sizes[1]), int(sizes[2]))
    assert found == {"icons/icon-192.png": (192, 192), "icons/apple-touch-icon.png": (180, 180)}
    assert {rel for rel, _, _ in links} == {"icon", "apple-touch-icon", "manifest"}


def test_the_manifest_names_png_icons_of_192_and_512():
    with open(finders.find(ICON_DIR + "manifest.webmanifest")) as f:
        manifest = json.load(f)

    pngs = {}
    for icon in manifest["icons"]:
        path = finders.find(ICON_DIR + icon["src"])
        assert path, icon["src"]
        if icon["type"] == "image/png":
            pngs[icon["sizes"]] = png_size(path)
    assert pngs == {"192x192": (192, 192), "512x512": (512, 512)}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/favicon.ico", "/apple-touch-icon.png"])
def test_root_icon_urls_browsers_guess_lead_to_files(client, url):
    response = client.get(url)

    target = response.headers["Location"]
    assert response.status_code == 301
    assert finders.find(target.removeprefix(static(""))), target
