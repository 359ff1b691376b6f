"""The one spreadsheet writer: typed Excel cells, never a formula; CSV quoted and guarded."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from server.services import tableur


def test_excel_cells_are_typed_and_text_never_runs():
    workbook = tableur.Classeur("Essai", [("Période du", date(2026, 10, 1))])
    sheet = workbook.feuille("Table", ["Texte", "Nombre", "Part", "Moment", "Décimal"])
    sheet.ajouter(
        [
            '=HYPERLINK("https://x.example")',
            -3,
            tableur.Pourcentage(22.5),
            datetime(2026, 10, 2, 8, 30, tzinfo=UTC),
            Decimal("1.5"),
        ]
    )
    sheet.ajouter(["\x07cloche", None, tableur.Pourcentage(0), date(2026, 1, 5), 2.25])
    read = load_workbook(io.BytesIO(workbook.octets()))
    assert read.sheetnames == ["À propos", "Table"]
    table = read["Table"]
    text, number, share, moment, decimal = table[2]
    assert (text.value, text.data_type) == ('=HYPERLINK("https://x.example")', "s")
    assert (number.value, number.data_type) == (-3, "n")
    assert share.value == 0.225 and share.number_format == "0.0 %"
    assert moment.value == datetime(2026, 10, 2, 10, 30)  # Paris wall-clock time
    assert moment.number_format == "dd/mm/yyyy hh:mm"
    assert decimal.value == 1.5 and decimal.data_type == "n"
    assert table["A3"].value == " cloche"  # a character Excel refuses, replaced
    assert table["D3"].number_format == "dd/mm/yyyy"
    assert table.freeze_panes == "A2" and table.auto_filter.ref == "A1:E3"
    assert table.column_dimensions["A"].width >= len("Texte")
    assert table.print_title_rows == "$1:$1" and table.page_setup.orientation == "landscape"
    assert table.page_setup.paperSize == 9 and table.sheet_properties.pageSetUpPr.fitToPage
    assert not [c for s in read for row in s.iter_rows() for c in row if c.data_type == "f"]


def test_excel_text_is_never_converted_to_a_formula_a_link_or_a_number():
    texts = [
        '=HYPERLINK("https://x.example","Cliquez ici")',
        "{=1+1}",
        "+33 6 12 34 56 78",
        "-12",
        "@SUM(A1)",
        "https://x.example",
        "mailto:a@b.example",
        "0612",
        "1e5",
        "22 %",
        "  espaces  ",
        "deux\nlignes",
    ]
    workbook = tableur.Classeur("Essai", [])
    sheet = workbook.feuille("Table", ["Texte"])
    for text in texts:
        sheet.ajouter([text])
    read = load_workbook(io.BytesIO(workbook.octets()))["Table"]
    cells = [row[0] for row in read.iter_rows(min_row=2)]
    assert [(cell.value, cell.data_type) for cell in cells] == [(text, "s") for text in texts]
    assert not read._hyperlinks
    assert cells[-1].alignment.wrap_text and not cells[-2].alignment.wrap_text


def test_excel_line_breaks_are_line_feeds_shown_on_their_lines():
    workbook = tableur.Classeur("Essai", [])
    sheet = workbook.feuille("Table", ["Organismes"])
    sheet.ajouter(['Nom; "guillemets"\r\nsur deux lignes\rtrois'])
    cell = load_workbook(io.BytesIO(workbook.octets()))["Table"]["A2"]
    assert cell.value == 'Nom; "guillemets"\nsur deux lignes\ntrois'
    assert cell.alignment.wrap_text and cell.alignment.vertical == "top"


def test_excel_text_longer_than_its_column_is_wrapped_in_a_taller_row():
    workbook = tableur.Classeur("Essai", [])
    sheet = workbook.feuille("Table", ["Court", "Long"])
    sheet.ajouter(["a", "mot " * 40])
    read = load_workbook(io.BytesIO(workbook.octets()))["Table"]
    assert not read["A2"].alignment.wrap_text and read["B2"].alignment.wrap_text
    assert read.column_dimensions["B"].width <= tableur.MAX_WIDTH + 1
    assert read.row_dimensions[2].height >= 3 * tableur.LINE_HEIGHT


def test_csv_cells_stay_in_their_cell_and_formulas_are_guarded():
    rows = [["a;b", 'dit "oui"', "deux\r\nlignes", "=1+1", -2, 1.5, date(2026, 10, 2), None]]
    text = tableur.csv_octets(rows).decode()
    assert text.startswith("\ufeff") and text.endswith("\r\n")
    (read,) = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert read == ["a;b", 'dit "oui"', "deux\r\nlignes", "'=1+1", "-2", "1,5", "02/10/2026", ""]
