"""The conseiller's app in a real Chromium: offline saving, sync once, edits, sessions."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask_jwt_extended import create_access_token, create_refresh_token
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import func, select

from server.extensions import db
from server.models import Cra, CraOperation, CraOperationRefusee, LieuActivite
from server.services import francais, maintenance
from server.services.statistiques import NATIONAL, Perimetre, Periode, indicateurs
from tests.browser.conftest import serious_violations, tick, wait_until
from tests.conftest import PASSWORD


def server_count(**where):
    db.session.expire_all()
    query = select(func.count()).select_from(Cra).where(Cra.deleted_at.is_(None))
    for name, value in where.items():
        query = query.where(getattr(Cra, name) == value)
    return db.session.scalar(query)


def log_in(page, base, user):
    page.goto(base + "/?vue=saisie")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Nouveau compte rendu d'activité").wait_for()
    # The service worker must control the page before the network goes away.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)


def fill_individual_cra(
    page, annotation=None, tap="click", commune=("villeurb", "69100 Villeurbanne")
):
    form_set_up(page)  # filled before its values are read, a choice could be undone
    tick(page, "À distance")
    typed, option = commune
    page.get_by_role("combobox", name="Commune").fill(typed)
    page.get_by_role("option", name=option).click()
    finish_individual_cra(page, annotation, tap)


def finish_individual_cra(page, annotation=None, tap="click"):
    """The rest of an individual CRA once its place is chosen (or left at the default lieu):
    one person, a theme, a duration; submitted, and saved."""
    tick(page, "Accompagnement individuel")
    page.get_by_role("button", name="Ajouter : 18 - 35 ans").click()
    page.get_by_role("button", name="Ajouter : En emploi").click()
    tick(page, "Gérer ses courriels")
    if annotation:
        page.get_by_label("Préciser la thématique cochée").fill(annotation)
    tick(page, "30 min. ou moins")
    getattr(page.get_by_role("button", name="Valider"), tap)()
    page.get_by_text("Votre suivi d'activité a bien été enregistré.").wait_for()


def form_set_up(page):
    """The CRA form shown and filled (its markup comes first, its values once read)."""
    page.get_by_role("heading", name="Nouveau compte rendu d'activité").wait_for()
    expect(page.locator("#cra-date")).not_to_have_value("")


# No send or pull holds or awaits the app's send lock (pwa/js/sync.js, withLock).
SENDING_DONE = """async () => {
    const { held, pending } = await navigator.locks.query();
    return ![...held, ...pending].some((lock) => lock.name === 'coop-cra-envoi');
}"""


def send_now(page):
    """« Envoyer maintenant », even when its bar is gone: going online may have sent all already
    (the bar shows only while something waits)."""
    page.locator("[data-action='sync']").dispatch_event("click")


class NothingWaits:
    """Nothing waits: the phone's outbox is empty (the server acknowledged everything) and the
    status bar says so by not showing the count (its line hidden). The outbox is read first: just
    after a save, the bar's count is updated a frame after the message, so the bar alone could
    still say 0 for a CRA that has not left."""

    def __init__(self, page):
        self.page = page
        self.line = page.locator("[data-field='waiting-line']:has([data-count='0'])")

    def wait_for(self, timeout=None):
        wait_until(
            self.page,
            """async () => {
            const { database } = await import('/js/db.js');
            return (await (await database()).count('outbox')) === 0;
        }""",
            timeout=timeout or 30000,
        )
        self.line.wait_for(state="hidden", timeout=timeout)
        expect(self.line).to_have_count(1, timeout=timeout)


def waiting_text(page, count):
    if count == 0:
        return NothingWaits(page)
    unit = "compte rendu" if count < 2 else "comptes rendus"
    return page.get_by_text(f"{count} {unit} en attente d'envoi", exact=True)


@pytest.fixture
def conseiller(make_user, make_structure):
    return make_user("conseiller", structure=make_structure())


def test_offline_cras_survive_a_reload_and_sync_once(page, live_server, conseiller, client, login):
    log_in(page, live_server, conseiller)
    page.context.set_offline(True)
    for number in range(3):
        page.get_by_role("link", name="Saisir un CRA").click()
        fill_individual_cra(page, annotation=f"Hors ligne {number}")
    page.reload()
    waiting_text(page, 3).wait_for()
    page.get_by_role("link", name="Historique").click()
    expect(page.get_by_text("En attente d'envoi", exact=True)).to_have_count(3)
    assert server_count() == 0
    page.context.set_offline(False)
    send_now(page)
    waiting_text(page, 0).wait_for()
    assert server_count() == 3
    expect(page.get_by_text("Envoyé", exact=True)).to_have_count(3)
    assert_phone_matches_server(page, client, login, conseiller)


def test_a_cra_filed_offline_in_paris_14e_is_synced_and_counted_in_paris(
    page, live_server, make_user, make_structure
):
    paris = make_structure(nom="Mairie de Paris", code_commune="75056", code_postal="75014")
    log_in(page, live_server, make_user("conseiller", structure=paris))
    page.context.set_offline(True)
    fill_individual_cra(page, commune=("Paris 14e", "75014 Paris 14e Arrondissement"))
    waiting_text(page, 1).wait_for()
    page.context.set_offline(False)
    send_now(page)
    waiting_text(page, 0).wait_for()
    assert server_count(code_commune="75114", nom_commune="Paris 14e Arrondissement") == 1
    today = db.session.scalar(select(Cra.date))
    periode = Periode(today, today)
    for code_commune in ("75056", "75114"):  # in Paris, and in its 14e arrondissement
        figures = indicateurs(NATIONAL.filtre(None, code_commune), periode, ("general",))
        assert figures["general"]["cra_enregistres"] == 1
    departement = Perimetre("departement", "Paris", departement_code="75")
    assert indicateurs(departement, periode, ("general",))["general"]["cra_enregistres"] == 1


def test_a_double_tap_on_valider_saves_one_cra(page, live_server, conseiller):
    log_in(page, live_server, conseiller)
    page.context.set_offline(True)
    fill_individual_cra(page, annotation="Double tape", tap="dblclick")
    waiting_text(page, 1).wait_for()
    expect(page.get_by_text("En attente d'envoi", exact=True)).to_have_count(1)
    page.context.set_offline(False)
    send_now(page)
    waiting_text(page, 0).wait_for()
    assert server_count() == 1


def test_lost_answer_then_edit_ends_with_the_edit_and_no_duplicate(page, live_server, conseiller):
    log_in(page, live_server, conseiller)

    def lose_answer(route):
        try:
            route.fetch()  # the server processes the batch...
            route.abort()  # ...and the answer never reaches the phone
        except PlaywrightError:
            pass  # a retry still in flight when the test removes the route

    page.route("**/api/sync/push", lose_answer)
    fill_individual_cra(page, annotation="Premier jet")
    page.get_by_text("Envoi impossible pour le moment").wait_for()
    assert server_count() == 1
    page.get_by_role("button", name="Modifier").first.click()
    page.get_by_label("Préciser la thématique cochée").fill("Version corrigée")
    page.get_by_role("button", name="Valider").click()
    page.unroute("**/api/sync/push")
    send_now(page)
    waiting_text(page, 0).wait_for()
    assert server_count() == 1
    db.session.expire_all()
    assert db.session.scalars(select(Cra.annotation)).one() == "Version corrigée"


def test_two_tabs_syncing_at_once_create_no_duplicate(page, live_server, conseiller):
    log_in(page, live_server, conseiller)
    page.context.set_offline(True)
    for _ in range(4):
        page.get_by_role("link", name="Saisir un CRA").click()
        fill_individual_cra(page)
    other = page.context.new_page()
    other.goto(live_server + "/?vue=historique")
    waiting_text(other, 4).wait_for()
    page.context.set_offline(False)
    for tab in (page, other):
        send_now(tab)
    waiting_text(page, 0).wait_for()
    waiting_text(other, 0).wait_for()
    assert server_count() == 4


def test_expired_session_keeps_the_outbox_and_syncs_after_login(page, live_server, conseiller, app):
    log_in(page, live_server, conseiller)
    page.context.set_offline(True)
    fill_individual_cra(page)
    expired = {
        "access_token": create_access_token(str(conseiller.id), expires_delta=timedelta(-1)),
        "refresh_token": create_refresh_token(str(conseiller.id), expires_delta=timedelta(-1)),
    }
    page.evaluate(
        "tokens => localStorage.setItem('coop-cra.tokens', JSON.stringify(tokens))", expired
    )
    page.context.set_offline(False)
    send_now(page)
    page.get_by_text(re.compile("Votre session a expiré")).wait_for()
    page.get_by_text(
        re.compile("Votre compte rendu en attente est conservé sur ce téléphone")
    ).wait_for()
    assert server_count() == 0
    page.get_by_label("Adresse e-mail").fill(conseiller.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    waiting_text(page, 0).wait_for()
    assert server_count() == 1


def test_a_saved_cra_opens_the_history_at_its_top_newest_first(page, live_server, conseiller):
    log_in(page, live_server, conseiller)
    page.context.set_offline(True)
    for number in range(2):  # the second one is drawn into the list the first one read
        page.get_by_role("link", name="Saisir un CRA").click()
        fill_individual_cra(page, annotation=f"Dans l'ordre {number}")
    # "Valider" is at the bottom of a long form: the history is not opened down there.
    expect(page.get_by_text("Votre suivi d'activité a bien été enregistré.")).to_be_in_viewport()
    assert page.evaluate("() => window.scrollY") == 0
    # The form's view is hidden (its style and layout kept), not merely scrolled away.
    expect(page.get_by_role("button", name="Valider")).to_have_count(0)
    assert page.locator('[data-view="saisie"]').bounding_box()["height"] == 0
    waiting_text(page, 2).wait_for()
    cards = page.locator("[data-cra]")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("Dans l'ordre 1")
    expect(cards.first.get_by_text("En attente d'envoi", exact=True)).to_have_count(1)


def test_a_cra_saved_at_once_does_not_come_back_as_a_draft(page, live_server, conseiller):
    log_in(page, live_server, conseiller)
    page.context.set_offline(True)
    fill_individual_cra(page, annotation="Pas un brouillon")  # "Valider" right after a change
    page.wait_for_timeout(600)  # past the draft's 300 ms delay
    page.get_by_role("link", name="Saisir un CRA").click()
    form_set_up(page)
    expect(page.get_by_label("Préciser la thématique cochée")).to_have_value("")
    expect(page.get_by_text("Votre saisie en cours a été restaurée.")).to_be_hidden()


def test_a_form_left_mid_way_comes_back_as_a_draft(page, live_server, conseiller):
    log_in(page, live_server, conseiller)
    tick(page, "Gérer ses courriels")
    page.get_by_label("Préciser la thématique cochée").fill("Brouillon gardé")
    page.wait_for_timeout(600)  # past the draft's 300 ms delay
    page.reload()
    page.get_by_text("Votre saisie en cours a été restaurée.").wait_for()
    expect(page.get_by_label("Préciser la thématique cochée")).to_have_value("Brouillon gardé")


def test_an_edited_cra_replaces_its_card_in_the_history(page, live_server, conseiller):
    log_in(page, live_server, conseiller)
    page.context.set_offline(True)
    for annotation in ("Premier", "Second"):
        page.get_by_role("link", name="Saisir un CRA").click()
        fill_individual_cra(page, annotation=annotation)
    page.locator("[data-cra]", has_text="Premier").get_by_role("button", name="Modifier").click()
    page.get_by_label("Préciser la thématique cochée").fill("Premier corrigé")
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("Votre suivi d'activité a bien été enregistré.").wait_for()
    cards = page.locator("[data-cra]")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("Premier corrigé")  # the last changed first
    assert [text for text in cards.all_inner_texts() if "· Premier" in text] == [
        cards.first.inner_text()
    ]
    waiting_text(page, 3).wait_for()  # two creations and an update, each its own operation


def test_incoherent_breakdown_is_refused_in_french(page, live_server, conseiller):
    log_in(page, live_server, conseiller)
    tick(page, "À distance")
    page.get_by_role("combobox", name="Commune").fill("69100")
    page.get_by_role("option", name="69100 Villeurbanne").click()
    tick(page, "Atelier collectif")
    for _ in range(3):
        page.get_by_role("button", name="Ajouter : Plus de 60 ans").click()
    page.get_by_role("button", name="Ajouter : Retraité").click()
    tick(page, "Budget")
    tick(page, "30 min. à 1h")
    page.get_by_role("button", name="Valider").click()
    page.get_by_text(
        "La somme des tranches d'âge (3) doit être égale au nombre de participants (5).",
        exact=True,
    ).wait_for()
    page.get_by_role("heading", name="Le formulaire contient 2 erreurs").wait_for()
    waiting_text(page, 0).wait_for()


def test_logout_is_refused_while_cras_wait(page, live_server, conseiller):
    log_in(page, live_server, conseiller)
    page.context.set_offline(True)
    fill_individual_cra(page)
    messages = []
    page.on("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Se déconnecter").click()
    for _ in range(100):  # the dialog comes after an IndexedDB read
        if messages:
            break
        page.wait_for_timeout(100)
    assert messages and "Déconnexion impossible" in messages[0]
    assert page.get_by_role("heading", name="Connexion").count() == 0


@pytest.mark.parametrize("view", ["saisie", "historique", "statistiques"])
def test_no_serious_accessibility_violation(axe_page, live_server, conseiller, view):
    page = axe_page()
    log_in(page, live_server, conseiller)
    page.get_by_role(
        "link",
        name={
            "saisie": "Saisir un CRA",
            "historique": "Historique",
            "statistiques": "Mes statistiques",
        }[view],
    ).click()
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []


def test_statistics_stay_readable_offline_with_their_date(page, live_server, conseiller):
    log_in(page, live_server, conseiller)
    fill_individual_cra(page)
    # Its card says it was sent (the counter may still show the 0 of before the save).
    expect(page.get_by_text("Envoyé", exact=True)).to_have_count(1)
    page.get_by_role("link", name="Mes statistiques").click()
    figure = page.locator(".app-figure", has_text="CRA enregistrés")
    figure.get_by_text("1", exact=True).wait_for()
    charts = page.locator(".app-chart")
    expect(charts).to_have_count(8)
    page.context.set_offline(True)
    page.reload()
    page.get_by_role("link", name="Mes statistiques").click()
    page.get_by_text(
        re.compile(
            r"Hors ligne : données du \d\d/\d\d/\d{4} au \d\d/\d\d/\d{4}, "
            r"mises à jour le \d\d/\d\d/\d{4}"
        )
    ).wait_for()
    assert figure.get_by_text("1", exact=True).is_visible()
    expect(charts).to_have_count(8)  # drawn from the stored figures, with no network
    expect(
        page.locator("[data-chart='canaux'] .app-bars__line", has_text="À distance")
    ).to_contain_text("1")


def test_mes_statistiques_exports_download_with_the_session(page, live_server, conseiller):
    log_in(page, live_server, conseiller)
    fill_individual_cra(page)
    # Its card says it was sent (the counter may still show the 0 of before the save).
    expect(page.get_by_text("Envoyé", exact=True)).to_have_count(1)
    page.get_by_role("link", name="Mes statistiques").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Mes CRA (CSV, une ligne par CRA)").click()
    assert re.fullmatch(
        r"Statistiques_Prénom\d+_Nom\d+_\d\d-\d\d-\d{4}_\d\d-\d\d-\d{4}_CRA\.csv",
        download.value.suggested_filename,
    )
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 2 and rows[1].split(";")[8] == "Villeurbanne"
    page.get_by_text("Fichier téléchargé").wait_for()


# --- no dead end between the phone and the server (issue 14) -----------------------------------

LIEU = {
    "nom": "Médiathèque Lumière",
    "adresse": "2 rue Verte",
    "code_postal": "69100",
    "code_commune": "69266",
    "type_acces": ["libre"],
    "horaires": "Lun-Ven 9h-17h",
}


def server_rows():
    """The conseiller's CRAs on the server, deleted ones included, by id."""
    db.session.expire_all()
    return {str(cra.id): cra for cra in db.session.scalars(select(Cra))}


