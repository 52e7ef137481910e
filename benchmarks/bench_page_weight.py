"""Weigh each built page: its HTML plus the local scripts and stylesheets it loads.

Run from the project folder after ``python -m widgets.site build``:

    python benchmarks/bench_page_weight.py [_build/site]

The baseline is the theme's own empty page, ``genindex.html`` of the same
edition (no content, the theme's scripts and styles only), so each ratio
shows what a lesson adds to what every page of the theme costs anyway.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlparse

from bs4 import BeautifulSoup


def page_weight(page: Path) -> tuple[int, int]:
    """Return ``(html_bytes, asset_bytes)`` of ``page``; assets are local scripts and styles."""
    html = page.read_bytes()
    soup = BeautifulSoup(html, "html.parser")
    references = [tag["src"] for tag in soup.find_all("script", src=True)]
    references += [
        tag["href"]
        for tag in soup.find_all("link", href=True)
        if "stylesheet" in (tag.get("rel") or [])
    ]
    assets = 0
    for reference in sorted(set(references)):
        path = (page.parent / urlparse(reference).path).resolve()
        if path.is_file():
            assets += path.stat().st_size
    return len(html), assets


def main(argv: list[str]) -> int:
    site = Path(argv[0] if argv else "_build/site")
    if not (site / "fr").is_dir():
        print(f"No built site in {site}: run 'python -m widgets.site build' first.")
        return 1
    for edition in ("fr", "en"):
        base_html, base_assets = page_weight(site / edition / "genindex.html")
        base = base_html + base_assets
        print(f"{edition}: theme empty page (genindex.html) {base / 1024:.0f} KiB")
        pages = sorted((site / edition).glob("*.html")) + sorted(
            (site / edition / "lessons").glob("*.html")
        )
        for page in pages:
            if page.name in {"genindex.html", "search.html"}:
                continue
            html, assets = page_weight(page)
            total = html + assets
            name = page.relative_to(site / edition)
            print(
                f"  {name!s:<32} html {html / 1024:6.0f} KiB  assets {assets / 1024:6.0f} KiB"
                f"  total {total / 1024:6.0f} KiB  x{total / base:.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
