"""Exports: the vertical CSV summary, one row per CRA (CSV), the Excel workbook, the A4 PDF
report and the territorial CSV; the same figures as the API; formulas neutralised; roles."""

import csv
import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from PIL import Image

from server.services.exports import neutraliser
from tests.cra_payloads import atelier_payload, cra_payload, create_op

PERIOD = {"du": "2026-10-01", "au": "2026-10-31"}


@pytest.fixture
def lyon(make_structure):
    return make_structure("Mairie de Lyon", "69123", "69001", dotation=3)


@pytest.fixture
def conseiller(make_user, lyon):
    return make_user("conseiller", structure=lyon)


@pytest.fixture
def filled(client, login, conseiller):
    """Three October CRAs, one with text a spreadsheet would run as a formula."""
    response = client.post(
        "/api/sync/push",
        headers=login(conseiller),
        json={
            "operations": [
                create_op(cra_payload(date="2026-10-02")),
                create_op(atelier_payload(date="2026-10-06", annotation="=HYPERLINK(1)")),
                create_op(
                    cra_payload(
                        date="2026-10-09",
                        activite="ponctuel",
                        duree="0-30",
                        suivi={"individuel": 0, "atelier": 0, "redirection": 1},
                        organismes=[{"nom": "@SUM(A1)", "nombre": 1}],
                    )
                ),
                create_op(cra_payload(date="2026-11-02")),
            ]
        },
    )
    assert {r["status"] for r in response.json["results"]} == {"applied"}


@pytest.fixture
def structure_headers(login, make_user, lyon):
    return login(make_user("structure", structure=lyon))


def export(client, headers, format_, scope="structure", lyon=None, **query):
    url = (
        f"/api/statistiques/{scope}/{lyon.id}/export/{format_}"
        if lyon
        else f"/api/statistiques/{scope}/export/{format_}"
    )
    return client.get(url, headers=headers, query_string={**PERIOD, **query})


def api_figures(client, headers, lyon):
    response = client.get(
        f"/api/statistiques/structure/{lyon.id}", headers=headers, query_string=PERIOD
    )
    return response.json


def test_neutraliser_prefixes_formula_starts_only():
    assert [neutraliser(v) for v in ("=1+1", "+33 6", "-x", "@a", "\tx", "CAF", 12, None)] == [
        "'=1+1",
        "'+33 6",
        "'-x",
        "'@a",
        "'\tx",
        "CAF",
        12,
        None,
    ]


def test_vertical_summary_as_users_know_it(client, structure_headers, lyon, filled):
    response = export(client, structure_headers, "resume.csv", lyon=lyon)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="Statistiques_Mairie_de_Lyon_01-10-2026_31-10-2026.csv"'
    )
    assert response.data.startswith("\ufeff".encode())
    lines = response.data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "Statistiques Mairie de Lyon 01/10/2026 - 31/10/2026"
    for title in (
        "Général",
        "Thèmes des accompagnements",
        "Canaux d'accompagnements",
        "Temps en accompagnements (heures)",
        "Durée des accompagnements",
        "Tranches d'âge des usagers (en %)",
        "Statut des usagers (en %)",
        "Évolution des comptes rendus d'activité",
        "Usager.ères réorienté.es (en %)",
    ):
        assert title in lines
    rows = dict(
        line.split(";")
        for line in lines
        if ";" in line and not line.startswith("Accompagnements individuels")
    )
    general = api_figures(client, structure_headers, lyon)["indicateurs"]["general"]
    assert (
        rows["Personnes totales accompagnées durant cette période"]
        == str(general["personnes_accompagnees"])
        == "5"
    )  # 1 + 5 − 2 récurrents + 1
    assert rows["Accompagnements totaux enregistrés (dont récurrent)"] == "7"
    assert rows["Ateliers réalisés"] == "1"
    assert rows["Pourcentage du total des usagers accompagnés sur cette période"] == "71,4"
    assert rows["Mon espace santé"] == "1"
    assert rows["'@SUM(A1)"] == "33,3"  # free text neutralised, share of redirections
    assert rows["octobre 2026"] == "3"


def test_one_row_per_cra_streamed_with_labels_and_neutralised_text(
    client, structure_headers, lyon, filled
):
    response = export(client, structure_headers, "cras.csv", lyon=lyon)
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["X-Nombre-Lignes"] == "3"
    assert "_CRA.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3
    first, atelier, ponctuel = rows
    assert first["Date"] == "02/10/2026" and first["Lieu"] == "À distance"
    assert first["Commune"] == "Lyon" and first["Code commune (INSEE)"] == "69123"
    assert first["Thèmes"] == "Gérer ses courriels"
    assert atelier["Type d'activité"] == "Atelier collectif"
    assert atelier["Participants"] == "5" and atelier["Âge : Plus de 60 ans"] == "2"
    assert atelier["Précisions"] == "Mon espace santé"
    assert atelier["Durée exacte (minutes)"] == "90"
    assert atelier["Annotation"] == "'=HYPERLINK(1)"
    assert atelier["Organismes de redirection"] == "CAF (1), Maison du Vélo (1)"
    assert ponctuel["Organismes de redirection"] == "'@SUM(A1) (1)"
    assert ponctuel["Durée"] == "30 min. ou moins" and ponctuel["Durée exacte (minutes)"] == ""
    assert first["Conseiller"].startswith("Prénom")


