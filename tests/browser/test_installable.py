"""The app installs and opens offline: manifest, service worker, precache, updates, sync."""

import re
import shutil

import pytest

from server import pages
from server.pages import service_worker
from tests.browser.conftest import CHROMIUM_ARGS
from tests.conftest import PASSWORD

# Predicates are functions: a string would be eval'ed in the page, which its CSP forbids.
CONTROLLED = "() => navigator.serviceWorker.controller !== null"
ACTIVE_STATE = """async () => {
  const { active } = await navigator.serviceWorker.ready;
  if (active.state === 'activating') {
    await new Promise((resolve) => { active.addEventListener('statechange', resolve); });
  }
  return active.state;
}"""
CACHES = "caches.keys()"
SW_REGISTER = "import('/js/sw-register.js')"
# A stand-in for the outbox: a row in a database of its own, which no update may touch.
OUTBOX_PUT = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('essai-outbox', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('operations');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const tx = open.result.transaction('operations', 'readwrite');
    tx.objectStore('operations').put({ cra: 'non envoyé' }, 'op-1');
    tx.oncomplete = () => { open.result.close(); resolve(); };
  };
})"""
OUTBOX_GET = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('essai-outbox', 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const request = open.result.transaction('operations').objectStore('operations').get('op-1');
    request.onsuccess = () => resolve(request.result);
  };
})"""


def served_version() -> str:
    return re.search(r"const VERSION = '(\w+)';", service_worker.service_worker_script()).group(1)


def open_app(page, base):
    """Open the app and wait until its service worker is active and controls it."""
    page.goto(base)
    assert page.evaluate(ACTIVE_STATE) == "activated"
    page.wait_for_function(CONTROLLED)


@pytest.fixture
def profile_page(chromium, tmp_path):
    """A page in a browser profile on disk: Chromium never offers to install from a private
    (incognito) context, which every Playwright new_context() is."""
    context = chromium.browser_type.launch_persistent_context(
        tmp_path / "profil",
        executable_path=shutil.which("chromium"),
        headless=True,
        args=CHROMIUM_ARGS,
        locale="fr-FR",
    )
    yield context.pages[0] if context.pages else context.new_page()
    context.close()


def test_service_worker_activates_and_controls_the_app_after_a_reload(page, live_server):
    open_app(page, live_server)
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == live_server + "/sw.js"
    assert page.evaluate(CACHES) == [f"coop-cra-{served_version()}"]
    cached = page.evaluate(
        f"caches.open('coop-cra-{served_version()}')"
        ".then((c) => c.keys()).then((keys) => keys.length)"
    )
    assert cached == len(service_worker.precache_revisions()) + 1  # + its revision list


def test_manifest_is_linked_parsed_and_the_app_installable(profile_page, live_server):
    page = profile_page
    open_app(page, live_server)
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"] == live_server + "/manifest.webmanifest"
    assert manifest["errors"] == []
    assert '"short_name": "coop-cra"' in manifest["data"]
    # Everything Chromium checks before offering "Installer l'application": manifest fields,
    # icons fetched and decoded, service worker; on loopback, a secure context.
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []


def test_app_opens_offline_and_only_the_api_fails(page, live_server):
    open_app(page, live_server)
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.context.set_offline(True)
    page.reload()
    page.get_by_role("heading", name="Connexion").wait_for()
    page.goto(live_server + "/?vue=historique")  # any view: the cached shell routes it
    page.get_by_role("heading", name="Connexion").wait_for()
    page.wait_for_load_state("networkidle")
    fonts = page.evaluate(
        "document.fonts.load('700 1rem Marianne').then((faces) => faces.map((face) => face.status))"
    )
    assert fonts == ["loaded"]
    communes = page.evaluate(
        "fetch('/data/communes.json').then((r) => r.json()).then((index) => index.count)"
    )
    assert communes > 34_000
    api = page.evaluate("fetch('/api/auth/me').then(() => 'answered', () => 'failed')")
    assert api == "failed"  # never cached: network only
    assert failed and all("/api/" in url for url in failed), failed


def test_a_server_error_on_the_app_page_opens_the_cached_app(page, live_server, monkeypatch):
    open_app(page, live_server)

    def broken(*args, **kwargs):
        raise RuntimeError("déploiement en cours")

    monkeypatch.setattr(pages, "send_from_directory", broken)
    assert page.request.get(live_server + "/").status == 500
    page.goto(live_server + "/?vue=historique")
    page.get_by_role("heading", name="Connexion").wait_for()


def test_app_runs_under_its_content_security_policy(app, page, live_server):
    page.add_init_script(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation', (event) => "
        "window.violations.push(`${event.violatedDirective} ${event.blockedURI}`)"
        ");"
    )
    open_app(page, live_server)
    page.reload()
    page.get_by_role("heading", name="Connexion").wait_for()
    dsfr_script = app.config["STATIC_URLS"]["dsfr/dsfr.module.js"]
    page.evaluate(f"import('{dsfr_script}')")  # DSFR's script too, if a page uses it
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.violations") == []


def test_new_version_waits_for_the_user_and_keeps_indexeddb(
    page, live_server, monkeypatch, make_user, make_structure
):
    conseiller = make_user("conseiller", structure=make_structure())
    open_app(page, live_server)
    page.get_by_label("Adresse e-mail").fill(conseiller.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Nouveau compte rendu d'activité").wait_for()
    old_cache = f"coop-cra-{served_version()}"
    page.evaluate(OUTBOX_PUT)
    revisions = service_worker.precache_revisions()
    monkeypatch.setattr(
        service_worker,
        "precache_revisions",
        lambda: {**revisions, "/manifest.webmanifest": "0" * 16},
    )
    new_cache = f"coop-cra-{served_version()}"
    assert new_cache != old_cache
    downloaded = []  # what the new worker's precache asks the network (or HTTP cache) for

    def precached(request):
        if request.service_worker is not None and not request.url.endswith("/sw.js"):
            downloaded.append(request.url)

    page.context.on("request", precached)

    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    page.get_by_text("Une nouvelle version de l'application est prête.").wait_for()
    # The rest is copied from the old version's cache.
    assert downloaded == [live_server + "/manifest.webmanifest"]
    # Installed, waiting: the page still runs the old version until the user says so.
    assert page.evaluate(
        "navigator.serviceWorker.getRegistration().then((r) => [r.waiting.state, r.active.state])"
    ) == ["installed", "activated"]
    assert sorted(page.evaluate(CACHES)) == sorted([old_cache, new_cache])

    with page.expect_navigation():
        page.get_by_role("button", name="Mettre à jour").click()
    page.wait_for_function(CONTROLLED)
    assert page.evaluate(CACHES) == [new_cache]
    cached = page.evaluate(
        f"caches.open('{new_cache}').then((c) => c.keys()).then((keys) => keys.length)"
    )
    assert cached == len(revisions) + 1
    assert page.evaluate(OUTBOX_GET) == {"cra": "non envoyé"}


def test_background_sync_asks_the_page_to_send_when_the_network_is_back(page, live_server):
    open_app(page, live_server)
    page.evaluate(
        f"{SW_REGISTER}.then((m) => m.onSyncRequested("
        "() => { window.syncRequests = (window.syncRequests || 0) + 1; }))"
    )
    page.context.set_offline(True)
    assert page.evaluate(f"{SW_REGISTER}.then((m) => m.requestBackgroundSync())") is True
    page.wait_for_timeout(500)
    assert page.evaluate("window.syncRequests") is None  # nothing fires while offline
    page.context.set_offline(False)
    page.wait_for_function("() => window.syncRequests >= 1")
