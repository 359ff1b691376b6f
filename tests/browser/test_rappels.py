"""The "Rappels" screen in a real Chromium: reminders turned on from a tap, the subscription
stored, a test notification sent to a push service and shown by the service worker.

Chromium's own push service (Google's FCM) cannot be reached here: pushManager.subscribe()
answers "permission denied" in Playwright's incognito contexts and waits for FCM forever in a
profile on disk (tried with Debian's chromium). So the page's PushManager is given a
subscription of the loopback push service of tests/push_endpoint.py (its own key pair and auth
secret, as a browser makes them) instead of FCM's. Everything else is real: the permission
granted through the browser context, the app's code, the server's storing and sending (VAPID
JWT, RFC 8291 encryption, TTL, Topic checked and decrypted by the endpoint), and the service
worker showing the decrypted message, delivered to it through the DevTools protocol as a push
service would (ServiceWorker.deliverPushMessage).
"""

import json
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from py_vapid import Vapid
from sqlalchemy import select
from werkzeug.serving import make_server

from server import create_app
from server.extensions import db
from server.models import PushSubscription, RappelPreferences
from server.services import push
from tests.browser.conftest import serious_violations, tick
from tests.conftest import PASSWORD, base_config
from tests.push_endpoint import PushEndpoint

SUBJECT = "mailto:rappels@coop-cra.example"
# The page's PushManager, answering with the loopback push service's subscription.
FAKE_PUSH_MANAGER = """(subscription) => {
  const stored = () => JSON.parse(localStorage.getItem('essai.abonnement') || 'null');
  const made = (json, key) => ({
    endpoint: json.endpoint, expirationTime: null,
    options: { applicationServerKey: key, userVisibleOnly: true },
    toJSON: () => json,
    unsubscribe: async () => { localStorage.removeItem('essai.abonnement'); return true; },
  });
  const keyOf = (json) => Uint8Array.from(atob(json.cle.replace(/-/g, '+').replace(/_/g, '/')),
    (c) => c.charCodeAt(0)).buffer;
  PushManager.prototype.getSubscription = async function () {
    const json = stored();
    return json ? made(json.abonnement, keyOf(json)) : null;
  };
  PushManager.prototype.subscribe = async function (options) {
    const key = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)))
      .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
    localStorage.setItem('essai.abonnement', JSON.stringify(
      { abonnement: subscription, cle: key, visible: options.userVisibleOnly }));
    return made(subscription, options.applicationServerKey);
  };
}"""
NOTIFICATIONS = """async () => (await (await navigator.serviceWorker.ready).getNotifications())
  .map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data && n.data.url }))"""


@pytest.fixture
def keys():
    vapid = Vapid()
    vapid.generate_keys()
    return vapid


@pytest.fixture
def push_config(keys) -> dict:
    return {
        "VAPID_PRIVATE_KEY": push.raw_private_key(keys),
        "VAPID_SUBJECT": SUBJECT,
        "PUSH_SERVICE_HOSTS": "127.0.0.1",
    }


