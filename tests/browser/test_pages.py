"""The pages in a real browser: accessibility (axe-core, WCAG 2.1 AA), no console errors
(a Content-Security-Policy refusal is one), the skip link first in the keyboard order.

Runs Debian's Chromium through playwright-core against the real app served by waitress on
loopback, on a committed SQLite database with the demo network. Skipped, with the reason,
where Chromium or the npm packages are missing - unless TAVOLO_REQUIRE_BROWSER is set (CI).
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import shutil
import subprocess
import threading

import pytest
from waitress.server import create_server

from tavolo.db import get_engine
from tests.conftest import DEMO_PASSWORD, ROOT, build_app, load_demo, migrate

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCRIPT = pathlib.Path(__file__).with_name("page_check.mjs")


def _browser_missing() -> str | None:
    if not shutil.which("node"):
        return "node is not installed"
    if not pathlib.Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if not (ROOT / "node_modules" / "playwright-core").exists():
        return "npm packages missing (npm ci)"
    return None


def require_browser() -> None:
    reason = _browser_missing()
    if reason:
        if os.environ.get("TAVOLO_REQUIRE_BROWSER"):
            pytest.fail(f"browser tests required here: {reason}")
        pytest.skip(f"browser tests skipped: {reason}")


@contextlib.contextmanager
def demo_server(databases, app_settings, label: str, prepare=None):
    """The app on loopback over a fresh SQLite database with the demo network; ``prepare``
    (a function of the engine) adds what a test needs first. Yields (base URL, engine)."""
    require_browser()
    url = databases.url("sqlite", label)
    migrate(url)
    engine = get_engine({"sqlalchemy.url": url})
    load_demo(engine, app_settings)
    if prepare is not None:
        prepare(engine, app_settings)
    server = create_server(build_app(app_settings, url), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", engine
    finally:
        server.close()
        engine.dispose()


@pytest.fixture(scope="module")
def live_server(databases, app_settings):
    with demo_server(databases, app_settings, "browser") as (base_url, _engine):
        yield base_url


def check_pages(base_url: str, *steps: str) -> dict[str, dict]:
    completed = subprocess.run(
        ["node", str(SCRIPT), base_url, *steps],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return {page["path"]: page for page in json.loads(completed.stdout)}


def assert_accessible(page: dict) -> None:
    assert page["violations"] == [], f"{page['path']}: {json.dumps(page['violations'], indent=1)}"
    assert page["consoleErrors"] == [], f"{page['path']}: {page['consoleErrors']}"


def test_public_pages_are_accessible_and_start_with_the_skip_link(live_server):
    pages = check_pages(live_server, "/", "/il-consiglio/", "/login", "/no-such-page")
    assert pages["/"]["status"] == 200
    assert pages["/no-such-page"]["status"] == 404
    for page in pages.values():
        assert page["lang"] == "it"
        assert page["firstFocus"] == "Vai al contenuto principale"
        assert_accessible(page)


def test_reserved_area_pages_are_accessible_to_a_partner(live_server):
    pages = check_pages(
        live_server,
        f"login:comune:{DEMO_PASSWORD}",
        "/area-riservata/",
        "/area-riservata/archivio/",
        "/logout",
    )
    assert pages["/area-riservata/"]["status"] == 200
    assert pages["/area-riservata/archivio/"]["status"] == 403
    for page in pages.values():
        assert_accessible(page)


def test_english_pages_are_accessible(live_server):
    pages = check_pages(live_server, "/", "lang:en", "/login", "/no-such-page")
    assert pages["/login"]["lang"] == "en"
    assert pages["/login"]["firstFocus"] == "Skip to main content"
    for page in pages.values():
        assert_accessible(page)


def test_the_edit_form_starts_tinymce_within_the_csp(live_server):
    # No console errors proves that no inline script was needed (the CSP refuses them).
    pages = check_pages(
        live_server,
        f"login:admin:{DEMO_PASSWORD}",
        "/privacy/@@edit",
        "/area-riservata/@@add?type=event",
        "/@@trash",
    )
    edit = pages["/privacy/@@edit"]
    assert edit["status"] == 200
    assert edit["richText"] == 1 and edit["editors"] == 1
    for page in pages.values():
        assert_accessible(page)
