"""Exports: the vertical CSV summary, one row per CRA (CSV), the Excel workbook, the A4 PDF
report and the territorial CSV; the same figures as the API; formulas neutralised; roles."""

import csv
import io
import re
import shutil
import subprocess
from datetime import datetime
from html import unescape

import pytest
from openpyxl import load_workbook
from PIL import Image

from server.services import graphiques, tableur
from server.services.tableur import neutraliser, texte_csv
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
    assert [neutraliser(v) for v in ("=1+1", "+33 6", "-x", "@a", "\tx", "\rx", "CAF")] == [
        "'=1+1",
        "'+33 6",
        "'-x",
        "'@a",
        "'\tx",
        "'\rx",
        "CAF",
    ]
    assert [texte_csv(v) for v in (12, -3, 1.5, None)] == ["12", "-3", "1,5", ""]


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
        row
        for row in csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";")
        if len(row) == 2 and row[0] != "Accompagnements individuels"
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


def test_one_row_per_cra_streamed_pivotable_and_neutralised(
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
    assert first["Thème : Gérer ses courriels"] == "1" and first["Thème : Budget"] == "0"
    assert first["Précision : Mon espace santé"] == "0"
    assert atelier["Type d'activité"] == "Atelier collectif"
    assert atelier["Participants"] == "5" and atelier["Âge : Plus de 60 ans"] == "2"
    assert atelier["Précision : Mon espace santé"] == "1"
    assert atelier["Durée exacte (minutes)"] == "90"
    assert atelier["Annotation"] == "'=HYPERLINK(1)"
    assert atelier["Redirection : CAF"] == "1" and atelier["Redirection : ANTS"] == "0"
    assert atelier["Redirection : autres organismes"] == "Maison du Vélo (1)"
    assert ponctuel["Redirection : autres organismes"] == "'@SUM(A1) (1)"
    assert ponctuel["Durée"] == "30 min. ou moins" and ponctuel["Durée exacte (minutes)"] == ""
    assert first["Conseiller"].startswith("Prénom")
    assert "Âge : Moins de 12 ans" in first  # our own labels never need the guard


def test_workbook_is_typed_filterable_and_described(client, structure_headers, lyon, filled):
    response = export(client, structure_headers, "xlsx", lyon=lyon)
    assert response.status_code == 200 and response.headers["X-Nombre-Lignes"] == "3"
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["À propos", "Statistiques", "CRA"]
    about = dict(workbook["À propos"].iter_rows(min_row=2, values_only=True))
    assert about["Périmètre"] == "Mairie de Lyon" and about["Filtres"] == "Aucun"
    assert about["Période du"] == datetime(2026, 10, 1)
    assert workbook["À propos"]["B4"].number_format == "dd/mm/yyyy"
    for sheet in workbook:
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
        assert sheet.column_dimensions["A"].width >= 8
    statistiques = workbook["Statistiques"]
    summary = {row[1]: row[2] for row in statistiques.iter_rows(min_row=2, values_only=True)}
    general = api_figures(client, structure_headers, lyon)["indicateurs"]["general"]
    assert (
        summary["Personnes totales accompagnées durant cette période"]
        == general["personnes_accompagnees"]
    )
    assert summary["Accompagnements avec suivi"] == general["suivi_total"]
    percent = next(
        row
        for row in statistiques.iter_rows(min_row=2)
        if row[1].value == "Pourcentage du total des usagers accompagnés sur cette période"
    )[2]
    assert percent.value == pytest.approx(0.714) and "%" in percent.number_format
    sheet = workbook["CRA"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4 and rows[0][0] == "Identifiant"
    header = rows[0]
    annotation = header.index("Annotation")
    assert rows[2][annotation] == "=HYPERLINK(1)"  # as typed, no apostrophe …
    assert sheet.cell(3, annotation + 1).data_type == "s"  # … in a text cell, not a formula
    assert rows[1][header.index("Date")] == datetime(2026, 10, 2)
    assert sheet.cell(2, header.index("Date") + 1).number_format == "dd/mm/yyyy"
    assert isinstance(rows[1][header.index("Enregistré le")], datetime)
    assert rows[2][header.index("Participants")] == 5
    csv_data = export(client, structure_headers, "cras.csv", lyon=lyon).data.decode("utf-8-sig")
    assert list(header) == next(csv.reader(io.StringIO(csv_data), delimiter=";"))


MM = 72 / 25.4  # PDF points per millimetre


def pdf_words(path) -> list[tuple[int, float, float, float, float, float, float, str]]:
    """(page, page width, page height, xmin, ymin, xmax, ymax, word) of every word, as
    pdftotext places them."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = []
    for number, page in enumerate(re.findall(r"<page (.*?)</page>", xhtml, re.S), 1):
        width, height = map(float, re.search(r'width="([\d.]+)" height="([\d.]+)"', page).groups())
        for box in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            page,
        ):
            words.append((number, width, height, *map(float, box.groups()[:4]), box.group(5)))
    return words


@pytest.fixture
def poppler():
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils absent : installez le paquet Debian 'poppler-utils'.")


def test_pdf_report_is_a4_readable_and_has_the_same_figures(
    client, structure_headers, lyon, filled, tmp_path, poppler
):
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
    assert re.search(r"\n +Courriels +2\n", text)  # a table, not a sentence
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert (
        "(A4)" in info
        and "Marianne"
        in subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    )
    pages = int(re.search(r"Pages: +(\d+)", info).group(1))
    assert re.search(rf"Page {pages} sur {pages}", flat)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True)
    for page in sorted(tmp_path.glob("page-*.png")):
        image = Image.open(page).convert("L")
        dark = sum(1 for value in image.get_flattened_data() if value < 128)
        assert dark > 0.005 * image.width * image.height, page.name  # not blank


def test_pdf_report_keeps_every_month_of_a_long_period_inside_the_margins(
    client, login, make_user, conseiller, tmp_path, poppler
):
    """The default pilotage period is 74 months: each is in the report, no text is printed
    within 15 mm of a page edge (charts are vector images: their text counts too)."""
    client.post(
        "/api/sync/push",
        headers=login(conseiller),
        json={"operations": [create_op(cra_payload(date="2021-03-02"))]},
    )
    period = {"du": "2020-11-01", "au": "2026-12-31"}
    response = client.get(
        "/api/statistiques/national/export/pdf",
        headers=login(make_user("admin")),
        query_string=period,
    )
    path = tmp_path / "rapport.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True
    ).stdout
    # The évolution as a grid: a row per year, a column per month, the year's total last.
    header = ["Année", *graphiques.MOIS_COURTS, "Total"]
    assert any(line.split() == header for line in text.splitlines())
    years = {
        line.split()[0]: line.split()[1:]
        for line in text.splitlines()
        if re.fullmatch(r"20\d\d( +\d+)+", line.strip())
    }
    assert years["2020"] == ["0", "0", "0"]  # November and December, then the total
    assert years["2021"] == ["0", "0", "1", *["0"] * 9, "1"]
    assert [len(years[str(year)]) for year in range(2022, 2027)] == [13] * 5  # 74 months in all
    words = pdf_words(path)
    assert words
    outside = [
        word
        for word in words
        if word[3] < 15 * MM
        or word[4] < 15 * MM
        or word[5] > word[1] - 15 * MM
        or word[6] > word[2] - 15 * MM
    ]
    assert not outside


def test_rows_are_for_those_who_may_see_each_cra(
    client, login, make_user, filled, structure_headers
):
    admin = login(make_user("admin"))
    assert export(client, admin, "cras.csv", scope="national").status_code == 200
    refused = export(client, structure_headers, "cras.csv", scope="national")
    assert refused.status_code == 403 and "réservé" in refused.json["message"]
    summary = export(client, structure_headers, "xlsx", scope="national")
    assert load_workbook(io.BytesIO(summary.data)).sheetnames == ["À propos", "Statistiques"]
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


HOSTILE = [
    '=HYPERLINK("https://x.example","Cliquez ici")',
    "+33 6 12; -1 @SUM(A1)",
    "$\\frac{1}{0}$ et $x^2",
    "a\\b % {x} }{ \\\\ 100 %",
    'Nom; "entre guillemets"\r\nsur deux lignes',
    "\tTab \x07 cloche \x1b échappe",
    "@cmd|' /C calc'!A0",
]


@pytest.fixture
def hostile(client, login, lyon, conseiller, app):
    """Every free text typed at its worst: organismes, annotation, structure and names."""
    from server.extensions import db

    lyon.nom = '=1+1 $x$ ; "Mairie"\n{Lyon}'
    conseiller.conseiller.prenom = "-2+3"
    conseiller.conseiller.nom = "$\\alpha$; @x"
    db.session.commit()
    organismes = [{"nom": name, "nombre": 1} for name in HOSTILE] + [{"nom": "CAF", "nombre": 1}]
    response = client.post(
        "/api/sync/push",
        headers=login(conseiller),
        json={
            "operations": [
                create_op(
                    atelier_payload(
                        date="2026-10-03",
                        nb_participants=8,
                        nb_recurrents=0,
                        age={
                            "moins12ans": 0,
                            "de12a18ans": 0,
                            "de18a35ans": 0,
                            "de35a60ans": 0,
                            "plus60ans": 8,
                        },
                        statut={
                            "etudiant": 0,
                            "sansEmploi": 0,
                            "enEmploi": 0,
                            "retraite": 8,
                            "heterogene": 0,
                        },
                        annotation="=cmd|' /C calc'!A0 $a$ \\ %",
                        suivi={"individuel": 0, "atelier": 0, "redirection": len(organismes)},
                        organismes=organismes,
                    )
                ),
                create_op(cra_payload(date="2026-10-04", annotation='+1; "x"\nb')),
            ]
        },
    )
    assert {r["status"] for r in response.json["results"]} == {"applied"}, response.json


@pytest.mark.parametrize("scope", ["structure", "national"])
def test_typed_text_never_breaks_or_runs_in_any_export_or_chart(
    client, login, make_user, lyon, hostile, scope
):
    headers = login(make_user("admin"))
    base = (
        f"/api/statistiques/structure/{lyon.id}"
        if scope == "structure"
        else ("/api/statistiques/national")
    )
    for nom in graphiques.TITRES:
        for extension in ("svg", "png"):
            response = client.get(
                f"{base}/graphiques/{nom}.{extension}", headers=headers, query_string=PERIOD
            )
            assert response.status_code == 200, (nom, extension)
    for format_ in ("resume.csv", "cras.csv", "xlsx", "pdf"):
        response = client.get(f"{base}/export/{format_}", headers=headers, query_string=PERIOD)
        assert response.status_code == 200 and response.data, format_
    summary = client.get(f"{base}/export/resume.csv", headers=headers, query_string=PERIOD)
    lines = list(csv.reader(io.StringIO(summary.data.decode("utf-8-sig")), delimiter=";"))
    assert all(len(line) <= 2 for line in lines)
    labels = [line[0] for line in lines if len(line) == 2]
    for name in HOSTILE:
        expected = "'" + name if name.startswith(("=", "+", "-", "@", "\t")) else name
        assert expected in labels, name
    rows = client.get(f"{base}/export/cras.csv", headers=headers, query_string=PERIOD)
    table = list(csv.reader(io.StringIO(rows.data.decode("utf-8-sig")), delimiter=";"))
    assert len(table) == 3 and {len(row) for row in table} == {len(table[0])}
    cell = next(row for row in table[1:] if row[table[0].index("Redirection : CAF")] == "1")
    autres = cell[table[0].index("Redirection : autres organismes")].split("\n")
    assert len(autres) == len(HOSTILE)  # one line per typed organisme, read back unambiguously
    workbook = load_workbook(
        io.BytesIO(client.get(f"{base}/export/xlsx", headers=headers, query_string=PERIOD).data)
    )
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert cells and not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    assert HOSTILE[0] in texts  # as typed, in a text cell


def test_typed_text_is_printed_as_typed_in_the_pdf_never_as_control_characters(
    client, login, make_user, lyon, hostile, tmp_path, poppler
):
    response = client.get(
        f"/api/statistiques/structure/{lyon.id}/export/pdf",
        headers=login(make_user("admin")),
        query_string=PERIOD,
    )
    path = tmp_path / "rapport.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert not {char for char in text if ord(char) < 32 and char not in "\n\f"}
    flat = " ".join(text.split())
    assert '=1+1 $x$ ; "Mairie" {Lyon}' in flat  # the structure's name, on one line
    for name in ("$\\frac{1}{0}$ et $x^2", "a\\b % {x} }{ \\\\ 100 %", "Tab cloche échappe"):
        assert name in flat, name


def test_public_pages_and_exports_name_no_typed_organisme(client, login, make_user, filled):
    """« Maison du Vélo » and « @SUM(A1) » were typed, « CAF » is on the official list."""
    typed = ("Maison du Vélo", "@SUM(A1)")
    public = [
        client.get("/statistiques", query_string=PERIOD).text,
        str(client.get("/api/statistiques/national", query_string=PERIOD).json),
        client.get(
            "/api/statistiques/national/graphiques/reorientations.svg", query_string=PERIOD
        ).text,
        client.get("/api/statistiques/national/export/resume.csv", query_string=PERIOD).text,
        client.get("/api/statistiques/national/export/pdf", query_string=PERIOD).data.decode(
            "latin-1"
        ),
    ]
    workbook = load_workbook(
        io.BytesIO(client.get("/api/statistiques/national/export/xlsx", query_string=PERIOD).data)
    )
    public.append(str([row for sheet in workbook for row in sheet.iter_rows(values_only=True)]))
    for text in public:
        assert "CAF" in text or "%PDF" in text
        assert not any(name in unescape(text) for name in typed)
    lines = dict(
        row
        for row in csv.reader(io.StringIO(public[3].lstrip("\ufeff")), delimiter=";")
        if len(row) == 2
    )
    assert lines["CAF"] == "33,3" and lines["Autres"] == "66,7"
    national = client.get(
        "/api/statistiques/national/export/resume.csv",
        query_string=PERIOD,
        headers=login(make_user("admin")),
    ).text
    assert all(name in national for name in typed)  # the national team may see the CRAs


def test_rows_past_excels_limit_continue_on_new_sheets(
    client, structure_headers, lyon, filled, monkeypatch
):
    monkeypatch.setattr(tableur, "EXCEL_MAX_ROWS", 3)  # header + 2 rows per sheet
    response = export(client, structure_headers, "xlsx", lyon=lyon)
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["À propos", "Statistiques", "CRA", "CRA (2)"]
    first = list(workbook["CRA"].iter_rows(values_only=True))
    second = list(workbook["CRA (2)"].iter_rows(values_only=True))
    assert first[0] == second[0] and len(first) == 3 and len(second) == 2
    dates = [row[1] for row in first[1:] + second[1:]]
    assert dates == sorted(dates) and len(dates) == 3  # every CRA once, none dropped


@pytest.mark.parametrize("format_", ["pdf", "resume.csv", "xlsx"])
def test_a_summary_export_is_built_once_and_revalidated(client, login, conseiller, filled, format_):
    url = f"/api/statistiques/national/export/{format_}"
    first = client.get(url, query_string=PERIOD)
    again = client.get(url, query_string=PERIOD)
    etag = first.headers["ETag"]
    assert first.status_code == again.status_code == 200 and again.headers["ETag"] == etag
    assert again.data == first.data  # the same bytes: not drawn again (a PDF's date would move)
    assert "no-cache" in first.headers["Cache-Control"]
    revalidated = client.get(url, query_string=PERIOD, headers={"If-None-Match": etag})
    assert revalidated.status_code == 304 and not revalidated.data
    client.post(
        "/api/sync/push",
        headers=login(conseiller),
        json={"operations": [create_op(cra_payload(date="2026-10-20"))]},
    )
    changed = client.get(url, query_string=PERIOD, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
