"""The conseiller's app on a 360×740 phone: where things are, what the user is told (issue 15)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from tests.browser.conftest import PHONE, serious_violations, tick
from tests.browser.test_pwa import fill_individual_cra, form_set_up, log_in, send_now

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def screenshot(page, name, full_page=False):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"phone-{name}.png"), full_page=full_page)


def in_view(page, locator):
    """The element's box lies within the phone's screen (vertically)."""
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


@pytest.fixture
def conseiller(make_user, make_structure):
    return make_user("conseiller", structure=make_structure())


def test_valider_takes_the_user_to_the_first_problem(axe_page, live_server, conseiller):
    page = axe_page()
    log_in(page, live_server, conseiller)
    form_set_up(page)
    tick(page, "À distance")
    page.get_by_role("combobox", name="Commune").fill("69100")
    page.get_by_role("option", name="69100 Villeurbanne").click()
    tick(page, "Atelier collectif")
    for _ in range(3):
        page.get_by_role("button", name="Ajouter : Plus de 60 ans").click()
    tick(page, "Budget")
    page.get_by_role("button", name="Valider").click()

    # The focus is on the first field in error, shown on screen with its message tied to it.
    first = page.locator("[data-field-group='age'] input").first
    expect(first).to_be_focused()
    expect(first).to_have_attribute("aria-invalid", "true")
    message = "La somme des tranches d'âge (3) doit être égale au nombre de participants (5)."
    described = first.get_attribute("aria-describedby").split()
    assert any(page.locator(f"#{i}").text_content() == message for i in described)
    assert in_view(page, first)

    assert in_view(page, page.locator("[data-field-group=age] legend"))
    # Every field of the group is marked, not only the first.
    assert page.locator("[data-field-group='age'] input[aria-invalid='true']").count() == 5
    screenshot(page, "erreur-premier-champ")

    # The summary says which rule failed and leads to each field.
    summary = page.locator("[data-field='error-summary']")
    expect(summary.get_by_role("heading")).to_have_text("Le formulaire contient 3 erreurs")
    expect(summary.get_by_role("link", name=f"Tranches d'âge : {message}")).to_have_count(1)
    summary.get_by_role(
        "link", name="Durée de l'accompagnement : Ce champ est obligatoire."
    ).click()
    duree = page.locator("input[name='duree']").first
    expect(duree).to_be_focused()
    expect(duree).to_have_attribute("aria-invalid", "true")
    assert page.get_by_role("link", name="Statut des usagers").count() == 1
    assert serious_violations(page) == []

    # A corrected field loses its error at once; the others keep theirs.
    tick(page, "30 min. à 1h")
    expect(duree).not_to_have_attribute("aria-invalid", "true")
    expect(summary.get_by_role("heading")).to_have_text("Le formulaire contient 2 erreurs")
    expect(first).to_have_attribute("aria-invalid", "true")


def push_cras(client, login, conseiller, count):
    """CRAs made on another device: the phone gets them at its first sync."""
    from tests.cra_payloads import cra_payload, create_op

    operations = [
        create_op(cra_payload(date=f"2026-11-{day % 20 + 1:02d}", annotation=f"Séance {day}"))
        for day in range(count)
    ]
    response = client.post(
        "/api/sync/push", json={"operations": operations}, headers=login(conseiller)
    )
    assert {r["status"] for r in response.json["results"]} == {"applied"}


def assert_whole_menu_in_view(page):
    """Every menu entry on screen, whole, in at most two compact rows, and no sideways
    scrolling of the menu or the page."""
    nav = page.get_by_role("navigation", name="Menu principal")
    links = nav.get_by_role("link")
    boxes = [links.nth(i).bounding_box() for i in range(links.count())]
    for i, box in enumerate(boxes):
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], boxes
        assert in_view(page, links.nth(i)), boxes
    assert len({round(box["y"]) for box in boxes}) <= 2, boxes
    assert nav.bounding_box()["height"] <= 84, nav.bounding_box()
    assert page.locator(".app-nav__list").evaluate("ul => ul.scrollWidth <= ul.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    logout = page.get_by_role("button", name="Se déconnecter")
    assert in_view(page, logout) and logout.bounding_box()["x"] + 10 < PHONE["width"]


def test_the_first_field_is_on_the_first_screen_and_no_empty_bar(axe_page, live_server, conseiller):
    page = axe_page()
    log_in(page, live_server, conseiller)
    form_set_up(page)
    date = page.locator("#cra-date")
    assert in_view(page, date), date.bounding_box()
    # Nothing waits: no « 0 compte rendu en attente d'envoi » bar, no « Envoyer maintenant ».
    expect(page.get_by_role("button", name="Envoyer maintenant")).to_be_hidden()
    expect(page.locator("[data-region='status']")).to_be_hidden()
    assert_whole_menu_in_view(page)
    assert date.bounding_box()["y"] <= 400, date.bounding_box()
    screenshot(page, "premier-ecran")
    # The footer's mandatory links.
    for name, href in [
        ("Accessibilité : non conforme", "/accessibilite"),
        ("Mentions légales", "/mentions-legales"),
        ("Données personnelles", "/donnees-personnelles"),
    ]:
        expect(page.get_by_role("link", name=name)).to_have_attribute("href", href)
    assert serious_violations(page) == []
    page.get_by_role("link", name="Ressourcerie").click()
    expect(page.get_by_role("link", name="Ressourcerie")).to_have_attribute("aria-current", "page")
    assert in_view(page, page.get_by_role("link", name="Ressourcerie"))
    expect(page.get_by_role("link", name="Saisir un CRA")).not_to_have_attribute(
        "aria-current", "page"
    )


def test_a_coordinateur_sees_all_seven_entries_on_two_rows(page, live_server, make_user):
    """The longest menu (CRA de coordination added) still fits: shortened labels on screen,
    full names for screen readers, each reached by keyboard; « Se déconnecter » is in the
    header."""
    log_in(page, live_server, make_user("coordinateur"))
    form_set_up(page)
    nav = page.get_by_role("navigation", name="Menu principal")
    expect(nav.get_by_role("link")).to_have_count(7)
    assert_whole_menu_in_view(page)
    assert page.locator("#cra-date").bounding_box()["y"] <= 400
    coordination = page.get_by_role("link", name="CRA de coordination", exact=True)
    expect(coordination).to_have_text(re.compile(r"^\s*CRA de coordination\s*$"))
    # On screen, only « Coordination »: « CRA de » is clipped to nothing.
    assert coordination.locator(".app-nav__more").evaluate(
        "span => span.getBoundingClientRect().width <= 1"
    )
    expect(page.get_by_role("link", name="Mes statistiques", exact=True)).to_be_visible()
    coordination.focus()
    page.keyboard.press("Enter")
    expect(coordination).to_have_attribute("aria-current", "page")
    assert_whole_menu_in_view(page)


def test_the_pending_bar_says_what_waits_and_when_it_is_sent(page, live_server, conseiller):
    log_in(page, live_server, conseiller)
    page.context.set_offline(True)
    fill_individual_cra(page)
    bar = page.locator("[data-region='status']")
    expect(bar.get_by_text("1 compte rendu en attente d'envoi", exact=True)).to_be_visible()
    expect(bar.get_by_role("button", name="Envoyer maintenant")).to_be_visible()
    page.context.set_offline(False)
    send_now(page)  # going online sends by itself: a real tap could find the button gone
    expect(bar.get_by_text("1 compte rendu envoyé.")).to_be_visible()
    expect(bar.get_by_role("button", name="Envoyer maintenant")).to_be_hidden()


def test_the_history_shows_three_cras_per_screen_and_filters_behind_one_button(
    axe_page, live_server, conseiller, client, login
):
    push_cras(client, login, conseiller, 30)
    page = axe_page()
    log_in(page, live_server, conseiller)
    page.get_by_role("link", name="Historique").click()
    cards = page.locator("[data-cra]")
    expect(cards).to_have_count(30)
    # At least three whole cards on the first screen, each title (date, type) above its state.
    whole = [i for i in range(6) if in_view(page, cards.nth(i))]
    assert len(whole) >= 3, [cards.nth(i).bounding_box() for i in range(4)]
    first = cards.first
    title = first.get_by_role("heading").bounding_box()
    assert title["y"] - first.bounding_box()["y"] < 20
    assert first.bounding_box()["height"] <= 150
    expect(first.locator(".fr-badge")).to_have_text("Envoyé")
    # « Supprimer » is in the menu, not beside « Modifier ».
    expect(first.get_by_role("button", name="Supprimer")).to_be_hidden()
    screenshot(page, "historique")
    first.get_by_text("Autres actions").click()
    expect(first.get_by_role("button", name="Supprimer")).to_be_visible()
    screenshot(page, "historique-menu")
    assert serious_violations(page) == []
    # The filters are closed behind « Filtrer », which counts the active ones.
    filtrer = page.get_by_role("button", name="Filtrer")
    expect(page.get_by_label("Thème")).to_be_hidden()
    filtrer.click()
    expect(filtrer).to_have_attribute("aria-expanded", "true")
    page.get_by_label("Du", exact=True).fill("2026-11-15")
    page.get_by_label("Code postal ou commune").fill("69001")
    expect(filtrer).to_have_text("Filtrer (2 actifs)")
    expect(page.get_by_text("6 accompagnements sur 30")).to_be_visible()  # the 15th to the 20th
    screenshot(page, "historique-filtres")
    page.get_by_role("button", name="Effacer les filtres").click()
    expect(filtrer).to_have_text("Filtrer")
    expect(cards).to_have_count(30)


def test_the_commune_search_is_a_keyboard_combobox_cleared_with_the_canal(
    axe_page, live_server, conseiller
):
    page = axe_page()
    log_in(page, live_server, conseiller)
    form_set_up(page)
    tick(page, "Autre lieu")
    commune = page.get_by_role("combobox", name="Commune")
    commune.press_sequentially("vénis")
    expect(commune).to_have_attribute("aria-expanded", "true")
    listbox = page.get_by_role("listbox", name="Communes proposées")
    expect(commune).to_have_attribute("aria-controls", listbox.get_attribute("id"))
    status = page.locator("[data-field='commune-status']")
    expect(status).to_have_text(re.compile(r"communes? proposées? : flèche bas"))
    commune.press("ArrowDown")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(commune).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    expect(commune).to_be_focused()  # the focus stays in the field
    screenshot(page, "commune-liste")
    assert serious_violations(page) == []
    commune.press("ArrowDown")
    commune.press("ArrowUp")
    expect(first).to_have_attribute("aria-selected", "true")
    commune.press("Enter")
    expect(commune).to_have_value("69200 Vénissieux")
    expect(commune).to_have_attribute("aria-expanded", "false")
    expect(status).to_have_text("Commune choisie : 69200 Vénissieux.")
    assert page.locator("input[name='code_commune']").input_value() == "69259"
    # Enter chose a commune; it did not submit the form.
    expect(page.locator("[data-field='error-summary']")).to_be_hidden()
    # Escape closes the list, then clears the field.
    commune.fill("lyon")
    expect(commune).to_have_attribute("aria-expanded", "true")
    commune.press("Escape")
    expect(commune).to_have_attribute("aria-expanded", "false")
    expect(commune).to_have_value("lyon")
    commune.press("Escape")
    expect(commune).to_have_value("")
    # A commune chosen for one canal does not stay for another.
    commune.press_sequentially("69200")
    commune.press("ArrowDown")
    commune.press("Enter")
    expect(commune).to_have_value("69200 Vénissieux")
    tick(page, "À domicile")
    expect(commune).to_have_value("")
    assert page.locator("input[name='code_commune']").input_value() == ""
    commune.press_sequentially("villeurb")
    expect(commune).to_have_value("villeurb")


def test_mes_statistiques_filter_by_commune_with_legible_labels_and_paris_time(
    axe_page, live_server, conseiller, client, login
):
    from tests.cra_payloads import cra_payload, create_op

    lyon = cra_payload(date="2026-11-02")
    villeurbanne = cra_payload(
        date="2026-11-03", code_postal="69100", code_commune="69266", nom_commune="Villeurbanne"
    )
    operations = [create_op(lyon), create_op(lyon), create_op(villeurbanne)]
    response = client.post(
        "/api/sync/push", json={"operations": operations}, headers=login(conseiller)
    )
    assert {r["status"] for r in response.json["results"]} == {"applied"}
    page = axe_page()
    log_in(page, live_server, conseiller)
    page.get_by_role("link", name="Mes statistiques").click()
    page.locator("#s-du").fill("2026-11-01")
    page.locator("#s-au").fill("2026-11-30")
    page.get_by_role("button", name="Afficher").click()
    figure = page.locator(".app-figure", has_text="CRA enregistrés")
    expect(figure.locator(".app-figure__value")).to_have_text("3")
    page.locator("#s-commune").select_option(label="69100 Villeurbanne")
    page.get_by_role("button", name="Afficher").click()
    expect(figure.locator(".app-figure__value")).to_have_text("1")
    expect(page.get_by_text(re.compile("au 30/11/2026 à 69100 Villeurbanne"))).to_be_visible()
    # Labels wrap between words: no word is drawn on two lines.
    split = page.evaluate(
        """() => [...document.querySelectorAll('.app-figure__label, .app-bars__label')]
        .flatMap((el) => {
        const text = el.firstChild; const out = [];
        for (const m of text.textContent.matchAll(/\\S+/g)) {
          const range = document.createRange();
          range.setStart(text, m.index); range.setEnd(text, m.index + m[0].length);
          const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          if (tops.size > 1) out.push(m[0]);
        }
        return out; })"""
    )
    assert split == []
    # The charts' text is at least 12 px on screen, their bars within the phone's width.
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('.app-chart li, .app-chart figcaption')]
        .map((el) => parseFloat(getComputedStyle(el).fontSize))"""
    )
    assert sizes and min(sizes) >= 12
    bars = page.locator("[data-chart='canaux'] .app-bars__bar")
    assert bars.first.bounding_box()["x"] + bars.first.bounding_box()["width"] <= 360
    screenshot(page, "statistiques", full_page=True)
    assert serious_violations(page) == []


