"""Browser fixtures: the app served on loopback and Debian's Chromium driven by Playwright."""

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from server import create_app
from server.extensions import db
from tests.conftest import base_config

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def live_server(app, database_url):
    """A real HTTP server on 127.0.0.1 running a second app on the same test database."""
    served = create_app(base_config(database_url))
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    with served.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Chromium absent : installez le paquet Debian 'chromium'.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser context (no storage shared between tests) and its page."""
    context = chromium.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    page = context.new_page()
    yield page
    context.close()