def phone_cras(page):
    """The CRAs in the phone's IndexedDB, by id."""
    return page.evaluate(
        """async () => {
        const { database } = await import('/js/db.js');
        return Object.fromEntries((await (await database()).getAll('cras')).map((c) => [c.id, c]));
    }"""
    )


STAMPS = {"id", "objet", "head", "version", "deleted", "received_at", "updated_at"}


def assert_phone_matches_server(page, client, login, user):
    """Every CRA on the server is on the phone, sent, with the same head, version, deletion and
    content, and the phone holds no CRA the server does not know."""
    changes = client.get("/api/sync/pull", query_string={"limit": 1000}, headers=login(user)).json[
        "changes"
    ]
    phone = phone_cras(page)
    assert set(phone) == {copy["id"] for copy in changes}
    for copy in changes:
        local = phone[copy["id"]]
        assert local["state"] == "synced", local
        assert (local["head"], local["version"], local["deleted"]) == (
            copy["head"],
            copy["version"],
            copy["deleted"],
        )
        if not copy["deleted"]:
            assert local["cra"] == {k: v for k, v in copy.items() if k not in STAMPS}


def synced_cra(page, live_server, conseiller, annotation):
    """A CRA saved on the phone and acknowledged by the server: (its id, the server row)."""
    log_in(page, live_server, conseiller)
    fill_individual_cra(page, annotation=annotation)
    waiting_text(page, 0).wait_for()
    expect(page.get_by_text("Envoyé", exact=True)).to_have_count(1)
    # The pull that follows each sync is over too: run later, it would bring the phone a change
    # the test then makes "elsewhere", and the phone's edit would rightly meet no conflict.
    wait_until(page, SENDING_DONE)
    (cra_id,) = server_rows()
    return cra_id, server_rows()[cra_id]


