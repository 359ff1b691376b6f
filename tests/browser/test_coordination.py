"""The coordinators' CRA in a real Chromium: filled offline, synced once, counted nationally."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from server.extensions import db
from server.models import CraCoordination
from tests.browser.conftest import serious_violations, tick, wait_until
from tests.browser.test_pwa import SENDING_DONE, phone_cras, send_now, waiting_text
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
    tick(view, "Je souhaite ajouter au moins un événement")
    event = view.locator("[data-item='evenements']")
    event.get_by_label("Nom de l'événement").fill("Fête du numérique")
    tick(event, "Commune", exact=True)
    event.get_by_label("Type d'événement").select_option("grand-public")
    event.get_by_label("Date de l'événement").fill("2026-11-14")
    tick(view, "Je souhaite ajouter au moins un nouvel accompagnement")
    section = view.locator("[data-item='accompagnements']")
    section.get_by_label("Type d'accompagnement").select_option("mediateur")
    section.get_by_label("Nom du médiateur ou de la médiatrice").fill("Alex Martin")
    section.get_by_label("Type de structure").select_option("association")
    section.get_by_label("Nom de la structure").fill("Les Connectés")
    tick(section, "Saisie des CRA")
    tick(section, "Visite sur site")
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
    tick(view, "Je souhaite ajouter au moins un nouveau partenariat")
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
    tick(page, "Je souhaite ajouter au moins un nouvel accompagnement")
    assert serious_violations(page) == []


def server_reports():
    """The coordinator's reports on the server, deleted ones included, by id."""
    db.session.expire_all()
    return {str(row.id): row for row in db.session.scalars(select(CraCoordination))}


def phone_reports(page):
    return {
        key: local
        for key, local in phone_cras(page).items()
        if local.get("objet") == "cra_coordination"
    }


def synced_report(page, live_server, coordinateur):
    log_in(page, live_server, coordinateur)
    fill_report(page)
    page.get_by_text("Votre compte rendu de coordination a bien été enregistré.").wait_for()
    waiting_text(page, 0).wait_for()
    page.get_by_role("link", name="CRA de coordination").click()
    page.get_by_text("Envoyé", exact=True).wait_for()
    wait_until(page, SENDING_DONE)  # the pull after the sync too (see test_pwa.synced_cra)
    ((report_id, row),) = server_reports().items()
    return report_id, row


def change_elsewhere(client, login, coordinateur, report_id, row, delete=False):
    """Another device edits (3 h of communication, the event renamed) or deletes the report."""
    from tests.cra_payloads import delete_op, update_op
    from tests.test_coordinations import rapport

    if delete:
        operation = delete_op(report_id, str(row.head))
    else:
        event = {**row.evenements[0], "nom": "Salon du bureau"}
        payload = rapport(
            date=row.date.isoformat(),
            evenements=[event],
            partenariats=row.partenariats,
            accompagnements=row.accompagnements,
            communication_heures=3,
        )
        operation = update_op(report_id, str(row.head), payload)
    operation["objet"] = "cra_coordination"
    response = client.post(
        "/api/sync/push", json={"operations": [operation]}, headers=login(coordinateur)
    )
    assert response.json["results"][0]["status"] == "applied", response.json


def edit_on_phone(page):
    view = page.locator("[data-view='coordination']")
    view.get_by_role("button", name="Modifier").first.click()
    # the report is read, then written into the form: typing starts once it is there
    view.get_by_text("Modifier le CRA du", exact=False).wait_for()
    view.get_by_label("Heures par semaine, en moyenne").fill("4")
    view.get_by_role("button", name="Valider").click()
    page.get_by_text("Votre compte rendu de coordination a bien été enregistré.").wait_for()


def delete_on_phone(page):
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-view='coordination']").get_by_role("button", name="Supprimer").click()


