"""The coordinators' CRA in a real Chromium: filled offline, synced once, counted nationally."""

from playwright.sync_api import expect
from sqlalchemy import func, select

from server.extensions import db
from server.models import CraCoordination
from tests.browser.conftest import serious_violations
from tests.browser.test_pwa import send_now, waiting_text
from tests.conftest import PASSWORD


def log_in(page, base, user):
    page.goto(base + "/?vue=saisie")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Nouveau compte rendu d'activité").wait_for()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)


def stored() -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count())
        .select_from(CraCoordination)
        .where(CraCoordination.deleted_at.is_(None))
    )


def fill_report(page):
    page.get_by_role("link", name="CRA de coordination").click()
    page.get_by_role("heading", name="CRA de coordination", exact=True).wait_for()
    view = page.locator("[data-view='coordination']")
    view.get_by_label("Je souhaite ajouter au moins un événement").check(force=True)
    event = view.locator("[data-item='evenements']")
    event.get_by_label("Nom de l'événement").fill("Fête du numérique")
    event.get_by_label("Commune", exact=True).check(force=True)
    event.get_by_label("Type d'événement").select_option("grand-public")
    event.get_by_label("Date de l'événement").fill("2026-11-14")
    view.get_by_label("Je souhaite ajouter au moins un nouvel accompagnement").check(force=True)
    section = view.locator("[data-item='accompagnements']")
    section.get_by_label("Type d'accompagnement").select_option("mediateur")
    section.get_by_label("Nom du médiateur ou de la médiatrice").fill("Alex Martin")
    section.get_by_label("Type de structure").select_option("association")
    section.get_by_label("Nom de la structure").fill("Les Connectés")
    section.get_by_label("Saisie des CRA").check(force=True)
    section.get_by_label("Visite sur site").check(force=True)
    view.get_by_label("Heures par semaine, en moyenne").fill("2.5")
    view.get_by_role("button", name="Valider").click()


def test_a_coordination_cra_filled_offline_reaches_the_national_counts_once(
    page, live_server, make_user, make_structure, client, login
):
    coordinateur = make_user("coordinateur", structure=make_structure())
    log_in(page, live_server, coordinateur)
    page.context.set_offline(True)
    fill_report(page)
    page.get_by_text("Votre compte rendu de coordination a bien été enregistré.").wait_for()
    expect(page.get_by_text("En attente d'envoi", exact=True)).to_have_count(1)
    page.reload()
    waiting_text(page, 1).wait_for()
    assert stored() == 0
    page.context.set_offline(False)
    send_now(page)
    waiting_text(page, 0).wait_for()
    assert stored() == 1
    page.get_by_role("link", name="CRA de coordination").click()
    page.get_by_text("Envoyé", exact=True).wait_for()
    page.reload()  # a second send (the one at login) adds nothing
    page.get_by_text("Envoyé", exact=True).wait_for()
    assert stored() == 1
    counts = client.get("/api/coordinations/national", headers=login(make_user("admin"))).json
    assert (counts["cras"], counts["evenements"], counts["mediateurs_accompagnes"]) == (1, 1, 1)
    assert counts["communication_heures_moyenne"] == 2.5


def test_the_form_says_what_is_missing_in_french(page, live_server, make_user, make_structure):
    log_in(page, live_server, make_user("coordinateur", structure=make_structure()))
    page.get_by_role("link", name="CRA de coordination").click()
    view = page.locator("[data-view='coordination']")
    view.get_by_label("Je souhaite ajouter au moins un nouveau partenariat").check(force=True)
    view.get_by_role("button", name="Valider").click()
    page.get_by_text("Complétez chaque champ (au moins une case par liste).").wait_for()
    page.get_by_text("Erreur : veuillez corriger les champs signalés.").wait_for()
    assert stored() == 0


def test_only_coordinators_see_the_coordination_view(page, live_server, make_user, make_structure):
    log_in(page, live_server, make_user("conseiller", structure=make_structure()))
    assert page.get_by_role("link", name="CRA de coordination").count() == 0


def test_no_serious_accessibility_violation_on_the_coordination_view(
    axe_page, live_server, make_user, make_structure
):
    page = axe_page()
    log_in(page, live_server, make_user("coordinateur", structure=make_structure()))
    page.get_by_role("link", name="CRA de coordination").click()
    page.get_by_label("Je souhaite ajouter au moins un nouvel accompagnement").check(force=True)
    assert serious_violations(page) == []