def server_change(client, login, conseiller, cra_id, row, **changes):
    """Another device changes the CRA on the server: an update, or a delete (delete=True)."""
    from tests.cra_payloads import cra_payload, delete_op, update_op

    base = str(row.head)
    if changes.pop("delete", False):
        operation = delete_op(cra_id, base)
    else:
        payload = cra_payload(
            date=row.date.isoformat(),
            code_postal="69100",
            code_commune="69266",
            nom_commune="Villeurbanne",
            statut={"etudiant": 0, "sansEmploi": 0, "enEmploi": 1, "retraite": 0, "heterogene": 0},
            **changes,
        )
        operation = update_op(cra_id, base, payload)
    response = client.post(
        "/api/sync/push", json={"operations": [operation]}, headers=login(conseiller)
    )
    assert response.json["results"][0]["status"] == "applied", response.json


def test_a_change_made_on_another_device_reaches_the_phone_at_its_next_sync(
    page, live_server, conseiller, client, login
):
    """Another device (a second phone, the desktop) edits a CRA: the phone shows it after its
    next sync, without logging in again."""
    cra_id, row = synced_cra(page, live_server, conseiller, "Téléphone")
    first = str(row.head)
    server_change(client, login, conseiller, cra_id, row, annotation="Autre appareil")
    db.session.rollback()  # a new read transaction: SQLite's old one still sees the first head
    head = str(server_rows()[cra_id].head)
    assert head != first
    send_now(page)
    wait_until(
        page,
        """async ([id, head]) => {
        const { database } = await import('/js/db.js');
        const local = await (await database()).get('cras', id);
        return local.head === head && local.state === 'synced';
    }""",
        arg=[cra_id, head],
    )
    assert phone_cras(page)[cra_id]["cra"]["annotation"] == "Autre appareil"
    expect(page.get_by_text("Envoyé", exact=True)).to_have_count(1)
    assert str(server_rows()[cra_id].head) == head  # the phone sent nothing back
    assert_phone_matches_server(page, client, login, conseiller)