def test_mes_statistiques_times_are_paris_times(page, live_server, conseiller):
    """A version of the statistics stored at 04:57 UTC reads « à 05:57 » (Paris, winter)."""
    log_in(page, live_server, conseiller)
    page.get_by_role("link", name="Mes statistiques").click()
    page.locator("[data-field='stats-date']").wait_for()
    page.context.set_offline(True)
    page.evaluate(
        """async (owner) => {
        const { getMeta, setMeta } = await import('/js/db.js');
        const saved = await getMeta(`stats:${owner}`);
        await setMeta(`stats:${owner}`, { ...saved, at: '2026-12-07T04:57:00.000Z' });
    }""",
        str(conseiller.id),
    )
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("[data-field='stats-date']")).to_contain_text("Hors ligne : données du")
    expect(page.locator("[data-field='stats-date']")).to_contain_text(
        "mises à jour le 07/12/2026 à 05:57."
    )


def test_lieux_are_managed_in_the_app_and_readable_offline(
    axe_page, live_server, conseiller, client, login
):
    from server.models import LieuActivite
    from tests.browser.test_pwa import LIEU

    headers = login(conseiller)
    assert client.post("/api/lieux", json=LIEU, headers=headers).status_code == 201
    page = axe_page()
    log_in(page, live_server, conseiller)
    page.get_by_role("link", name="Mes lieux").click()
    page.get_by_role("heading", name="Mes lieux d'activité").wait_for()
    cards = page.locator("[data-lieu]")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Principal")

    # Add a second lieu: its commune is chosen from its postal code.
    page.get_by_role("button", name="Ajouter un lieu").click()
    page.get_by_label("Nom du lieu").fill("Maison France Services")
    page.get_by_label("Code postal", exact=True).fill("69200")
    page.get_by_label("Commune", exact=True).select_option(label="Vénissieux")
    page.get_by_role("button", name="Enregistrer le lieu").click()
    expect(page.get_by_text("Lieu « Maison France Services » ajouté.")).to_be_visible()
    expect(cards).to_have_count(2)
    assert serious_violations(page) == []
    screenshot(page, "lieux", full_page=True)

    # Make it the principal one, then edit it: its other fields are kept.
    page.get_by_role("button", name="Définir comme principal : Maison France Services").click()
    expect(
        page.get_by_text("« Maison France Services » est maintenant votre lieu principal.")
    ).to_be_visible()
    page.get_by_role("button", name="Modifier : Médiathèque Lumière").click()
    page.get_by_label("Nom du lieu").fill("Médiathèque Lumière Sud")
    page.get_by_role("button", name="Enregistrer le lieu").click()
    expect(page.get_by_text("Lieu « Médiathèque Lumière Sud » modifié.")).to_be_visible()
    db.session.expire_all()
    rows = {lieu.nom: lieu for lieu in db.session.scalars(select(LieuActivite)).all()}
    assert (
        rows["Maison France Services"].principal and not rows["Médiathèque Lumière Sud"].principal
    )
    assert rows["Médiathèque Lumière Sud"].horaires == "Lun-Ven 9h-17h"
    assert rows["Maison France Services"].code_commune == "69259"

    # Offline: the list is readable, a deletion is shown at once and sent with the network.
    page.context.set_offline(True)
    page.reload()
    page.get_by_role("link", name="Mes lieux").click()
    expect(cards).to_have_count(2)
    expect(page.get_by_text("Hors ligne : vos lieux sont affichés").first).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Supprimer : Médiathèque Lumière Sud").click()
    expect(page.locator("[data-field='lieux-etat']")).to_have_text(
        "Lieu « Médiathèque Lumière Sud » supprimé."
        " Enregistré sur ce téléphone : envoi au retour du réseau."
    )
    expect(cards).to_have_count(1)
    waiting = page.locator("[data-field='lieux-attente']")
    expect(waiting).to_have_text("1 changement de vos lieux en attente d'envoi")
    screenshot(page, "lieux-hors-ligne")
    assert len(db.session.scalars(select(LieuActivite)).all()) == 2
    page.context.set_offline(False)
    send_now(page)
    expect(waiting).to_be_hidden()
    expect(cards).to_have_count(1)
    db.session.expire_all()
    assert [lieu.nom for lieu in db.session.scalars(select(LieuActivite)).all()] == [
        "Maison France Services"
    ]


def test_a_mistyped_app_address_shows_a_french_page(axe_page, live_server):
    page = axe_page()
    response = page.goto(live_server + "/saisie-cra")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page introuvable")).to_be_visible()
    expect(page.get_by_role("link", name="Retour à l'application")).to_have_attribute("href", "/")
    assert "Not Found" not in page.content()
    screenshot(page, "adresse-inconnue")
    assert serious_violations(page) == []


def test_the_coordination_identity_never_shows_an_empty_identifiant(page, live_server, make_user):
    coordinateur = make_user("coordinateur")  # no structure
    log_in(page, live_server, coordinateur)
    page.get_by_role("link", name="CRA de coordination").click()
    identity = page.locator("[data-view='coordination'] .fr-callout").first
    expect(identity).to_contain_text("Structure non renseignée")
    expect(identity).not_to_contain_text("identifiant –")
    expect(identity).to_contain_text(f"identifiant {coordinateur.conseiller_id}")
    screenshot(page, "coordination-identite")