@pytest.fixture
def push_server(app, database_url, push_config):
    """The app on loopback, configured with the test's VAPID keys."""
    served = create_app({**base_config(database_url), **push_config})
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(  # polled every 20 ms for the stop, as live_server
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    with served.app_context():
        db.engine.dispose()


@pytest.fixture
def endpoint(keys):
    with PushEndpoint(push.public_key_of(keys), SUBJECT) as served:
        yield served


@pytest.fixture
def phone(chromium, push_server, endpoint):
    """A page whose notifications permission is granted and whose PushManager subscribes to
    the loopback push service."""
    context = chromium.new_context(
        locale="fr-FR", viewport={"width": 360, "height": 740}, bypass_csp=True
    )  # bypass_csp: axe-core is injected
    context.grant_permissions(["notifications"], origin=push_server)
    device = endpoint.device()
    context.add_init_script(f"({FAKE_PUSH_MANAGER})({json.dumps(device.subscription)})")
    page = context.new_page()
    page.device = device
    yield page
    context.close()


def open_rappels(page, base, user):
    page.goto(base + "/?vue=saisie")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Nouveau compte rendu d'activité").wait_for()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    page.get_by_role("link", name="Rappels").click()
    page.get_by_role("heading", name="Rappels", exact=True).wait_for()


def stored(model, **where):
    db.session.expire_all()
    query = select(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalars(query).all()


def shown_notifications(page) -> list[dict]:
    """The notifications of the service worker, once there is one (or after 10 s)."""
    for _ in range(100):
        shown = page.evaluate(NOTIFICATIONS)
        if shown:
            return shown
        page.wait_for_timeout(100)
    return []


def deliver_push(page, text: str) -> None:
    """Hand a push message to the page's service worker, as the push service would."""
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.wait_for_timeout(300)
    [registration] = [r for r in registrations if not r["isDeleted"]]
    origin = re.match(r"https?://[^/]+", registration["scopeURL"]).group(0)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": registration["registrationId"], "data": text},
    )


@pytest.fixture
def conseiller(make_user, make_structure):
    return make_user("conseiller", structure=make_structure())


def test_reminders_turned_on_then_a_test_notification_is_shown(
    phone, push_server, endpoint, conseiller, keys
):
    open_rappels(phone, push_server, conseiller)
    phone.get_by_text("Les rappels sont désactivés sur cet appareil.").wait_for()
    tick(phone, "Samedi")
    phone.get_by_label("Heure du rappel").fill("18:30")
    phone.get_by_label("Fuseau horaire").select_option(label="La Réunion")
    phone.get_by_role("button", name="Activer les rappels").click()
    phone.get_by_text("Rappels enregistrés : ils sont activés sur cet appareil.").wait_for()

    [subscription] = stored(PushSubscription, user_id=conseiller.id)
    assert subscription.endpoint == phone.device.endpoint
    asked = phone.evaluate("JSON.parse(localStorage.getItem('essai.abonnement'))")
    assert (asked["cle"], asked["visible"]) == (push.public_key_of(keys), True)
    [prefs] = stored(RappelPreferences, user_id=conseiller.id)
    assert (prefs.actif, prefs.minute, prefs.fuseau) == (True, 18 * 60 + 30, "Indian/Reunion")
    assert prefs.jours == sum(1 << day for day in (1, 2, 3, 4, 5, 6))

    phone.get_by_role("button", name="Envoyer une notification d'essai").click()
    phone.get_by_text("Notification d'essai envoyée").wait_for()
    assert endpoint.errors == []
    [received] = endpoint.for_device(phone.device.name)
    assert json.loads(received.text)["titre"] == "Notification d'essai"
    assert received.ttl >= 3600 and received.topic == "rappel-essai"

    deliver_push(phone, received.text)
    assert shown_notifications(phone) == [
        {
            "title": "Notification d'essai",
            "body": "Les rappels de coop-cra fonctionnent sur cet appareil.",
            "tag": "rappel-essai",
            "url": "/?vue=rappels",
        }
    ]


def test_subscription_is_sent_again_at_each_start(phone, push_server, endpoint, conseiller):
    open_rappels(phone, push_server, conseiller)
    phone.get_by_role("button", name="Activer les rappels").click()
    phone.get_by_text("Rappels enregistrés").wait_for()
    db.session.execute(PushSubscription.__table__.delete())  # e.g. the server dropped it
    db.session.commit()
    phone.reload()
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    for _ in range(50):
        if stored(PushSubscription, user_id=conseiller.id):
            break
        phone.wait_for_timeout(100)
    assert [s.endpoint for s in stored(PushSubscription)] == [phone.device.endpoint]


def test_reminders_turned_off_forget_the_device(phone, push_server, endpoint, conseiller):
    open_rappels(phone, push_server, conseiller)
    phone.get_by_role("button", name="Activer les rappels").click()
    phone.get_by_role("button", name="Désactiver les rappels").click()
    phone.get_by_text("Les rappels sont désactivés sur cet appareil.").wait_for()
    assert stored(PushSubscription) == []
    assert stored(RappelPreferences)[0].actif is False
    assert phone.evaluate("localStorage.getItem('essai.abonnement')") is None


def test_notification_tap_opens_the_view_it_names(phone, push_server, endpoint, conseiller):
    """The tap is dispatched in the worker as a NotificationEvent (no protocol clicks a
    notification); the open app shows the CRA form."""
    open_rappels(phone, push_server, conseiller)
    deliver_push(
        phone,
        json.dumps(
            {
                "type": "quotidien",
                "titre": "Compte rendu du jour",
                "corps": "…",
                "url": "/?vue=saisie",
            }
        ),
    )
    assert shown_notifications(phone)[0]["title"] == "Compte rendu du jour"
    [worker] = phone.context.service_workers
    worker.evaluate("""async () => {
      const [notification] = await self.registration.getNotifications();
      try {
        self.dispatchEvent(new NotificationEvent('notificationclick', { notification }));
      } catch (error) { /* waitUntil refuses an event the browser did not send */ }
    }""")
    phone.get_by_role("heading", name="Nouveau compte rendu d'activité").wait_for()
    # The app paints the view, then writes it in the address (history.pushState, app.js).
    expect(phone).to_have_url(re.compile(r"\?vue=saisie$"))


def test_blocked_notifications_are_explained(chromium, push_server, conseiller):
    context = chromium.new_context(locale="fr-FR")
    page = context.new_page()
    try:
        open_rappels(page, push_server, conseiller)
        page.get_by_role("button", name="Activer les rappels").click()
        page.get_by_text(re.compile("Les notifications sont bloquées pour coop-cra")).wait_for()
        assert stored(PushSubscription) == []
    finally:
        context.close()


def test_rappels_screen_has_no_serious_accessibility_violation(
    phone, push_server, endpoint, conseiller
):
    open_rappels(phone, push_server, conseiller)
    phone.get_by_role("button", name="Activer les rappels").wait_for()
    for turned_on in (False, True):
        if turned_on:
            phone.get_by_role("button", name="Activer les rappels").click()
            phone.get_by_role("button", name="Désactiver les rappels").wait_for()
        assert serious_violations(phone) == [], turned_on


def test_activer_says_what_happens_and_explains_a_browser_without_push_service(
    chromium, push_server, conseiller
):
    """Chromium here cannot reach its push service, as in a private window: the user is told
    so, not that the network failed; « Activation en cours… » is said as soon as they tap."""
    context = chromium.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    context.grant_permissions(["notifications"], origin=push_server)
    page = context.new_page()
    try:
        open_rappels(page, push_server, conseiller)
        page.get_by_text("Les rappels sont désactivés sur cet appareil.").wait_for()
        # The subscription waits until the test has seen the immediate feedback.
        page.evaluate(
            """() => {
            const subscribe = PushManager.prototype.subscribe;
            window.releaseSubscribe = null;
            PushManager.prototype.subscribe = function (options) {
              return new Promise((resolve) => { window.releaseSubscribe = resolve; })
                .then(() => subscribe.call(this, options));
            };
        }"""
        )
        page.get_by_role("button", name="Activer les rappels").click()
        expect(page.get_by_role("status").filter(has_text="Activation en cours…")).to_be_visible()
        page.wait_for_function("() => window.releaseSubscribe !== null")
        page.evaluate("() => window.releaseSubscribe()")
        error = page.get_by_role("alert").filter(has_text="fenêtre de navigation privée")
        expect(error).to_be_visible(timeout=30000)
        expect(error).not_to_contain_text("vérifiez votre réseau")
        expect(page.get_by_text("Les rappels ne sont pas activés.")).to_be_visible()
        shots = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "phone-rappels-sans-service.png"))
        assert stored(PushSubscription) == []
    finally:
        context.close()
