"""The ressourcerie's pilotage pages and the coordinators' national counts: each page for each
role, search and filters, publication and proposals through the forms with their French
errors, downloads, the same counts as the API, escaping."""

import io
import re
import zipfile
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Document
from server.pages.pilotage.filtres import nombre
from server.services.perimetres import today_paris
from server.services.ressourcerie import search_text
from tests.conftest import PASSWORD
from tests.test_coordinations import coordination_op, rapport
from tests.test_pilotage import CSRF_FIELD
from tests.test_ressourcerie import pdf

# The database changes nothing here: SQLite only (see pytest.ini).
pytestmark = pytest.mark.one_database

DOCUMENT_TITLE = re.compile(r'<h3 class="fr-h6 fr-mb-1w">([^<]*)</h3>')
NOT_A_PDF = "Ce fichier n'est pas un PDF : seuls les documents PDF sont acceptés."


@pytest.fixture
def browser(app):
    """A new browser (its own cookies) logged in through the login page."""

    def open_as(user):
        client = app.test_client()
        # The login form's own token, the page's last: the tests' requests share the app
        # fixture's context, so `g` may still name the previous browser's user in the header.
        page = client.get("/pilotage/connexion")
        token = unescape(CSRF_FIELD.findall(page.text)[-1])
        response = client.post(
            "/pilotage/connexion",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302, response.text
        return client

    return open_as


@pytest.fixture
def users(make_structure, make_user):
    lyon = make_structure()
    return {
        "conseiller": make_user("conseiller", structure=lyon),
        "coordinateur": make_user("coordinateur", structure=lyon),
        "structure": make_user("structure", structure=lyon),
        "prefet": make_user("prefet", departement_code="69"),
        "admin": make_user("admin"),
    }


@pytest.fixture
def make_document(app):
    """A document row (its file is never read by the listing pages)."""
    moments = iter(range(1, 10_000))

    def make(
        titre,
        thematique="courriel",
        tags=(),
        description="",
        statut="publie",
        publie_at=None,
        propose_par=None,
    ):
        moment = datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(hours=next(moments))
        document = Document(
            titre=titre,
            description=description,
            thematique=thematique,
            tags=list(tags),
            fichier="absent",
            nom_fichier="document.pdf",
            taille=34_000,
            sha256="0" * 64,
            statut=statut,
            propose_par_id=propose_par.id if propose_par else None,
            created_at=moment,
            publie_at=(publie_at or moment) if statut == "publie" else None,
            texte_recherche=search_text(titre, description, list(tags), thematique),
        )
        db.session.add(document)
        db.session.commit()
        return document

    return make


@pytest.fixture
def library(make_document, users):
    """Three published documents, a conseiller's proposal and a refused one."""
    return {
        "gmail": make_document(
            "Créer une adresse Gmail",
            tags=["gmail", "messagerie"],
            description="Pas à pas, avec captures d'écran.",
        ),
        "whatsapp": make_document(
            "WhatsApp sur Android",
            "mobile",
            ["whatsapp", "messagerie"],
            "Installer l'application et échanger des photos.",
        ),
        "impots": make_document(
            "Déclarer ses impôts", "demarches", ["impôts"], "Le site impots.gouv.fr"
        ),
        "canva": make_document(
            "Fiche atelier Canva",
            "contenus-numeriques",
            ["canva"],
            statut="propose",
            propose_par=users["conseiller"],
        ),
        "refuse": make_document(
            "Document refusé", statut="refuse", propose_par=users["conseiller"]
        ),
    }


def titles(response) -> list[str]:
    """The documents listed on the ressourcerie page, in order."""
    section = response.text.split("data-documents>", 1)[1].split("</section>", 1)[0]
    return [unescape(title) for title in DOCUMENT_TITLE.findall(section)]


def token_of(page, form: str) -> str:
    """The CSRF value one form of the page posts (the header's logout form has its own)."""
    html = page.text.split(form, 1)[1].split("</form>", 1)[0]
    return unescape(CSRF_FIELD.search(html).group(1))


def upload_form(
    page, titre="Créer une adresse Gmail", content=None, filename="guide.pdf", **fields
) -> dict:
    data = {
        "csrf_token": token_of(page, "data-depot"),
        "titre": titre,
        "description": "Pas à pas.",
        "thematique": "courriel",
        "tags": "Gmail, messagerie",
        **fields,
    }
    if content is not False:
        data["fichier"] = (io.BytesIO(pdf() if content is None else content), filename)
    return data


def post_upload(client, path, **kwargs):
    return client.post(
        path, data=upload_form(client.get(path), **kwargs), content_type="multipart/form-data"
    )


# --- each page for each role -------------------------------------------------------------------

PAGES = ["ressourcerie", "gestion", "coordinations", "suppression", "suppression:inconnu"]
MATRIX = {
    "conseiller": [200, 403, 403, 403, 403],
    "coordinateur": [200, 403, 403, 403, 403],
    "structure": [200, 403, 403, 403, 403],
    "prefet": [403, 403, 403, 403, 403],
    "admin": [200, 200, 200, 200, 404],
}


def page_path(name: str, library: dict) -> str:
    return {
        "ressourcerie": "/pilotage/ressourcerie",
        "gestion": "/pilotage/ressourcerie/gestion",
        "coordinations": "/pilotage/coordinations",
        "suppression": f"/pilotage/ressourcerie/documents/{library['gmail'].id}/suppression",
        "suppression:inconnu": "/pilotage/ressourcerie/documents/999999/suppression",
    }[name]


@pytest.mark.parametrize(
    "role, page, expected",
    [(role, page, MATRIX[role][index]) for role in MATRIX for index, page in enumerate(PAGES)],
)
def test_role_by_page_matrix(browser, users, library, role, page, expected):
    response = browser(users[role]).get(page_path(page, library))
    assert response.status_code == expected, response.text[-600:]
    assert response.mimetype == "text/html"
    text = unescape(response.text)
    if expected == 403:
        assert "Accès refusé" in text
    if expected == 404:
        assert "Page introuvable" in text
    if expected == 200:
        assert response.headers["Cache-Control"] == "no-store"
        assert re.search(r"<title>[^<]+ – coop-cra pilotage</title>", text)
        assert text.count("<h1") == 1


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_the_login_page(client, library, page):
    response = client.get(page_path(page, library))
    assert response.status_code == 302
    assert response.location.startswith("/pilotage/connexion?motif=requise&suivant=")


@pytest.mark.parametrize(
    "role, links",
    [
        ("structure", ["Ressourcerie"]),
        ("coordinateur", ["Ressourcerie"]),
        ("conseiller", ["Ressourcerie"]),
        ("prefet", []),
        ("admin", ["Ressourcerie", "Gestion de la ressourcerie", "CRA des coordinateurs"]),
    ],
)
def test_the_menu_offers_the_ressourcerie_to_its_readers(browser, users, role, links):
    landing = browser(users[role]).get("/pilotage/", follow_redirects=True)
    menu = re.findall(r'class="fr-nav__link" href="([^"]+)"[^>]*>([^<]+)</a>', landing.text)
    shown = {unescape(label): url for url, label in menu}
    wanted = {
        "Ressourcerie": "/pilotage/ressourcerie",
        "Gestion de la ressourcerie": "/pilotage/ressourcerie/gestion",
        "CRA des coordinateurs": "/pilotage/coordinations",
    }
    assert {label: url for label, url in shown.items() if label in wanted} == {
        label: wanted[label] for label in links
    }


# --- browsing and searching ----------------------------------------------------------------------


def test_latest_additions_list_published_documents_newest_first(browser, users, library):
    page = browser(users["structure"]).get("/pilotage/ressourcerie")
    assert '<h2 id="titre-documents">Derniers ajouts</h2>' in page.text
    assert titles(page) == [
        "Déclarer ses impôts",
        "WhatsApp sur Android",
        "Créer une adresse Gmail",
    ]
    text = unescape(page.text)
    assert "Fiche atelier Canva" not in text and "Document refusé" not in text


@pytest.mark.parametrize(
    "query, found",
    [
        ({"q": "gmail"}, ["Créer une adresse Gmail"]),  # a word of the title
        ({"q": "PHOTOS échanger"}, ["WhatsApp sur Android"]),  # words of the description
        ({"q": "impots"}, ["Déclarer ses impôts"]),  # a tag, accents ignored
        ({"q": "messagerie", "thematique": "mobile"}, ["WhatsApp sur Android"]),
        ({"thematique": "demarches"}, ["Déclarer ses impôts"]),
        ({"tag": "messagerie"}, ["WhatsApp sur Android", "Créer une adresse Gmail"]),
        ({"q": "canva"}, []),  # a proposal is not published
    ],
)
def test_search_and_filters_find_published_documents(browser, users, library, query, found):
    page = browser(users["structure"]).get("/pilotage/ressourcerie", query_string=query)
    assert page.status_code == 200
    assert titles(page) == found
    text = unescape(page.text)
    assert "Résultats de la recherche" in text and "Derniers ajouts" not in text
    count = len(found)
    assert f"{count} document{'s' if count > 1 else ''} trouvé" in text
    if not found:
        assert "Aucun document ne correspond à votre recherche." in text


def test_search_form_keeps_the_words_the_thematique_and_the_tag(browser, users, library):
    page = browser(users["structure"]).get(
        "/pilotage/ressourcerie",
        query_string={"q": "messagerie", "thematique": "mobile", "tag": "whatsapp"},
    )
    assert 'name="q" value="messagerie"' in page.text
    assert '<option value="mobile" selected>' in page.text
    assert '<input type="hidden" name="tag" value="whatsapp">' in page.text
    assert 'href="/pilotage/ressourcerie?tag=whatsapp" aria-current="true"' in page.text


def test_thematiques_and_tags_link_to_their_documents_with_their_counts(browser, users, library):
    page = browser(users["structure"]).get("/pilotage/ressourcerie")
    text = unescape(page.text)
    assert re.search(
        r'href="/pilotage/ressourcerie\?thematique=courriel" '
        r'data-thematique="courriel">Courriel</a> <span class="app-count">'
        r'\(1<span class="fr-sr-only"> document</span>\)',
        text,
    )
    assert 'Tous les documents</a> <span class="app-count">(3)' in text
    assert re.search(
        r'href="/pilotage/ressourcerie\?tag=messagerie">messagerie'
        r'<span class="app-count">&nbsp;\(2',
        page.text,
    )
    assert "Afficher tous les tags" not in text  # four tags: all shown already


def test_all_the_tags_are_behind_afficher_tous_les_tags(browser, users, make_document):
    for number in range(14):  # tag-00 on 14 documents, tag-01 on 13…, tag-13 on one
        make_document(f"Guide {number}", tags=[f"tag-{n:02}" for n in range(number + 1)])
    client = browser(users["structure"])
    page = client.get("/pilotage/ressourcerie")

    def tags(group, response=page):
        block = response.text.split(f'data-tags="{group}">', 1)[1].split("</ul>", 1)[0]
        return re.findall(r"\?tag=([a-z0-9-]+)", block)

    assert tags("principaux") == [f"tag-{n:02}" for n in range(12)]  # the most used
    assert tags("tous") == [f"tag-{n:02}" for n in range(14)]
    assert "Afficher tous les tags (14)</summary>" in page.text
    assert '<details class="app-tous-les-tags">' in page.text  # closed
    rare = client.get("/pilotage/ressourcerie", query_string={"tag": "tag-13"})
    assert '<details class="app-tous-les-tags" open>' in rare.text
    assert titles(rare) == ["Guide 13"]


def test_documents_show_their_details_and_download_links(browser, users, library):
    library["gmail"].publie_at = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 2 March in Paris
    db.session.commit()
    page = browser(users["structure"]).get("/pilotage/ressourcerie", query_string={"q": "gmail"})
    text = unescape(page.text)
    gmail = library["gmail"].id
    assert "Pas à pas, avec captures d'écran." in text
    assert "ajouté le 02/03/2026" in text
    assert f'href="/api/ressourcerie/documents/{gmail}/fichier" download' in text
    assert "PDF – 33 Ko" in text
    assert 'href="/pilotage/ressourcerie?tag=gmail"' in text
    assert (
        'href="/api/ressourcerie/archive.zip" download data-telechargement="zip">'
        "Télécharger tous les documents de la ressourcerie</a>"
    ) in text


def test_pages_of_thirty_keep_the_filters(browser, users, make_document):
    for number in range(31):
        make_document(f"Fiche {number:02}", tags=["fiche"])
    client = browser(users["structure"])
    first = client.get("/pilotage/ressourcerie", query_string={"tag": "fiche"})
    assert len(titles(first)) == 30 and titles(first)[0] == "Fiche 30"
    assert 'href="/pilotage/ressourcerie?page=2&amp;tag=fiche"' in first.text
    second = client.get("/pilotage/ressourcerie", query_string={"tag": "fiche", "page": 2})
    assert titles(second) == ["Fiche 00"]
    assert 'aria-current="page">2</a>' in second.text


def test_an_unknown_thematique_is_explained_and_ignored(browser, users, library):
    page = browser(users["structure"]).get(
        "/pilotage/ressourcerie", query_string={"thematique": "cuisine"}
    )
    assert page.status_code == 200
    assert "Thématique inconnue." in unescape(page.text)
    assert len(titles(page)) == 3


# --- downloads -----------------------------------------------------------------------------------


def test_the_links_download_the_pdf_and_the_whole_library(browser, users):
    admin = browser(users["admin"])
    published = post_upload(admin, "/pilotage/ressourcerie/gestion", content=pdf("gmail"))
    assert published.status_code == 303
    structure = browser(users["structure"])
    page = structure.get("/pilotage/ressourcerie")
    link = unescape(re.search(r'href="([^"]+/fichier)" download', page.text).group(1))
    response = structure.get(link)
    assert response.status_code == 200 and response.data == pdf("gmail")
    archive = structure.get("/api/ressourcerie/archive.zip")
    assert int(archive.headers["Content-Length"]) == len(archive.data)  # the progress bar's
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zipped:
        assert [zipped.read(name) for name in zipped.namelist()] == [pdf("gmail")]
    assert browser(users["prefet"]).get(link).status_code == 403


# --- publishing, proposing, deciding, removing ---------------------------------------------------


def test_an_admin_publishes_a_pdf_through_the_page_and_readers_find_it(browser, users):
    admin = browser(users["admin"])
    response = post_upload(
        admin,
        "/pilotage/ressourcerie/gestion",
        titre="Sécuriser son téléphone",
        thematique="mobile",
        tags="Sécurité, Android",
        description="Les réglages utiles.",
    )
    assert response.status_code == 303
    assert response.location == "/pilotage/ressourcerie/gestion?fait=publie"
    page = admin.get(response.location)
    text = unescape(page.text)
    assert "Le document est publié : il est dans la ressourcerie." in text
    assert '<th scope="row">Sécuriser son téléphone</th>' in text
    document = db.session.scalar(select(Document))
    assert (document.statut, document.tags) == ("publie", ["sécurité", "android"])
    found = browser(users["structure"]).get(
        "/pilotage/ressourcerie", query_string={"q": "reglages"}
    )
    assert titles(found) == ["Sécuriser son téléphone"]


@pytest.mark.parametrize(
    "content, filename",
    [
        (b"GIF89a not a pdf at all", "guide.pdf"),  # a renamed image
        (b"%PDF-1.4 cut in the middle", "guide.pdf"),  # no end marker
    ],
)
def test_a_renamed_non_pdf_is_refused_with_the_french_message_on_the_page(
    browser, users, content, filename
):
    response = post_upload(
        browser(users["admin"]),
        "/pilotage/ressourcerie/gestion",
        content=content,
        filename=filename,
        titre="Guide <renommé>",
    )
    assert response.status_code == 422 and response.mimetype == "text/html"
    text = unescape(response.text)
    assert (
        f'<p class="fr-error-text" id="f-fichier-erreur" data-depot-erreur>{NOT_A_PDF}</p>' in text
    )
    assert "Le document n'a pas été enregistré : corrigez les champs signalés." in text
    assert 'value="Guide &lt;renommé&gt;"' in response.text  # kept, escaped
    assert db.session.scalar(select(Document)) is None


@pytest.mark.parametrize("extra", [100, 200_000])  # read and counted / refused at the door
def test_an_oversized_file_is_refused_with_the_french_message_on_the_page(
    app, browser, users, extra
):
    app.config["RESSOURCERIE_MAX_BYTES"] = 100 * 2**10
    big = pdf().replace(b"trailer", b"%" + b"x" * (100 * 2**10 + extra) + b"\ntrailer")
    client = browser(users["admin"])
    response = post_upload(client, "/pilotage/ressourcerie/gestion", content=big)
    if extra > 64 * 2**10:  # beyond the form's margin: sent back unread
        assert response.status_code == 303
        assert response.location == "/pilotage/ressourcerie/gestion?refus=taille#depot"
        response = client.get(response.location)
    else:
        assert response.status_code == 413
    assert "Le document dépasse la taille maximale de 100 Ko." in unescape(response.text)
    assert 'data-taille-max="102400"' in response.text  # the script checks before sending
    assert db.session.scalar(select(Document)) is None


def test_missing_file_and_bad_fields_are_shown_beside_each_field(browser, users):
    response = post_upload(
        browser(users["admin"]),
        "/pilotage/ressourcerie/gestion",
        content=False,
        titre="X",
        thematique="cuisine",
    )
    assert response.status_code == 422
    text = unescape(response.text)
    assert 'id="f-titre-erreur">Le titre doit faire entre 3 et 200 caractères.</p>' in text
    assert 'id="f-thematique-erreur">Thématique inconnue : choisissez dans la liste.</p>' in text
    assert "data-depot-erreur>Choisissez un fichier PDF.</p>" in text
    assert ", puis choisissez à nouveau le fichier." in text


def test_a_form_without_the_csrf_value_changes_nothing(browser, users, library):
    admin = browser(users["admin"])
    data = upload_form(admin.get("/pilotage/ressourcerie/gestion"))
    del data["csrf_token"]
    response = admin.post(
        "/pilotage/ressourcerie/gestion", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 403 and "Jeton de sécurité" in unescape(response.text)
    canva = library["canva"].id
    decision = admin.post(
        f"/pilotage/ressourcerie/documents/{canva}/decision", data={"decision": "publie"}
    )
    removal = admin.post(f"/pilotage/ressourcerie/documents/{library['gmail'].id}/suppression")
    assert decision.status_code == removal.status_code == 403
    db.session.expire_all()
    assert db.session.get(Document, canva).statut == "propose"
    assert db.session.scalar(select(Document).where(Document.titre.like("Créer%"))) is not None


def test_a_structure_cannot_upload(browser, users):
    client = browser(users["structure"])
    page = client.get("/pilotage/ressourcerie")
    assert "Proposer un document" not in unescape(page.text)
    data = {
        "csrf_token": token_of(page, "/pilotage/deconnexion"),
        "titre": "Un guide",
        "thematique": "courriel",
        "fichier": (io.BytesIO(pdf()), "guide.pdf"),
    }
    response = client.post("/pilotage/ressourcerie", data=data, content_type="multipart/form-data")
    assert response.status_code == 403 and db.session.scalar(select(Document)) is None


def test_a_proposal_accepted_by_the_admin_then_appears_for_a_structure(browser, users):
    coordinateur = browser(users["coordinateur"])
    response = post_upload(
        coordinateur,
        "/pilotage/ressourcerie",
        titre="Fiche atelier Canva",
        thematique="contenus-numeriques",
        tags="canva",
    )
    assert response.status_code == 303
    page = coordinateur.get(response.location)
    text = unescape(page.text)
    assert "Votre proposition est envoyée" in text
    assert "Vos propositions" in text and "Fiche atelier Canva" in text
    assert "En attente de publication" in text
    structure = browser(users["structure"])
    assert titles(structure.get("/pilotage/ressourcerie", query_string={"q": "canva"})) == []

    admin = browser(users["admin"])
    gestion = admin.get("/pilotage/ressourcerie/gestion")
    proposals = gestion.text.split("data-propositions>", 1)[1].split("</section>", 1)[0]
    assert "Fiche atelier Canva" in proposals and users["coordinateur"].email in proposals
    action = re.search(
        r'action="(/pilotage/ressourcerie/documents/\d+/decision)"', proposals
    ).group(1)
    decided = admin.post(
        action, data={"decision": "publie", "csrf_token": token_of(gestion, action)}
    )
    assert decided.status_code == 303
    assert decided.location == "/pilotage/ressourcerie/gestion?fait=publie"
    after = admin.get(decided.location)
    assert "Aucune proposition n'attend de décision." in unescape(after.text)
    assert titles(structure.get("/pilotage/ressourcerie", query_string={"q": "canva"})) == [
        "Fiche atelier Canva"
    ]


def test_a_refused_proposal_stays_unpublished(browser, users, library):
    admin = browser(users["admin"])
    gestion = admin.get("/pilotage/ressourcerie/gestion")
    action = f"/pilotage/ressourcerie/documents/{library['canva'].id}/decision"
    response = admin.post(
        action, data={"decision": "refuse", "csrf_token": token_of(gestion, action)}
    )
    assert response.location == "/pilotage/ressourcerie/gestion?fait=refuse"
    assert "La proposition est refusée" in unescape(admin.get(response.location).text)
    assert db.session.get(Document, library["canva"].id).statut == "refuse"
    mine = unescape(browser(users["conseiller"]).get("/pilotage/ressourcerie").text)
    section = mine.split('id="titre-propositions"', 1)[1].split("</section>", 1)[0]
    assert "Fiche atelier Canva" in section and "Refusé par un administrateur" in section
    bad = admin.post(
        action, data={"decision": "peut-etre", "csrf_token": token_of(gestion, action)}
    )
    assert bad.status_code == 422


def test_removing_a_document_asks_for_confirmation(browser, users, library):
    admin = browser(users["admin"])
    gestion = admin.get("/pilotage/ressourcerie/gestion")
    gmail = library["gmail"].id
    confirm_url = f"/pilotage/ressourcerie/documents/{gmail}/suppression"
    assert f'href="{confirm_url}"' in gestion.text
    confirm = admin.get(confirm_url)
    text = unescape(confirm.text)
    assert "Voulez-vous vraiment supprimer « Créer une adresse Gmail » ?" in text
    assert db.session.get(Document, gmail) is not None  # asking removes nothing
    response = admin.post(confirm_url, data={"csrf_token": token_of(confirm, confirm_url)})
    assert response.location == "/pilotage/ressourcerie/gestion?fait=supprime"
    assert "Le document est supprimé" in unescape(admin.get(response.location).text)
    db.session.expire_all()
    assert db.session.get(Document, gmail) is None


def test_user_text_is_escaped(browser, users, make_document):
    document = make_document(
        '<script>alert("x")</script>', tags=["<b>gras</b>"], description="<i>italique</i>"
    )
    make_document("<u>proposé</u>", statut="propose", propose_par=users["coordinateur"])
    admin = browser(users["admin"])
    for path in (
        "/pilotage/ressourcerie",
        "/pilotage/ressourcerie/gestion",
        f"/pilotage/ressourcerie/documents/{document.id}/suppression",
    ):
        text = admin.get(path).text
        assert "<script>alert" not in text and "<b>gras" not in text and "<u>" not in text
        assert "&lt;script&gt;alert(" in text
    page = admin.get("/pilotage/ressourcerie", query_string={"q": '"><img src=x>'})
    assert "<img src=x>" not in page.text


# --- the coordinators' national counts -----------------------------------------------------------


def shown_counts(response) -> dict[str, str]:
    return {
        key: unescape(value)
        for key, value in re.findall(r'data-compte="([a-z_.-]+)">([^<]*)</td>', response.text)
    }


def test_counts_page_shows_the_numbers_of_the_api(client, login, browser, users):
    headers = login(users["coordinateur"])
    operations = [
        coordination_op(),
        coordination_op(
            rapport(
                date="2026-11-25",
                communication_heures=1,
                partenariats=[],
                evenements=[
                    {
                        "nom": "Webinaire",
                        "organisateurs": ["etat"],
                        "type": "national",
                        "date": "2026-11-21",
                    }
                ],
            )
        ),
        coordination_op(rapport(date="2025-01-10", communication_heures=10)),
    ]
    pushed = client.post("/api/sync/push", headers=headers, json={"operations": operations})
    assert {r["status"] for r in pushed.json["results"]} == {"applied"}
    period = {"du": "2026-11-01", "au": "2026-11-30"}
    api = client.get(
        "/api/coordinations/national", query_string=period, headers=login(users["admin"])
    ).json
    page = browser(users["admin"]).get("/pilotage/coordinations", query_string=period)
    assert page.status_code == 200
    expected = {
        key: nombre(api[key])
        for key in (
            "cras",
            "coordinateurs",
            "evenements",
            "partenariats",
            "structures_accompagnees",
            "mediateurs_accompagnes",
            "communication_heures_moyenne",
        )
    }
    for section in ("evenements_par_type", "partenariats_par_nature"):
        expected.update(
            {f"{section}.{line['cle']}": nombre(line["nombre"]) for line in api[section]}
        )
    assert shown_counts(page) == expected
    assert expected["cras"] == "2" and expected["communication_heures_moyenne"] == "1,8"
    text = unescape(page.text)
    assert "<caption>CRA de coordination du 01/11/2026 au 30/11/2026</caption>" in text
    assert "<caption>Événements par type du 01/11/2026 au 30/11/2026</caption>" in text
    links = dict(re.findall(r'href="([^"]+)" download data-telechargement="([a-z]+)"', page.text))
    assert {format_: unescape(url) for url, format_ in links.items()} == {
        "csv": "/api/coordinations/national/export.csv?du=2026-11-01&au=2026-11-30",
        "xlsx": "/api/coordinations/national/export.xlsx?du=2026-11-01&au=2026-11-30",
    }
    admin = browser(users["admin"])
    csv_text = admin.get(unescape(next(iter(links)))).data.decode("utf-8-sig")
    assert "CRA de coordination;2" in csv_text


def test_counts_page_defaults_to_the_whole_programme(browser, users):
    page = browser(users["admin"]).get("/pilotage/coordinations")
    assert 'id="f-du" name="du" value="2020-11-17"' in page.text
    assert f'id="f-au" name="au" value="{today_paris().isoformat()}"' in page.text
    assert shown_counts(page)["cras"] == "0"
    bad = browser(users["admin"]).get(
        "/pilotage/coordinations", query_string={"du": "2026-11-30", "au": "2026-11-01"}
    )
    assert "La date de début doit précéder la date de fin." in unescape(bad.text)