@pytest.mark.parametrize(
    "phone, server, choice",
    [
        ("edit", "edit", "Garder ma version"),
        ("edit", "edit", "Garder la version du serveur"),
        ("delete", "edit", "Supprimer quand même"),
        ("edit", "delete", "Restaurer avec ma version"),
        ("delete", "delete", None),
    ],
)
def test_coordination_conflicts_show_both_versions_and_the_choices_of_their_case(
    page, live_server, make_user, make_structure, client, login, phone, server, choice
):
    coordinateur = make_user("coordinateur", structure=make_structure())
    report_id, row = synced_report(page, live_server, coordinateur)
    change_elsewhere(client, login, coordinateur, report_id, row, delete=server == "delete")
    view = page.locator("[data-view='coordination']")
    page.context.set_offline(True)
    edit_on_phone(page) if phone == "edit" else delete_on_phone(page)
    page.context.set_offline(False)
    send_now(page)
    if choice is None:  # deleted on both sides: nothing to decide
        waiting_text(page, 0).wait_for()
        expect(view.get_by_text("Conflit", exact=True)).to_have_count(0)
        expect(view.get_by_text("Aucun CRA de coordination pour le moment.")).to_be_visible()
        assert phone_reports(page)[report_id]["deleted"] is True
        assert server_reports()[report_id].deleted_at is not None
        return
    expect(view.get_by_text("Conflit", exact=True)).to_have_count(1)
    # the send's line says where to decide: this view, not the CRA history
    expect(page.locator("[data-field='sync-result']")).to_have_text(
        "1 conflit : à trancher dans « CRA de coordination »."
    )
    versions = view.locator("[data-conflict='versions']")
    if (phone, server) == ("edit", "edit"):
        # field by field, only what differs, each side in words
        hours = versions.locator("[data-conflict-field='communication_heures']")
        expect(hours.locator("td").nth(0)).to_have_text("4 h")
        expect(hours.locator("td").nth(1)).to_have_text("3 h")
        events = versions.locator("[data-conflict-field='evenements']")
        expect(events.locator("td").nth(0)).to_contain_text("Fête du numérique (Grand public")
        expect(events.locator("td").nth(1)).to_contain_text("Salon du bureau")
        expect(versions.locator("[data-conflict-field='accompagnements']")).to_have_count(0)
        expect(view.get_by_role("button", name="Garder la version du serveur")).to_be_visible()
    if (phone, server) == ("delete", "edit"):
        view.get_by_text("Vous avez supprimé ce compte rendu sur ce téléphone").wait_for()
        expect(versions.locator("td", has_text="(supprimé)")).not_to_have_count(0)
        expect(view.get_by_role("button", name="Garder la version modifiée")).to_be_visible()
    if (phone, server) == ("edit", "delete"):
        view.get_by_text("il a été supprimé entre-temps ailleurs").wait_for()
        expect(view.get_by_role("button", name="Accepter la suppression")).to_be_visible()
    expect(view.get_by_role("button", name="Garder ma version")).to_have_count(
        1 if (phone, server) == ("edit", "edit") else 0
    )
    view.get_by_role("button", name=choice).click()
    if choice != "Garder la version du serveur":  # the others send a new operation
        page.get_by_text("1 compte rendu envoyé.").wait_for()
    waiting_text(page, 0).wait_for()
    expect(view.get_by_text("Conflit", exact=True)).to_have_count(0)
    rows, phone_copy = server_reports(), phone_reports(page)
    alive = {key: r for key, r in rows.items() if r.deleted_at is None}
    if choice == "Supprimer quand même":
        assert alive == {} and phone_copy[report_id]["deleted"] is True
        expect(view.get_by_text("Aucun CRA de coordination pour le moment.")).to_be_visible()
        return
    expect(view.get_by_text("Envoyé", exact=True)).to_have_count(1)
    ((alive_id, kept),) = alive.items()
    expected_hours = 3 if choice == "Garder la version du serveur" else 4
    assert kept.communication_heures == expected_hours
    if choice == "Restaurer avec ma version":  # a new report; the deleted one stays deleted
        assert alive_id != report_id and rows[report_id].deleted_at is not None
        assert phone_copy[report_id]["deleted"] is True
    else:
        assert alive_id == report_id
        assert kept.version == (3 if choice == "Garder ma version" else 2)
    # the phone holds exactly what the server holds
    local = phone_copy[alive_id]
    assert local["state"] == "synced" and local["head"] == str(kept.head)
    assert local["version"] == kept.version
    assert local["cra"]["communication_heures"] == kept.communication_heures
    assert [e["nom"] for e in local["cra"]["evenements"]] == [e["nom"] for e in kept.evenements]


def test_no_serious_accessibility_violation_on_conflict_cards(
    axe_page, live_server, make_user, make_structure, client, login
):
    """A report in conflict (the card CRAs share) at 360 px: both versions fit, no violation."""
    page = axe_page()
    coordinateur = make_user("coordinateur", structure=make_structure())
    report_id, row = synced_report(page, live_server, coordinateur)
    change_elsewhere(client, login, coordinateur, report_id, row)
    page.context.set_offline(True)
    edit_on_phone(page)
    page.context.set_offline(False)
    send_now(page)
    view = page.locator("[data-view='coordination']")
    expect(view.locator("[data-conflict='versions']")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    assert serious_violations(page) == []