def edit_annotation(page, annotation):
    page.get_by_role("button", name="Modifier").first.click()
    page.get_by_label("Préciser la thématique cochée").fill(annotation)
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("Votre suivi d'activité a bien été enregistré.").wait_for()


def test_lieux_stored_at_login_on_the_history_let_the_form_work_offline(
    page, live_server, conseiller, client, login
):
    assert client.post("/api/lieux", json=LIEU, headers=login(conseiller)).status_code == 201
    page.goto(live_server + "/?vue=historique")
    page.get_by_label("Adresse e-mail").fill(conseiller.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Historique des accompagnements").wait_for()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    wait_until(
        page,
        """async () => {
        const { database } = await import('/js/db.js');
        const keys = await (await database()).getAllKeys('meta');
        return keys.some((key) => String(key).startsWith('lieux:'));
    }""",
        timeout=15000,
    )
    page.context.set_offline(True)
    page.get_by_role("link", name="Saisir un CRA").click()
    form_set_up(page)
    expect(page.locator("#cra-lieu")).to_have_value(re.compile(r"\d+"))
    finish_individual_cra(page)  # at the default lieu
    page.context.set_offline(False)
    send_now(page)
    waiting_text(page, 0).wait_for()
    (row,) = server_rows().values()
    assert row.canal == "rattachement" and row.lieu_activite_id is not None
    assert row.code_commune == "69266"


def test_a_hung_request_is_given_up_and_the_outbox_sent_later(page, live_server, conseiller):
    """The first push never gets an answer: once given up (its timeout), the send lock is free
    and the CRAs saved meanwhile go, without the user doing anything. The page's clock is
    Playwright's: it runs as time does, and jumps over the 20 s of waiting for the timeout."""
    page.clock.install()
    log_in(page, live_server, conseiller)
    hung = []

    def hang_the_first(route):
        if not hung:
            hung.append(route)  # never answered
        else:
            route.continue_()

    page.route("**/api/sync/push", hang_the_first)
    fill_individual_cra(page, annotation="Premier")
    page.get_by_text("Envoi en cours…").wait_for()
    page.get_by_role("link", name="Saisir un CRA").click()
    fill_individual_cra(page, annotation="Second")
    assert server_count() == 0 and len(hung) == 1
    page.clock.fast_forward(21_000)  # past the app's timeout (pwa/js/api.js)
    page.get_by_text("2 comptes rendus envoyés.").wait_for()
    waiting_text(page, 0).wait_for()
    assert server_count() == 2 and len(hung) == 1


def test_nested_server_errors_are_shown_as_french_text_under_their_field(page, live_server):
    page.goto(live_server + "/?vue=saisie")
    shown = page.evaluate(
        """async () => {
        const { messagesFor } = await import('/js/form.js');
        const { textsOf } = await import('/js/dom.js');
        const errors = {'organismes.0.nom': ['Nom trop long.'], organismes: ['Somme fausse.'],
                        'organismes_x': ['Autre.'], age: {0: ['Ancien format.']}};
        return [messagesFor(errors, 'organismes'), textsOf(errors).join(' ')];
    }"""
    )
    assert sorted(shown[0]) == ["Nom trop long.", "Somme fausse."]
    assert "[object Object]" not in shown[1] and "Ancien format." in shown[1]


def test_the_form_checks_the_organisme_name_limit_before_saving(page, live_server, conseiller):
    log_in(page, live_server, conseiller)
    checked = page.evaluate(
        """async () => {
        const { organismeRow } = await import('/js/form-markup.js');
        const { validateCra } = await import('/js/rules.js');
        const cra = {organismes: [{nom: 'x'.repeat(101), nombre: 1}], suivi: {redirection: 1}};
        const errors = validateCra(cra, {today: '2026-12-01', sousThemes: {}});
        return [organismeRow(0), errors.organismes || []];
    }"""
    )
    assert 'maxlength="100"' in checked[0]
    assert "Nom d'organisme : entre 2 et 100 caractères." in checked[1]


