"""``stintlab report --pdf``: the HTML report printed to PDF by a headless Chromium driven by
Playwright (the browser the project's browser tests use), with the report's print stylesheet.

Neither is a dependency: when Playwright or a Chromium is missing, :func:`print_pdf` raises a
:class:`~stintlab.errors.StintlabUsageError` that says what to install.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from stintlab.errors import StintlabUsageError

__all__ = ["CHROMIUM_ARGS", "find_chromium", "print_pdf"]

#: Chromium flags for a headless print in a container (no sandbox, no GPU, no background traffic).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def find_chromium() -> str | None:
    """The Chromium to print with: ``$STINTLAB_CHROMIUM``, then /usr/bin/chromium (Debian's, what
    ``tasks.py test`` installs) and the usual other names; None when there is none."""
    env = os.environ.get("STINTLAB_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for c in _CANDIDATES:
        if Path(c).is_file():
            return c
    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_pdf(html_path, pdf_path, *, timeout_ms: int = 120_000) -> int:
    """Print the report file ``html_path`` to ``pdf_path`` (A4, print stylesheet, charts drawn);
    returns the PDF's size in bytes. The page is opened with every network request refused (the
    report is self-contained)."""
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    chromium = find_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise StintlabUsageError(
            f"--pdf needs Playwright (pip install playwright) and a Chromium; {html_path.name} was written, "
            "print it from a browser instead"
        ) from None
    if chromium is None:
        raise StintlabUsageError(
            f"--pdf needs a Chromium (apt-get install chromium, or set STINTLAB_CHROMIUM); {html_path.name} was "
            "written, print it from a browser instead"
        )
    tmp = pdf_path.with_name(f".{pdf_path.name}.tmp")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 1400})
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
                page.goto(html_path.as_uri(), wait_until="load", timeout=timeout_ms)
                page.emulate_media(media="print")
                # paper has no click: the chronological account collapsed under the story is printed open
                page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
                page.pdf(path=str(tmp), format="A4", print_background=True, prefer_css_page_size=True,
                         margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"})  # fmt: skip
            finally:
                browser.close()
        os.replace(tmp, pdf_path)
    except StintlabUsageError:
        raise
    except Exception as e:  # noqa: BLE001 - a browser that cannot start or print: one line, no traceback
        tmp.unlink(missing_ok=True)
        text = " ".join(str(e).split())[:300]
        raise StintlabUsageError(f"{pdf_path}: Chromium could not print the report ({type(e).__name__}: {text})") from None
    return pdf_path.stat().st_size
