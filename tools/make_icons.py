"""Draw the PNG app icons from our SVG favicon (nearpeer/static/icons/nearpeer.svg).

    .venv/bin/python tools/make_icons.py

Writes icon-192.png and icon-512.png (transparent corners, for the web app manifest) and
apple-touch-icon.png (180 px, square and opaque: iOS rounds the corners itself) beside the SVG.
Rendered by Debian's Chromium through Playwright (a dev dependency), so nothing is fetched.
Run it again whenever the SVG changes and commit the PNGs with it.
"""

import base64
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "nearpeer" / "static" / "icons"
BACKGROUND = "#1d2330"  # the SVG's own tile colour, so the opaque icon has no seam
CHROMIUM = "/usr/bin/chromium"


def page_html(svg: bytes, size: int, opaque: bool) -> str:
    data = base64.b64encode(svg).decode()
    background = BACKGROUND if opaque else "transparent"
    # Opaque: the tile's rounded corners would show as notches, so the artwork fills the square.
    img = f'<img src="data:image/svg+xml;base64,{data}" width="{size}" height="{size}">'
    return (
        f"<!doctype html><html><body style='margin:0;background:{background}'>"
        f"<div style='width:{size}px;height:{size}px;background:{background}'>{img}</div>"
        "</body></html>"
    )


def main() -> int:
    from playwright.sync_api import sync_playwright

    svg = (ICONS / "nearpeer.svg").read_bytes()
    if len(sys.argv) > 1:
        return print(__doc__) or 2
    outputs = [("icon-192.png", 192, False), ("icon-512.png", 512, False)]
    outputs.append(("apple-touch-icon.png", 180, True))
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"]
        )
        for name, size, opaque in outputs:
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(page_html(svg, size, opaque))
            page.wait_for_load_state("load")
            page.screenshot(path=str(ICONS / name), omit_background=not opaque)
            page.close()
            print(f"wrote {ICONS / name} ({size}×{size})")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
