"""The ressourcerie's pilotage pages and the coordinators' counts in a real Chromium, desktop
size, the pages' CSP in force: an admin publishes a PDF through the form, a structure finds it
by search and downloads it; axe finds nothing serious on the new pages."""

import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, serious_violations
from tests.browser.test_pilotage import log_in
from tests.test_coordinations import coordination_op
from tests.test_ressourcerie import pdf


@pytest.fixture
def people(make_structure, make_user):
    lyon = make_structure()
    return {
        "admin": make_user("admin"),
        "structure": make_user("structure", structure=lyon),
        "coordinateur": make_user("coordinateur", structure=lyon),
    }


def test_an_admin_publishes_a_pdf_and_a_structure_finds_and_downloads_it(
    desktop, live_server, people, tmp_path
):
    page = desktop
    document = tmp_path / "guide-gmail.pdf"
    document.write_bytes(pdf("gmail"))
    log_in(page, live_server, people["admin"])
    page.get_by_role("link", name="Gestion de la ressourcerie").click()
    page.get_by_role("heading", level=1, name="Gestion de la ressourcerie").wait_for()
    form = page.locator("form[data-depot]")
    form.get_by_label("Titre").fill("Créer une adresse Gmail")
    form.get_by_label("Description").fill("Pas à pas, avec captures d'écran.")
    form.get_by_label("Thématique").select_option(label="Courriel")
    form.get_by_label("Tags").fill("gmail, messagerie")
    form.get_by_label("Fichier").set_input_files(str(document))
    form.get_by_role("button", name="Publier le document").click()
    page.get_by_text("Le document est publié : il est dans la ressourcerie.").wait_for()
    published = page.locator("[data-publies]")
    assert published.get_by_role("rowheader", name="Créer une adresse Gmail").is_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_text("Vous êtes déconnecté(e).").wait_for()

    log_in(page, live_server, people["structure"])
    page.get_by_role("link", name="Ressourcerie", exact=True).click()
    page.get_by_role("heading", level=2, name="Derniers ajouts").wait_for()
    search = page.get_by_role("search")
    search.get_by_label("Mots").fill("gmail")
    search.get_by_role("button", name="Rechercher").click()
    page.get_by_text("1 document trouvé pour « gmail »").wait_for()
    found = page.locator("[data-documents]")
    assert found.get_by_role("heading", name="Créer une adresse Gmail").is_visible()
    with page.expect_download() as info:
        found.get_by_role("link", name="Télécharger « Créer une adresse Gmail »").click()
    assert Path(info.value.path()).read_bytes() == pdf("gmail")
    assert info.value.suggested_filename == "guide-gmail.pdf"

    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger tous les documents de la ressourcerie").click()
    assert info.value.url.startswith("blob:")  # through the page's script, with its progress
    with zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes())) as archive:
        assert [archive.read(name) for name in archive.namelist()] == [pdf("gmail")]
    page.get_by_text("Téléchargement terminé : ressourcerie.zip").wait_for()
    assert page.errors == []  # no CSP refusal, no failed script


def test_a_file_over_the_limit_is_refused_before_it_is_sent(desktop, live_server, people, tmp_path):
    page = desktop
    big = tmp_path / "enorme.pdf"
    big.write_bytes(pdf().replace(b"trailer", b"%" + b"x" * 21 * 2**20 + b"\ntrailer"))
    log_in(page, live_server, people["admin"], "/pilotage/ressourcerie/gestion")
    form = page.locator("form[data-depot]")
    form.wait_for()  # the page after login; then its module script, which runs before
    page.wait_for_load_state("domcontentloaded")  # DOMContentLoaded, listens to the file
    form.get_by_label("Fichier").set_input_files(str(big))
    message = form.get_by_text("Le document dépasse la taille maximale de 20 Mo.")
    message.wait_for()
    form.get_by_label("Titre").fill("Trop gros")
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    form.get_by_role("button", name="Publier le document").click()
    # Only the refused send moves the focus to the file, its message beside it.
    expect(form.get_by_label("Fichier")).to_be_focused()
    assert (
        message.is_visible()
        and form.get_by_label("Fichier").get_attribute("aria-invalid") == "true"
    )
    assert posts == []  # nothing was sent


PAGES = {
    "ressourcerie": ("structure", "/pilotage/ressourcerie"),
    "ressourcerie-tag": ("structure", "/pilotage/ressourcerie?tag=messagerie&q=guide"),
    "ressourcerie-coordinateur": ("coordinateur", "/pilotage/ressourcerie"),
    "gestion": ("admin", "/pilotage/ressourcerie/gestion"),
    "coordinations": ("admin", "/pilotage/coordinations"),
}


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violation(axe_page, live_server, people, client, login, name):
    admin, coordinateur = login(people["admin"]), login(people["coordinateur"])
    for number, (headers, tags) in enumerate(
        [(admin, "gmail, messagerie"), (admin, "whatsapp"), (coordinateur, "canva")]
    ):
        response = client.post(
            "/api/ressourcerie/documents",
            headers=headers,
            content_type="multipart/form-data",
            data={
                "titre": f"Guide {number}",
                "description": "Pas à pas.",
                "thematique": "courriel",
                "tags": tags,
                "fichier": (io.BytesIO(pdf(str(number))), "guide.pdf"),
            },
        )
        assert response.status_code == 201, response.json
    pushed = client.post(
        "/api/sync/push", headers=coordinateur, json={"operations": [coordination_op()]}
    )
    assert pushed.json["results"][0]["status"] == "applied"
    role, path = PAGES[name]
    page = axe_page(DESKTOP)
    log_in(page, live_server, people[role], path)
    page.get_by_role("heading", level=1).wait_for()
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []
