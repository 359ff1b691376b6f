"""Browser fixtures: the app served on loopback and Debian's Chromium driven by Playwright."""

import shutil
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    """What a browser shows does not depend on the database: SQLite only. Under pytest-xdist,
    a module's browser tests stay on one worker (one Chromium each), the modules spread over
    the workers."""
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.one_database)
            item.add_marker(pytest.mark.xdist_group(f"browser-{item.path.stem}"))


def closing_answers(wsgi_app):
    """The app with each answer's body closed even when the browser drops the connection
    mid-answer (a page closed while its service worker still downloads): werkzeug's server
    then skips the body's close(), as gunicorn does not, and a static file served by WhiteNoise
    stays open until the garbage collector finds it (a ResourceWarning, an error in this suite).
    The body is read through a generator whose own finalisation closes it."""

    def app(environ, start_response):
        body = wsgi_app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()

    return app


@pytest.fixture
def live_server(app):
    """A real HTTP server on 127.0.0.1 serving the test's app (each request in its own context)."""
    server = make_server("127.0.0.1", 0, closing_answers(app.wsgi_app), threaded=True)
    # Polled every 20 ms for the stop (shutdown() waits for the next poll: 0.5 s by default).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Chromium absent : installez le paquet Debian 'chromium'.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser context (no storage shared between tests) and its page."""
    context = chromium.new_context(locale="fr-FR", viewport=PHONE)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(chromium):
    """A desktop-sized context with the pages' own CSP; console errors are collected."""
    context = chromium.new_context(locale="fr-FR", viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    yield page
    context.close()


@pytest.fixture
def axe_page(chromium):
    """make(viewport) -> a page of a fresh context where axe-core can be injected (bypass_csp:
    axe is an inline script, which the app's and the pages' CSP refuse)."""
    contexts = []

    def make(viewport=PHONE):
        contexts.append(chromium.new_context(locale="fr-FR", viewport=viewport, bypass_csp=True))
        return contexts[-1].new_page()

    yield make
    for context in contexts:
        context.close()


def serious_violations(page) -> list:
    """axe-core's serious and critical violations on the page as it is now (rule, impact, the
    first three elements)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def tick(scope, label, **options):
    """Check a radio or checkbox by its label as a finger would: on the label (the DSFR input is
    hidden under it), once it stands still. A forced click on the input skips that wait and
    lands wherever the input was when a layout shift moves it. `scope`: a page or a locator."""
    control = scope.get_by_label(label, **options)
    page = getattr(scope, "page", scope)
    page.locator(f"label[for='{control.get_attribute('id')}']").check()


def wait_until(page, script, arg=None, timeout=15000):
    """Poll `script` (run in the page, awaited: it may be async) until it returns a truthy
    value. Playwright's wait_for_function does not await a promise: an async predicate is a
    promise, truthy at once, so it would not wait at all."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(script, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} ms: {script.strip()[:200]}")
        page.wait_for_timeout(100)