def test_workbook_has_the_summary_and_the_rows(client, structure_headers, lyon, filled):
    response = export(client, structure_headers, "xlsx", lyon=lyon)
    assert response.status_code == 200 and response.headers["X-Nombre-Lignes"] == "3"
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Statistiques", "CRA"]
    summary = {
        row[0]: row[1]
        for row in workbook["Statistiques"].iter_rows(values_only=True)
        if row and len(row) > 1
    }
    general = api_figures(client, structure_headers, lyon)["indicateurs"]["general"]
    assert (
        summary["Personnes totales accompagnées durant cette période"]
        == general["personnes_accompagnees"]
    )
    assert summary["Accompagnements avec suivi"] == general["suivi_total"]
    rows = list(workbook["CRA"].iter_rows(values_only=True))
    assert len(rows) == 4 and rows[0][0] == "Identifiant"
    annotation = rows[0].index("Annotation")
    assert rows[2][annotation] == "'=HYPERLINK(1)"
    assert workbook["CRA"].cell(3, annotation + 1).data_type == "s"  # text, not a formula


def test_pdf_report_is_a4_readable_and_has_the_same_figures(
    client, structure_headers, lyon, filled, tmp_path
):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils absent : installez le paquet Debian 'poppler-utils'.")
    response = export(client, structure_headers, "pdf", lyon=lyon)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "rapport.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "Statistiques Mairie de Lyon 01/10/2026 - 31/10/2026" in flat
    general = api_figures(client, structure_headers, lyon)["indicateurs"]["general"]
    figures = {
        line.rsplit(None, 1)[0].strip(): line.rsplit(None, 1)[1]
        for line in text.splitlines()
        if len(line.split()) > 1 and line.split()[-1].isdigit()
    }
    assert figures["Personnes totales accompagnées durant cette période"] == str(
        general["personnes_accompagnees"]
    )
    assert figures["CRA enregistrés"] == "3"
    assert "71,4 %" in text
    assert "Thèmes des accompagnements. Courriels : 2" in flat
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "(A4)" in info and re.search(r"Pages: +5\n", info)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True)
    for page in sorted(tmp_path.glob("page-*.png")):
        image = Image.open(page).convert("L")
        dark = sum(1 for value in image.get_flattened_data() if value < 128)
        assert dark > 0.005 * image.width * image.height, page.name  # not blank


def test_rows_are_for_those_who_may_see_each_cra(
    client, login, make_user, filled, structure_headers
):
    admin = login(make_user("admin"))
    assert export(client, admin, "cras.csv", scope="national").status_code == 200
    refused = export(client, structure_headers, "cras.csv", scope="national")
    assert refused.status_code == 403 and "réservé" in refused.json["message"]
    summary = export(client, structure_headers, "xlsx", scope="national")
    assert load_workbook(io.BytesIO(summary.data)).sheetnames == ["Statistiques"]
    assert "X-Nombre-Lignes" not in summary.headers
    public = client.get("/api/statistiques/national/export/resume.csv", query_string=PERIOD)
    assert (
        public.status_code == 200
        and "Statistiques_nationales" in public.headers["Content-Disposition"]
    )
    assert client.get("/api/statistiques/national/export/cras.csv").status_code == 403
    prefet = login(make_user("prefet", departement_code="69"))
    assert (
        client.get(
            "/api/statistiques/departement/69/export/cras.csv", headers=prefet, query_string=PERIOD
        ).headers["X-Nombre-Lignes"]
        == "3"
    )
    assert (
        client.get("/api/statistiques/departement/13/export/pdf", headers=prefet).status_code == 404
    )


def test_mes_statistiques_exports(client, login, conseiller, filled):
    headers = login(conseiller)
    response = client.get(
        "/api/statistiques/conseiller/export/cras.csv", headers=headers, query_string=PERIOD
    )
    assert response.headers["X-Nombre-Lignes"] == "3"
    assert (
        "Statistiques_Prénom"
        in response.headers["Content-Disposition"].encode("latin-1").decode("utf-8")
        or "Pr%C3%A9nom" in response.headers["Content-Disposition"]
    )


def test_an_empty_scope_exports_zeros(client, structure_headers, lyon):
    response = export(client, structure_headers, "resume.csv", lyon=lyon)
    assert "CRA enregistrés" not in response.data.decode("utf-8-sig")  # not a summary line
    assert "Ateliers réalisés;0" in response.data.decode("utf-8-sig")
    rows = export(client, structure_headers, "cras.csv", lyon=lyon)
    assert rows.data.decode("utf-8-sig").count("\r\n") == 1  # the header only
    assert export(client, structure_headers, "pdf", lyon=lyon).status_code == 200


def test_territorial_table_csv(client, login, make_user, filled):
    headers = login(make_user("admin"))
    response = client.get(
        "/api/statistiques/territoires/export.csv", headers=headers, query_string=PERIOD
    )
    lines = response.data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == (
        "Code;Nom;CRA enregistrés;Personnes accompagnées;"
        "Nombre d'accompagnement;Dotation de conseillers;"
        "Conum activé sur l'espace coop;Conum en attente d'activation;"
        "Taux d'activation"
    )
    rhone = next(line for line in lines if line.startswith("69;"))
    assert rhone == "69;Rhône;3;5;7;3;1;2;33"
    assert (
        "Statistiques_departements_01-10-2026_31-10-2026.csv"
        in response.headers["Content-Disposition"]
    )