def test_a_corrected_refused_edit_builds_on_the_servers_head(
    page, live_server, conseiller, client, login
):
    cra_id, row = synced_cra(page, live_server, conseiller, "Avant")
    # No push may leave before the operation is changed below: offline, and refused by a route
    # too (a push that left with the valid edit, seen once, was accepted instead).
    page.context.route("**/api/sync/push", lambda route: route.abort())
    page.context.set_offline(True)
    page.get_by_role("button", name="Modifier").first.click()
    page.get_by_label("Préciser la thématique cochée").fill("Refusée")
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("Votre suivi d'activité a bien été enregistré.").wait_for()
    wait_until(page, SENDING_DONE)
    # The server refuses this edit (a rule the phone could not know: here the figures are made
    # incoherent in the queued operation itself: more returning people than participants).
    page.evaluate(
        """async () => {
        const { database } = await import('/js/db.js');
        const db = await database();
        const [row] = await db.getAll('outbox');
        row.op.cra.nb_recurrents = 9;
        await db.put('outbox', row);
    }"""
    )
    page.context.unroute("**/api/sync/push")
    page.context.set_offline(False)
    send_now(page)
    expect(page.get_by_text("Refusé", exact=True)).to_have_count(1)
    expect(page.locator("[data-field='sync-result']")).to_have_text(
        "1 compte rendu refusé : à corriger dans l'historique."
    )
    page.get_by_role("button", name="Corriger").click()
    page.get_by_label("Préciser la thématique cochée").fill("Corrigée")
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("Votre suivi d'activité a bien été enregistré.").wait_for()
    send_now(page)
    page.get_by_text("1 compte rendu envoyé.").wait_for()
    expect(page.get_by_text("Envoyé", exact=True)).to_have_count(1)
    expect(page.get_by_text("Conflit", exact=True)).to_have_count(0)
    server = server_rows()[cra_id]
    assert server.annotation == "Corrigée" and server.version == 2
    assert phone_cras(page)[cra_id]["head"] == str(server.head)
    assert_phone_matches_server(page, client, login, conseiller)


def send_offline_change(page, change):
    """Make a change on the phone offline, then send it."""
    page.context.set_offline(True)
    change()
    page.context.set_offline(False)
    send_now(page)
    expect(page.get_by_text("Conflit", exact=True)).to_have_count(1)
    expect(page.locator("[data-field='sync-result']")).to_have_text(
        "1 conflit : à trancher dans l'historique."
    )


def test_edit_edit_conflict_shows_both_versions_and_keeps_mine(
    page, live_server, conseiller, client, login
):
    cra_id, row = synced_cra(page, live_server, conseiller, "Origine")
    server_change(client, login, conseiller, cra_id, row, annotation="Bureau")
    send_offline_change(page, lambda: edit_annotation(page, "Téléphone"))
    versions = page.locator("[data-conflict='versions']")
    annotation = versions.locator("[data-conflict-field='annotation']")
    expect(annotation).to_contain_text("Téléphone")
    expect(annotation).to_contain_text("Bureau")
    expect(versions.locator("[data-conflict-field='duree']")).to_have_count(1)
    page.get_by_role("button", name="Garder ma version").click()
    page.get_by_text("1 compte rendu envoyé.").wait_for()
    waiting_text(page, 0).wait_for()
    expect(page.get_by_text("Envoyé", exact=True)).to_have_count(1)
    server = server_rows()[cra_id]
    assert server.annotation == "Téléphone" and server.version == 3
    assert phone_cras(page)[cra_id]["cra"]["annotation"] == "Téléphone"
    assert_phone_matches_server(page, client, login, conseiller)


def test_a_cra_deleted_here_but_edited_elsewhere_asks_and_can_still_be_deleted(
    page, live_server, conseiller, client, login
):
    cra_id, row = synced_cra(page, live_server, conseiller, "Origine")
    server_change(client, login, conseiller, cra_id, row, annotation="Bureau")

    def delete():
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_text("Autres actions").first.click()
        page.get_by_role("button", name="Supprimer").first.click()

    send_offline_change(page, delete)
    page.get_by_text("Vous avez supprimé ce compte rendu sur ce téléphone").wait_for()
    expect(page.get_by_role("button", name="Garder ma version")).to_have_count(0)
    page.get_by_role("button", name="Supprimer quand même").click()
    page.get_by_text("1 compte rendu envoyé.").wait_for()
    waiting_text(page, 0).wait_for()
    expect(page.locator("[data-cra]")).to_have_count(0)
    assert server_rows()[cra_id].deleted_at is not None
    assert phone_cras(page)[cra_id]["deleted"] is True
    assert_phone_matches_server(page, client, login, conseiller)


def test_a_cra_edited_here_but_deleted_elsewhere_can_be_restored_with_my_version(
    page, live_server, conseiller, client, login
):
    cra_id, row = synced_cra(page, live_server, conseiller, "Origine")
    server_change(client, login, conseiller, cra_id, row, delete=True)
    send_offline_change(page, lambda: edit_annotation(page, "Gardée"))
    page.get_by_text("il a été supprimé entre-temps ailleurs").wait_for()
    page.get_by_role("button", name="Restaurer avec ma version").click()
    page.get_by_text("1 compte rendu envoyé.").wait_for()
    waiting_text(page, 0).wait_for()
    expect(page.get_by_text("Envoyé", exact=True)).to_have_count(1)
    rows = server_rows()
    alive = [cra for cra in rows.values() if cra.deleted_at is None]
    assert rows[cra_id].deleted_at is not None
    assert len(alive) == 1 and alive[0].annotation == "Gardée"
    phone = phone_cras(page)
    assert phone[cra_id]["deleted"] is True
    assert phone[str(alive[0].id)]["head"] == str(alive[0].head)
    assert_phone_matches_server(page, client, login, conseiller)


