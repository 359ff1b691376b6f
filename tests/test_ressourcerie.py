"""The ressourcerie: PDF uploads checked by content, search, tags, roles, downloads, archive."""

import io
import zipfile
from pathlib import Path

import pytest

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)


def pdf(marker: str = "") -> bytes:
    return PDF.replace(b"trailer", f"% {marker}\ntrailer".encode())


@pytest.fixture
def users(make_user, make_structure):
    structure = make_structure()
    return {
        role: make_user(
            role,
            structure=structure if role != "admin" else None,
            **({"departement_code": "69"} if role == "prefet" else {}),
        )
        for role in ("admin", "conseiller", "coordinateur", "structure", "prefet")
    }


@pytest.fixture
def headers(login, users):
    return {role: login(user) for role, user in users.items()}


def upload(client, headers, content=None, filename="guide.pdf", **fields):
    data = {
        "titre": "Créer une adresse Gmail",
        "description": "Pas à pas, avec captures.",
        "thematique": "courriel",
        "tags": "Gmail, messagerie ; Débutant",
        **fields,
    }
    if content is not False:
        data["fichier"] = (io.BytesIO(pdf() if content is None else content), filename)
    return client.post(
        "/api/ressourcerie/documents",
        data=data,
        headers=headers,
        content_type="multipart/form-data",
    )


@pytest.fixture
def library(client, headers):
    """Three published documents and one proposal."""
    made = [
        upload(client, headers["admin"], pdf("1")).json,
        upload(
            client,
            headers["admin"],
            pdf("2"),
            titre="WhatsApp sur Android",
            description="Installer et échanger des photos.",
            thematique="mobile",
            tags="whatsapp, messagerie",
        ).json,
        upload(
            client,
            headers["admin"],
            pdf("3"),
            titre="Déclarer ses impôts",
            description="Le site impots.gouv.fr",
            thematique="demarches",
            tags="impôts",
        ).json,
        upload(
            client,
            headers["conseiller"],
            pdf("4"),
            titre="Fiche atelier Canva",
            thematique="contenus-numeriques",
            tags="canva",
        ).json,
    ]
    return made


def test_an_admin_publishes_and_a_conseiller_proposes(library):
    assert [d["statut"] for d in library] == ["publie", "publie", "publie", "propose"]
    assert library[0]["tags"] == ["gmail", "messagerie", "débutant"]
    assert library[0]["thematique_libelle"] == "Courriel"


@pytest.mark.parametrize(
    "content, filename, status, message",
    [
        (b"GIF89a not a pdf at all", "guide.pdf", 422, "n'est pas un PDF"),  # renamed non-PDF
        (b"%PDF-1.4 cut in the middle", "guide.pdf", 422, "n'est pas un PDF"),  # no end marker
        (b"<html>%PDF-1.4 %%EOF</html>", "page.pdf", 422, "n'est pas un PDF"),
    ],
)
def test_a_file_is_a_pdf_by_its_content_not_its_name(
    client, headers, content, filename, status, message
):
    response = upload(client, headers["admin"], content, filename)
    assert response.status_code == status and message in response.json["errors"]["fichier"][0]


def test_a_pdf_named_otherwise_is_accepted_under_a_pdf_name(client, headers):
    response = upload(client, headers["admin"], pdf(), filename="Mon Guide (v2).bin")
    assert response.status_code == 201 and response.json["nom_fichier"] == "mon-guide-v2.pdf"


@pytest.mark.parametrize("extra", [100, 200_000])  # read and counted / refused at the door
def test_an_oversized_file_is_refused_in_french(app, client, headers, extra):
    app.config["RESSOURCERIE_MAX_BYTES"] = 100 * 2**10
    big = PDF.replace(b"trailer", b"%" + b"x" * (100 * 2**10 + extra) + b"\ntrailer")
    response = upload(client, headers["admin"], big)
    assert response.status_code == 413
    assert response.json["message"] == "Le document dépasse la taille maximale de 100 Ko."
    assert not [p for p in Path(app.config["RESSOURCERIE_DIR"]).rglob("*.part")]


def test_no_file_and_bad_fields_are_field_errors(client, headers):
    response = upload(client, headers["admin"], False, titre="X", thematique="cuisine")
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"titre", "thematique"}
    response = upload(client, headers["admin"], False)
    assert response.json["errors"] == {"fichier": ["Choisissez un fichier PDF."]}


