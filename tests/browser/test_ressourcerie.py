"""The ressourcerie in the conseiller's app: find a document, keep it, read it offline."""

import io

from sqlalchemy import select

from server.extensions import db
from server.models import Document
from tests.browser.conftest import serious_violations
from tests.browser.test_coordination import log_in
from tests.test_ressourcerie import pdf


def publish(client, headers, titre, tags, marker):
    response = client.post(
        "/api/ressourcerie/documents",
        headers=headers,
        content_type="multipart/form-data",
        data={
            "titre": titre,
            "description": "Pas à pas.",
            "thematique": "courriel",
            "tags": tags,
            "fichier": (io.BytesIO(pdf(marker)), "guide.pdf"),
        },
    )
    assert response.status_code == 201, response.json


def test_a_conseiller_finds_a_document_and_reads_it_offline(
    page, live_server, make_user, make_structure, client, login, tmp_path
):
    admin = login(make_user("admin"))
    publish(client, admin, "Créer une adresse Gmail", "gmail, messagerie", "gmail")
    publish(client, admin, "Sécuriser son téléphone", "sécurité", "securite")
    log_in(page, live_server, make_user("conseiller", structure=make_structure()))
    page.get_by_role("link", name="Ressourcerie").click()
    view = page.locator("[data-view='ressourcerie']")
    view.get_by_label("Mots").fill("gmail")
    view.get_by_role("button", name="Rechercher").click()
    view.get_by_text("1 document(s)").wait_for()
    view.get_by_role("button", name="Garder hors ligne").click()
    view.get_by_text("« Créer une adresse Gmail » est gardé sur ce téléphone.").wait_for()
    page.context.set_offline(True)
    page.reload()
    page.get_by_role("link", name="Ressourcerie").click()
    view.get_by_text("Hors ligne : seuls vos documents gardés").wait_for()
    view.get_by_role("heading", name="Créer une adresse Gmail").wait_for()
    with page.context.expect_page() as opened:
        view.get_by_role("button", name="Ouvrir").click()
    assert opened.value.url.startswith("blob:")  # the kept copy, opened with no network
    kept = page.evaluate("""async () => {
        const { database } = await import('/js/db.js');
        const [doc] = await (await database()).getAll('documents');
        return [doc.titre, (await doc.blob.text()).slice(0, 8)];
    }""")
    assert kept == ["Créer une adresse Gmail", "%PDF-1.4"]


def test_a_conseiller_proposes_a_pdf(
    page, live_server, make_user, make_structure, tmp_path, client, login
):
    log_in(page, live_server, make_user("conseiller", structure=make_structure()))
    page.get_by_role("link", name="Ressourcerie").click()
    view = page.locator("[data-view='ressourcerie']")
    view.get_by_label("Titre").fill("Fiche atelier Canva")
    view.get_by_label("Tags").fill("canva, atelier")
    document = tmp_path / "fiche.pdf"
    document.write_bytes(pdf("canva"))
    view.get_by_label("Document PDF").set_input_files(str(document))
    view.get_by_role("button", name="Proposer").click()
    view.get_by_text("sera publié dès qu'un administrateur l'aura accepté").wait_for()
    db.session.expire_all()
    stored = db.session.scalars(select(Document)).one()
    assert (stored.titre, stored.statut, stored.tags) == (
        "Fiche atelier Canva",
        "propose",
        ["canva", "atelier"],
    )
    proposals = view.locator("[data-field='proposals']")
    mine = proposals.locator("li", has_text="Fiche atelier Canva")
    mine.get_by_text("En attente de publication").wait_for()
    admin = login(make_user("admin"))
    assert (
        client.post(
            f"/api/ressourcerie/documents/{stored.id}/decision",
            headers=admin,
            json={"decision": "refuse"},
        ).status_code
        == 200
    )
    page.reload()
    page.get_by_role("link", name="Ressourcerie").click()
    mine.get_by_text("Refusé par un administrateur").wait_for()  # the proposer is told
    not_a_pdf = tmp_path / "photo.pdf"
    not_a_pdf.write_bytes(b"\x89PNG\r\n\x1a\n not a pdf")
    view.get_by_label("Titre").fill("Une photo")
    view.get_by_label("Document PDF").set_input_files(str(not_a_pdf))
    view.get_by_role("button", name="Proposer").click()
    view.get_by_text("Ce fichier n'est pas un PDF").first.wait_for()


def test_no_serious_accessibility_violation_on_the_ressourcerie(
    axe_page, live_server, make_user, make_structure
):
    page = axe_page()
    log_in(page, live_server, make_user("conseiller", structure=make_structure()))
    page.get_by_role("link", name="Ressourcerie").click()
    page.locator("[data-view='ressourcerie']").get_by_text("Aucun document").first.wait_for()
    assert serious_violations(page) == []