def test_a_cra_deleted_here_and_elsewhere_is_simply_deleted(
    page, live_server, conseiller, client, login
):
    cra_id, row = synced_cra(page, live_server, conseiller, "Origine")
    server_change(client, login, conseiller, cra_id, row, delete=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_text("Autres actions").first.click()
    page.get_by_role("button", name="Supprimer").first.click()
    page.get_by_text("1 compte rendu envoyé.").wait_for()
    waiting_text(page, 0).wait_for()
    expect(page.locator("[data-cra]")).to_have_count(0)
    expect(page.get_by_text("Conflit", exact=True)).to_have_count(0)
    assert phone_cras(page)[cra_id]["deleted"] is True
    assert_phone_matches_server(page, client, login, conseiller)


def test_two_tabs_typing_keep_their_own_drafts(page, live_server, conseiller):
    log_in(page, live_server, conseiller)
    other = page.context.new_page()
    other.goto(live_server + "/?vue=saisie")
    form_set_up(other)
    other.get_by_label("Préciser la thématique cochée").fill("Onglet B")
    wait_until(
        other,
        """async () => {
        const { database } = await import('/js/db.js');
        const keys = await (await database()).getAllKeys('meta');
        return keys.filter((key) => String(key).startsWith('brouillon:')).length === 1;
    }""",
    )
    # The user goes back to tab A (a background tab's timers are throttled, as in real life).
    page.bring_to_front()
    fill_individual_cra(page, annotation="Onglet A")  # saved: A's draft goes, not B's
    other.bring_to_front()
    other.reload()
    other.get_by_text("Votre saisie en cours a été restaurée.").wait_for()
    expect(other.get_by_label("Préciser la thématique cochée")).to_have_value("Onglet B")


def test_the_form_takes_no_tap_until_filled_then_keeps_every_choice(
    page, live_server, conseiller, client, login
):
    """The form is written after reads (lieux, drafts): until then it says so and takes no
    input, so no early choice is overwritten by the filling."""
    assert client.post("/api/lieux", json=LIEU, headers=login(conseiller)).status_code == 201
    log_in(page, live_server, conseiller)
    page.evaluate(  # no stored lieux: the form waits for the server's
        """async () => {
        const { database } = await import('/js/db.js');
        const db = await database();
        for (const key of await db.getAllKeys('meta')) {
            if (String(key).startsWith('lieux:')) await db.delete('meta', key);
        }
    }"""
    )
    held = []

    def hold(route):
        held.append(route)

    page.route("**/api/lieux", hold)
    form_set_up(page)
    page.get_by_role("link", name="Saisir un CRA").click()  # a new form, in the view shown
    loading = page.get_by_role("status").filter(has_text="Préparation du formulaire…")
    expect(loading).to_be_visible()
    form = page.locator("[data-form='cra']")
    expect(form).to_have_attribute("aria-busy", "true")
    page.get_by_label("À distance").click(force=True)  # a tap during the filling
    page.get_by_label("Préciser la thématique cochée").click(force=True)
    # No space typed: the focus is on the menu link just tapped, where a space scrolls the page
    # (a scroll still running when the form is filled would move the next taps' targets).
    page.keyboard.type("Tôt")
    expect(page.get_by_label("À distance")).not_to_be_checked()
    expect(page.get_by_label("Préciser la thématique cochée")).to_have_value("")
    for route in held:
        route.continue_()
    page.unroute("**/api/lieux", hold)
    expect(loading).to_have_count(0)
    expect(form).not_to_have_attribute("aria-busy", "true")
    # filled: the principal lieu chosen by default, then the user's choices are theirs
    expect(page.get_by_role("radio", name="Lieu d'activité")).to_be_checked()
    fill_individual_cra(page, annotation="Après")
    page.get_by_text("Votre suivi d'activité a bien été enregistré.").wait_for()
    waiting_text(page, 0).wait_for()
    (row,) = server_rows().values()
    assert (row.canal, row.annotation, row.code_commune) == ("distance", "Après", "69266")
    (local,) = phone_cras(page).values()
    assert local["head"] == str(row.head) and local["cra"]["canal"] == "distance"


def test_a_failed_send_is_retried_by_itself_with_growing_delays(page, live_server, conseiller):
    """The server fails twice (503, then an HTML page as a captive portal would answer): the
    outbox is retried without the user, 1 s then 2 s later, and the CRA arrives once."""
    log_in(page, live_server, conseiller)
    page.evaluate(
        """async () => {
        const { syncEvents } = await import('/js/sync.js');
        window.retries = [];
        syncEvents.addEventListener('result', ({ detail }) => {
            if (detail.erreur) window.retries.push(detail.retryIn);
        });
    }"""
    )
    attempts = []

    def fail_twice(route):
        attempts.append(route.request.post_data_json["operations"][0]["op_id"])
        if len(attempts) == 1:
            route.fulfill(status=503, body="Service indisponible")
        elif len(attempts) == 2:
            route.fulfill(status=200, content_type="text/html", body="<html>Portail</html>")
        else:
            route.continue_()

    page.route("**/api/sync/push", fail_twice)
    fill_individual_cra(page, annotation="Réessayé")
    page.get_by_text("Votre suivi d'activité a bien été enregistré.").wait_for()
    # Counted first (for 3 s at least, the retries' delays): before the count is drawn, the
    # bar of the login would say already that nothing waits.
    waiting_text(page, 1).wait_for()
    waiting_text(page, 0).wait_for(timeout=15000)  # nobody touched « Envoyer maintenant »
    assert page.evaluate("window.retries") == [1000, 2000]
    assert len(attempts) == 3 and len(set(attempts)) == 1  # the same frozen operation
    (row,) = server_rows().values()
    (local,) = phone_cras(page).values()
    assert row.annotation == "Réessayé" and local["head"] == str(row.head) == attempts[0]
    assert local["state"] == "synced" and local["version"] == row.version == 1


def test_lieux_are_refreshed_at_each_sync(page, live_server, conseiller, client, login):
    """A lieu added on the server after login reaches the phone at the next sync, so the form
    offers it offline."""
    log_in(page, live_server, conseiller)
    headers = login(conseiller)
    assert client.post("/api/lieux", json=LIEU, headers=headers).status_code == 201
    send_now(page)
    wait_until(
        page,
        """async () => {
        const { database } = await import('/js/db.js');
        const db = await database();
        const keys = (await db.getAllKeys('meta')).filter((k) => String(k).startsWith('lieux:'));
        return keys.length === 1 && (await db.get('meta', keys[0])).length === 1;
    }""",
    )
    page.context.set_offline(True)
    page.get_by_role("link", name="Historique").click()
    page.get_by_role("link", name="Saisir un CRA").click()
    form_set_up(page)
    expect(page.locator("#cra-lieu option", has_text=LIEU["nom"])).to_have_count(1)


def test_a_failure_line_goes_once_nothing_waits_any_more(page, live_server, conseiller):
    """« Envoi impossible » is not left next to « 0 compte rendu en attente » when another tab
    sent the outbox meanwhile."""
    log_in(page, live_server, conseiller)
    page.context.set_offline(True)
    fill_individual_cra(page, annotation="Ailleurs")
    line = page.locator("[data-field='sync-result']")
    # offline, the offline line says it all: no failure line beside it
    expect(page.get_by_text("Vous êtes hors ligne", exact=False)).to_be_visible()
    expect(line).to_have_text("")
    # back online, the server failing: the failure is said (going online sends by itself)
    page.route("**/api/sync/push", lambda route: route.fulfill(status=503, body="Indisponible"))
    page.context.set_offline(False)
    expect(line).to_have_text("Envoi impossible pour le moment : nouvel essai automatique.")
    # The failing server stays: the app's own retry must not send the CRA itself, which would
    # rightly say « 1 compte rendu envoyé » (a retry caught by the route and released by an
    # unroute did so once, even offline).
    page.context.set_offline(True)
    page.evaluate(  # what another tab's send leaves: an empty outbox
        """async () => {
        const { database } = await import('/js/db.js');
        await (await database()).clear('outbox');
    }"""
    )
    page.context.set_offline(False)
    send_now(page)
    waiting_text(page, 0).wait_for()
    expect(line).to_have_text("")


def server_lieux():
    """Every lieu on the server, archived ones included, by name."""
    db.session.expire_all()
    return {lieu.nom: lieu for lieu in db.session.scalars(select(LieuActivite))}


def add_lieu(page, nom, code_postal, commune):
    page.get_by_role("button", name="Ajouter un lieu").click()
    page.get_by_label("Nom du lieu").fill(nom)
    page.get_by_label("Code postal", exact=True).fill(code_postal)
    page.get_by_label("Commune", exact=True).select_option(label=commune)
    page.get_by_role("button", name="Enregistrer le lieu").click()


def lieux_status(page):
    return page.locator("[data-field='lieux-etat']")


KEPT_HERE = "Enregistré sur ce téléphone : envoi au retour du réseau."


def test_a_lieu_added_offline_and_a_cra_filed_at_it_reach_the_server_once(
    page, live_server, conseiller
):
    """The lieu goes first, its first answer lost: replayed, it is made once, and the CRA filed
    at it offline reaches the server attached to it."""
    log_in(page, live_server, conseiller)
    page.context.set_offline(True)
    page.get_by_role("link", name="Mes lieux").click()
    add_lieu(page, "Maison France Services", "69200", "Vénissieux")
    expect(lieux_status(page)).to_have_text(f"Lieu « Maison France Services » ajouté. {KEPT_HERE}")
    card = page.locator("[data-lieu]")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("En attente d'envoi")
    expect(card).to_contain_text("Principal")

    page.get_by_role("link", name="Saisir un CRA").click()
    form_set_up(page)
    expect(page.locator("#cra-lieu option:checked")).to_have_text(
        "Maison France Services – Vénissieux"
    )
    finish_individual_cra(page)  # at the default lieu
    page.reload()  # kept in IndexedDB, not in the page
    waiting_text(page, 1).wait_for()

    posts = []

    def lose_first_answer(route):
        if route.request.method != "POST":
            return route.continue_()
        posts.append(route.request.post_data_json)
        try:
            response = route.fetch()  # the server makes the lieu...
            if len(posts) == 1:
                route.abort()  # ...and the phone never hears of it
            else:
                route.fulfill(response=response)
        except PlaywrightError:
            pass
        return None

    page.route("**/api/lieux", lose_first_answer)
    page.context.set_offline(False)
    with page.expect_event("requestfailed", lambda r: r.url.endswith("/api/lieux")):
        send_now(page)
    send_now(page)
    waiting_text(page, 0).wait_for()
    (lieu,) = server_lieux().values()
    assert len(posts) >= 2 and posts[0] == posts[-1]
    assert str(lieu.client_id) == posts[0]["client_id"] and lieu.principal
    (row,) = server_rows().values()
    assert row.lieu_activite_id == lieu.id and row.canal == "rattachement"
    assert (row.code_postal, row.code_commune) == ("69200", "69259")
    # The phone now knows the CRA and the lieu by their server copies.
    (local,) = phone_cras(page).values()
    assert local["state"] == "synced" and local["cra"]["lieu_activite_id"] == lieu.id
    page.get_by_role("link", name="Mes lieux").click()
    expect(card).to_have_count(1)
    expect(card).not_to_contain_text("En attente d'envoi")


def test_lieux_edited_and_deleted_offline_reach_the_server_in_order(
    page, live_server, conseiller, client, login
):
    headers = login(conseiller)
    client.post("/api/lieux", json=LIEU, headers=headers)
    client.post("/api/lieux", json={**LIEU, "nom": "Annexe"}, headers=headers)
    log_in(page, live_server, conseiller)
    page.context.set_offline(True)
    page.get_by_role("link", name="Mes lieux").click()
    cards = page.locator("[data-lieu]")
    expect(cards).to_have_count(2)

    page.get_by_role("button", name="Modifier : Médiathèque Lumière").click()
    page.get_by_label("Nom du lieu").fill("Médiathèque Sud")
    page.get_by_role("button", name="Enregistrer le lieu").click()
    expect(lieux_status(page)).to_have_text(f"Lieu « Médiathèque Sud » modifié. {KEPT_HERE}")
    page.get_by_role("button", name="Définir comme principal : Annexe").click()
    expect(lieux_status(page)).to_have_text(
        f"« Annexe » est maintenant votre lieu principal. {KEPT_HERE}"
    )
    add_lieu(page, "Bus numérique", "69200", "Vénissieux")
    expect(cards).to_have_count(3)
    for name in ("Médiathèque Sud", "Bus numérique"):
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name=f"Supprimer : {name}").click()
        expect(lieux_status(page)).to_have_text(f"Lieu « {name} » supprimé. {KEPT_HERE}")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Annexe")
    expect(cards.first).to_contain_text("Principal")
    waiting = page.locator("[data-field='lieux-attente']")
    expect(waiting).to_have_text("5 changements de vos lieux en attente d'envoi")
    page.reload()  # kept on the phone
    page.get_by_role("link", name="Mes lieux").click()
    expect(waiting).to_have_text("5 changements de vos lieux en attente d'envoi")
    expect(cards).to_have_count(1)
    assert set(server_lieux()) == {"Médiathèque Lumière", "Annexe"}

    page.context.set_offline(False)
    send_now(page)
    expect(waiting).to_be_hidden()
    lieux = server_lieux()
    # « Bus numérique » was made then deleted (no CRA used it), the Médiathèque renamed then
    # deleted, « Annexe » principal.
    assert set(lieux) == {"Annexe"} and lieux["Annexe"].principal
    expect(cards).to_have_count(1)
    expect(cards.first).not_to_contain_text("En attente d'envoi")