@pytest.mark.parametrize(
    "query, titles",
    [
        ({"q": "gmail"}, ["Créer une adresse Gmail"]),  # a word of the title
        ({"q": "PHOTOS echanger"}, ["WhatsApp sur Android"]),  # words of the description
        ({"q": "impots"}, ["Déclarer ses impôts"]),  # a tag, accents ignored
        ({"q": "messagerie"}, ["WhatsApp sur Android", "Créer une adresse Gmail"]),
        ({"q": "courriel"}, ["Créer une adresse Gmail"]),  # the thématique's name
        ({"tag": "whatsapp"}, ["WhatsApp sur Android"]),
        ({"thematique": "demarches"}, ["Déclarer ses impôts"]),
        ({"q": "canva"}, []),  # proposals are not published
    ],
)
def test_search_finds_by_words_tags_and_thematique(client, headers, library, query, titles):
    response = client.get(
        "/api/ressourcerie/documents", query_string=query, headers=headers["structure"]
    )
    assert [d["titre"] for d in response.json["items"]] == titles


def test_tags_and_thematiques_count_published_documents(client, headers, library):
    tags = client.get("/api/ressourcerie/tags", headers=headers["conseiller"]).json["items"]
    assert tags[0] == {"tag": "messagerie", "nombre": 2}
    assert {"tag": "canva", "nombre": 1} not in tags
    themes = client.get("/api/ressourcerie/thematiques", headers=headers["conseiller"]).json
    counts = {t["cle"]: t["nombre"] for t in themes["items"]}
    assert counts["courriel"] == 1 and counts["contenus-numeriques"] == 0
    assert len(counts) == 11


def test_a_proposal_is_seen_by_its_author_and_admins_then_published(client, headers, library):
    proposal = library[3]["id"]
    url = f"/api/ressourcerie/documents/{proposal}"
    assert client.get(url, headers=headers["conseiller"]).status_code == 200
    assert client.get(url, headers=headers["structure"]).status_code == 404
    assert (
        client.post(
            f"{url}/decision", json={"decision": "publie"}, headers=headers["conseiller"]
        ).status_code
        == 403
    )
    decided = client.post(f"{url}/decision", json={"decision": "publie"}, headers=headers["admin"])
    assert decided.json["statut"] == "publie"
    assert client.get(url, headers=headers["structure"]).status_code == 200


@pytest.mark.parametrize(
    "role, status",
    [
        ("admin", 200),
        ("conseiller", 200),
        ("coordinateur", 200),
        ("structure", 200),
        ("prefet", 403),
    ],
)
def test_downloads_check_the_role(client, headers, library, role, status):
    response = client.get(library[0]["url"], headers=headers[role])
    assert response.status_code == status
    if status == 200:
        assert response.data == pdf("1") and response.mimetype == "application/pdf"
        assert 'filename="guide.pdf"' in response.headers["Content-Disposition"]


def test_downloads_need_a_login(client, library):
    assert client.get(library[0]["url"]).status_code == 401
    assert client.get("/api/ressourcerie/archive.zip").status_code == 401


def test_the_archive_holds_every_published_document_and_nothing_else(client, headers, library):
    response = client.get("/api/ressourcerie/archive.zip", headers=headers["structure"])
    assert response.status_code == 200 and response.is_streamed
    body = response.data
    assert int(response.headers["Content-Length"]) == len(body)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
        assert len(names) == 3
        assert f"Courriel/{library[0]['id']}-guide.pdf" in names
        assert all("canva" not in name.lower() for name in names)
        assert archive.read(names[0]).startswith(b"%PDF-")


def test_files_are_stored_outside_the_web_root_and_removed_with_their_document(
    app, client, headers, library
):
    files = [p for p in Path(app.config["RESSOURCERIE_DIR"]).rglob("*") if p.is_file()]
    assert files and not any(p.name.endswith(".pdf") for p in files)  # our keys, not names
    assert client.get("/ressourcerie/guide.pdf").status_code == 404
    assert (
        client.delete(
            f"/api/ressourcerie/documents/{library[0]['id']}", headers=headers["admin"]
        ).status_code
        == 204
    )
    assert client.get(library[0]["url"], headers=headers["admin"]).status_code == 404


def test_a_form_part_without_a_usable_name_is_a_field_error(client, headers):
    """Found by the schema-driven fuzz: a part named "\\r" parses without a name."""
    body = (
        b'\r\n--coop-cra-fuzz\r\nContent-Disposition: form-data; name="\r"\r\n\r\nnull\r\n'
        b"--coop-cra-fuzz--\r\n"
    )
    response = client.post(
        "/api/ressourcerie/documents",
        data=body,
        headers=headers["admin"],
        content_type="multipart/form-data; boundary=coop-cra-fuzz",
    )
    assert response.status_code == 422
    assert response.json["errors"]["_schema"] == ["Champ inconnu."]
