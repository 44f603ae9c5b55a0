"""A live server and Debian's Chromium driven by Playwright.

Playwright never downloads a browser here: it launches the system `chromium`. Without it the
browser leg is skipped locally and fails with CI=true.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from exercise_app import create_app
from exercise_app.extensions import db
from tests.conftest import empty_tables, migrate_to_head, missing_leg, sync_library_into

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.fixture(scope="session")
def browser_database(tmp_path_factory) -> str:
    url = "sqlite:///" + str(tmp_path_factory.mktemp("browser") / "browser.sqlite")
    migrate_to_head(url)
    return url


@pytest.fixture(scope="session")
def live_app(browser_database):
    return create_app({
        "TESTING": True,
        "SECRET_KEY": "browser-test-secret-key-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": browser_database,
        "RATELIMIT_ENABLED": False,
        "MAIL_BACKEND": "locmem",
        "MORNING_CHECK_IN_FROM_HOUR": 0,  # tests run at any hour (tests/conftest.py)
        "MORNING_CHECK_IN_UNTIL_HOUR": 24,
    })


def closed_before_sending(app):
    """The app with each response read whole and closed before the server sends it: when the
    browser drops a connection mid-reply (a favicon as a page closes), werkzeug's development
    server fails while draining the socket before it closes the response, and the static
    file's unclosed handle surfaced as a ResourceWarning in a random later test."""

    def wrapped(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return wrapped


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, closed_before_sending(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean(live_app):
    yield
    empty_tables(live_app)


@pytest.fixture
def synced_library(live_app, loaded_library):
    return sync_library_into(live_app, loaded_library)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if not path:
        missing_leg("Debian's chromium is not installed: browser leg not run")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def page(request, browser, live_server):
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": WIDTHS[request.param], "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.width_name = request.param  # type: ignore[attr-defined]
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    """Keep a full-page screenshot for people to look at (test-artifacts/screenshots)."""
    if os.environ.get("NO_SCREENSHOTS"):
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{page.width_name}.png"), full_page=True)