def test_a_lieu_refused_by_the_server_is_shown_with_its_reason(
    page, live_server, conseiller, client, login
):
    """The 17th lieu, added offline, is refused when sent: the lieux screen says why and offers
    to correct or give it up; the CRA filed at it is refused in French, not sent without it."""
    headers = login(conseiller)
    log_in(page, live_server, conseiller)
    page.context.set_offline(True)
    page.get_by_role("link", name="Mes lieux").click()
    add_lieu(page, "Bus numérique", "69200", "Vénissieux")
    expect(lieux_status(page)).to_have_text(f"Lieu « Bus numérique » ajouté. {KEPT_HERE}")
    page.get_by_role("link", name="Saisir un CRA").click()
    form_set_up(page)
    finish_individual_cra(page)  # at the default lieu
    for number in range(16):  # meanwhile, on another device
        client.post("/api/lieux", json={**LIEU, "nom": f"Lieu {number}"}, headers=headers)

    page.context.set_offline(False)
    send_now(page)
    waiting_text(page, 0).wait_for()
    assert server_count() == 0 and "Bus numérique" not in server_lieux()
    page.get_by_role("link", name="Historique").click()
    expect(page.locator(".fr-badge", has_text="Refusé")).to_have_count(1)
    expect(page.get_by_text("n'a pas pu être enregistré sur le serveur").first).to_be_visible()
    page.get_by_role("link", name="Mes lieux").click()
    refusal = page.locator("[data-refus]")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text(
        "Le lieu « Bus numérique » n'a pas pu être ajouté : Vous avez déjà un lieu principal"
        " et 15 autres lieux d'activité."
    )
    # Room made on the other device: corrected, the same lieu is added, and the CRA with it.
    client.delete(f"/api/lieux/{server_lieux()['Lieu 0'].id}", headers=headers)
    page.get_by_role("button", name="Corriger").click()
    expect(page.get_by_label("Nom du lieu")).to_have_value("Bus numérique")
    page.get_by_role("button", name="Enregistrer le lieu").click()
    expect(lieux_status(page)).to_have_text("Lieu « Bus numérique » ajouté.")
    expect(refusal).to_have_count(0)
    page.get_by_role("link", name="Historique").click()
    page.get_by_role("button", name="Corriger").click()
    page.get_by_role("heading", name="Modifier le compte rendu").wait_for()
    expect(page.locator("#cra-lieu option:checked")).to_have_text("Bus numérique – Vénissieux")
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("Votre suivi d'activité a bien été enregistré.").wait_for()
    send_now(page)
    waiting_text(page, 0).wait_for()
    (row,) = server_rows().values()
    assert row.lieu_activite_id == server_lieux()["Bus numérique"].id


