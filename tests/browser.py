"""Shared helpers of the browser tests: Debian's chromium driven by playwright."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def require_chromium() -> None:
    """Skip the calling test when Debian's chromium is not installed."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip(
            f"{CHROMIUM} is missing: install it with 'apt-get install -y chromium'"
        )


@contextmanager
def chromium_page(viewport: dict | None = None):
    """Open a fresh chromium page; yield it with its console errors and requested hosts.

    Yields
    ------
    tuple
        ``(page, console_errors, hosts)``: the playwright page, a list that
        collects console error texts, and a set of the hosts of every request.
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    console_errors: list[str] = []
    hosts: set[str] = set()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900})
            page.on(
                "console",
                lambda message: (
                    console_errors.append(message.text)
                    if message.type == "error"
                    else None
                ),
            )
            page.on("pageerror", lambda error: console_errors.append(str(error)))
            page.on(
                "request",
                lambda request: hosts.add(urlparse(request.url).hostname or ""),
            )
            yield page, console_errors, hosts
        finally:
            browser.close()


def save_screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