def test_a_cra_saved_during_maintenance_shows_the_message_and_reaches_the_server_once_after(
    page, live_server, conseiller
):
    """The server refuses writes (503, Retry-After: 1): the app tells it at login, the CRA
    stays in the outbox with the admin's message shown, the app tries again by itself, and
    once maintenance is off the CRA arrives once."""
    maintenance.basculer(True, "Mise à jour du service jusqu'à 14 h.", retry_after=1)
    pushes = []
    page.on("response", lambda r: "/api/sync/push" in r.url and pushes.append(r.status))
    log_in(page, live_server, conseiller)
    notice = page.locator("[data-field='maintenance']")
    told = (
        "Maintenance en cours : Mise à jour du service jusqu'à 14 h. Vos comptes rendus restent "
        "sur ce téléphone et seront envoyés à la fin de la maintenance."
    )
    expect(notice).to_have_text(told)  # at once, nothing saved yet
    assert pushes == []
    fill_individual_cra(page, annotation="En maintenance")
    waiting_text(page, 1).wait_for()
    expect(notice).to_have_text(told)
    # the first refusal (the send after the save), then a new attempt by itself, nobody
    # touching « Envoyer maintenant » (the listener sees every answer, whenever it comes)
    for _ in range(150):
        if pushes.count(503) >= 2:
            break
        page.wait_for_timeout(100)
    assert pushes.count(503) >= 2, pushes
    assert server_count() == 0
    maintenance.basculer(False)
    waiting_text(page, 0).wait_for(timeout=15000)
    expect(notice).to_be_hidden()
    assert server_count(annotation="En maintenance") == 1
    assert pushes.count(200) == 1 and pushes.count(503) >= 2
    assert db.session.scalar(select(func.count()).select_from(CraOperation)) == 1


def test_a_cras_history_lists_what_the_server_did_in_paris_time(
    page, live_server, conseiller, client, login
):
    """Created here, edited elsewhere, then an edit from here in conflict: the card's
    « Historique des modifications » lists the three, oldest first, with the fields changed,
    the device when it said, the conflict's message and the server's times in Paris."""
    cra_id, row = synced_cra(page, live_server, conseiller, "Origine")
    server_change(client, login, conseiller, cra_id, row, annotation="Bureau")
    send_offline_change(page, lambda: edit_annotation(page, "Téléphone"))
    times = [
        francais.date_heure(moment)
        for moment in sorted(
            [op.applied_at for op in db.session.scalars(select(CraOperation))]
            + [db.session.scalar(select(CraOperationRefusee.received_at))]
        )
    ]
    card = page.locator(f"[data-cra='{cra_id}']")
    card.get_by_text("Autres actions").click()
    card.get_by_role("button", name="Historique des modifications").click()
    entries = card.locator("[data-field='operations'] li")
    expect(entries).to_have_text(
        [
            f"{times[0]} Créé · depuis Linux · Chrome",
            f"{times[1]} Modifié : Annotation, Durée",
            f"{times[2]} Conflit : Ce compte rendu a été modifié entre-temps (sur un autre "
            "appareil ou dans un autre onglet) : choisissez la version à garder. "
            "· depuis Linux · Chrome",
        ]
    )
