"""The one spreadsheet writer: every cell of every CSV and Excel export goes through here, so that
no text a user typed can run as a formula or break a file, whatever the call site.

- CSV: `;`, UTF-8 with BOM, CRLF, the csv module's quoting (a `;`, a quote or a line break stays
  inside its cell); text starting with `= + - @`, a tab or a CR is prefixed with `'` (OWASP
  "CSV injection"); numbers with a decimal comma, dates dd/mm/yyyy.
- XLSX, written by XlsxWriter in its constant-memory mode (rows stream to temporary files, memory
  stays flat in the number of rows): text is always a text cell, written with write_string and
  with every automatic conversion off (never a formula, a link or a number, so no apostrophe is
  needed); numbers are numbers, dates real dates shown dd/mm/yyyy, percentages fractions shown
  with a % format; each table has a frozen header row, an autofilter and column widths; the
  first sheet says what the file holds; past Excel's row limit a table continues on a new sheet.
"""

import csv
import io
import math
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter

from server.services.francais import date_heure, heure_de_paris, jj_mm_aaaa

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_ROWS = 1_048_576
DATE_FORMAT = "dd/mm/yyyy"
MOMENT_FORMAT = "dd/mm/yyyy hh:mm"
PERCENT_FORMAT = "0.0 %"
DECIMAL_FORMAT = "0.0##"
# Control characters: Excel would show them as « _x0007_ »; a space reads better.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_WIDTH = 60
SAMPLE = 50  # rows whose length sets the column widths
LINE_HEIGHT = 15  # points, a line of Calibri 11
PRINT_WIDTH = 200  # characters: a table this wide or less is printed one page wide


class Pourcentage(float):
    """A share in percent as the API gives it (71.4): a number followed by « % »."""


def neutraliser(text: str) -> str:
    """A CSV text that a spreadsheet would run as a formula, made plain text (OWASP: prefix with
    a quote); other texts unchanged."""
    return "'" + text if text.startswith(FORMULA_START) else text


def texte_csv(value) -> str:
    """One CSV cell as French spreadsheets read it."""
    if type(value) is str:  # most cells: checked first
        return neutraliser(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, datetime):
        return date_heure(value)
    if isinstance(value, date):
        return jj_mm_aaaa(value)
    return neutraliser(str(value))


class _Lines:
    """A file-like sink for csv.writer whose text is taken back line by line."""

    def __init__(self):
        self.buffer = io.StringIO()

    def write(self, text: str) -> None:
        self.buffer.write(text)

    def take(self) -> bytes:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text.encode()


def csv_flux(rows: Iterable[list], every: int = 2_000) -> Iterator[bytes]:
    """Rows as CSV bytes, BOM first, yielded every few rows (streamed, memory flat)."""
    sink = _Lines()
    writer = csv.writer(sink, delimiter=";", lineterminator="\r\n")
    sink.write(BOM)
    for count, row in enumerate(rows, 1):
        writer.writerow([texte_csv(value) for value in row])
        if count % every == 0:
            yield sink.take()
    yield sink.take()


def csv_octets(rows: Iterable[list]) -> bytes:
    """Rows as one CSV file."""
    return b"".join(csv_flux(rows))


# Excel ---------------------------------------------------------------------------------------

OPTIONS = {
    # Rows are written to a temporary file per sheet as they come: memory flat in the rows.
    "constant_memory": True,
    # No guessing from text: a typed « =… », « https://… » or « +33 6 » stays the text it is.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    # A 1M-row sheet is over 2 GiB of XML before compression.
    "use_zip64": True,
}


def _texte(text: str) -> str:
    """A cell's text: line breaks as Excel writes them (LF), other control characters, which
    Excel would show as « _x0007_ », as spaces."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return ILLEGAL.sub(" ", text)


def _lines(text: str, width: int) -> int:
    """How many lines a wrapped text takes in a column `width` characters wide."""
    return sum(max(1, -(-len(line) // max(1, width - 1))) for line in text.split("\n"))


def _width(value) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 11
    return max(map(len, texte_csv(value).splitlines() or [""]))


class Feuille:
    """A table in a sheet: a bold, frozen header row with an autofilter; column widths from the
    header and the first rows. Rows are written in order as they come."""

    def __init__(self, classeur: "Classeur", titre: str, header: list[str]):
        self.titre = titre[:31]
        self.header = header
        self.formats = classeur.formats
        self.sheet = classeur.book.add_worksheet(self.titre)
        self.sheet.freeze_panes(1, 0)
        self.widths = [max(8, len(name) + 3) for name in header]
        self.rows = 0
        self._row(header, bold=True)

    def ajouter(self, row: list) -> None:
        """One row of the table."""
        if self.rows <= SAMPLE:
            for index, value in enumerate(row[: len(self.widths)]):
                self.widths[index] = max(self.widths[index], _width(value) + 2)
        self._row(row)

    def _row(self, row: list, bold: bool = False) -> None:
        sheet, formats, number, lines = self.sheet, self.formats, self.rows, 1
        plain = formats["bold" if bold else "plain"]
        for column, value in enumerate(row[: len(self.header)]):
            style = plain
            if value is None:
                continue
            if isinstance(value, str):
                text = _texte(value)
                width = min(MAX_WIDTH, self.widths[column])
                if "\n" in text or len(text) > width:  # on its lines, not over the next cells
                    style = formats["bold lines" if bold else "lines"]
                    lines = max(lines, _lines(text, width))
                sheet.write_string(number, column, text, style)
            elif isinstance(value, Pourcentage):
                sheet.write_number(number, column, round(float(value) / 100, 6), formats["%"])
            elif isinstance(value, datetime):
                sheet.write_datetime(number, column, heure_de_paris(value), formats["moment"])
            elif isinstance(value, date):
                sheet.write_datetime(number, column, value, formats["date"])
            elif isinstance(value, bool | int):
                sheet.write_number(number, column, int(value), plain)
            elif isinstance(value, float | Decimal):
                if math.isfinite(value):
                    sheet.write_number(number, column, float(value), formats["decimal"])
            else:
                sheet.write_string(number, column, _texte(str(value)), plain)
        if lines > 1:  # a height of its own: spreadsheets do not all fit rows when they open
            sheet.set_row(number, min(409, LINE_HEIGHT * lines))
        self.rows += 1

    @property
    def pleine(self) -> bool:
        """Whether Excel's row limit (header included) is reached."""
        return self.rows >= EXCEL_MAX_ROWS

    def fermer(self) -> None:
        """Column widths, the autofilter over the whole table (XlsxWriter writes them before
        the rows when it assembles the sheet) and the print setup: A4 landscape, the header row
        on every page, one page wide when the table is narrow enough to stay readable."""
        widths = [min(MAX_WIDTH, width) for width in self.widths]
        for index, width in enumerate(widths):
            self.sheet.set_column(index, index, width)
        self.sheet.autofilter(0, 0, max(self.rows, 1) - 1, len(self.header) - 1)
        self.sheet.set_paper(9)  # A4
        self.sheet.set_landscape()
        self.sheet.repeat_rows(0)
        if sum(widths) <= PRINT_WIDTH:
            self.sheet.fit_to_pages(1, 0)


class Classeur:
    """An Excel workbook written row by row, whose first sheet « À propos » says what it holds."""

    def __init__(self, titre: str, description: list[tuple[str, object]]):
        self.file = tempfile.TemporaryFile()
        self.book = xlsxwriter.Workbook(self.file, OPTIONS)
        self.book.set_properties({"title": titre})
        # Every cell aligned to the top: a row made taller by a multi-line text stays readable.
        styles: dict[str, dict[str, Any]] = {
            "plain": {},
            "bold": {"bold": True},
            "lines": {"text_wrap": True},
            "bold lines": {"bold": True, "text_wrap": True},
            "date": {"num_format": DATE_FORMAT},
            "moment": {"num_format": MOMENT_FORMAT},
            "%": {"num_format": PERCENT_FORMAT},
            "decimal": {"num_format": DECIMAL_FORMAT},
        }
        self.formats = {
            name: self.book.add_format({"valign": "top", **properties})
            for name, properties in styles.items()
        }
        self.feuilles: list[Feuille] = []
        about = self.feuille("À propos", ["Élément", "Valeur"])
        about.ajouter(["Fichier", titre])
        for label, value in description:
            about.ajouter([label, value])

    def feuille(self, titre: str, header: list[str]) -> Feuille:
        """A new table sheet."""
        sheet = Feuille(self, titre, header)
        self.feuilles.append(sheet)
        return sheet

    def tableau(self, titre: str, header: list[str], rows: Iterable[list]) -> int:
        """A table of any length: sheets « titre », « titre (2) » … each with its header when
        Excel's row limit is reached. Returns how many rows were written."""
        sheet, count, part = self.feuille(titre, header), 0, 1
        for row in rows:
            if sheet.pleine:
                part += 1
                sheet = self.feuille(f"{titre} ({part})", header)
            sheet.ajouter(row)
            count += 1
        return count

    def flux(self) -> Iterator[bytes]:
        """The workbook's bytes: zipped into a temporary file, read back in chunks."""
        with self.file:
            for sheet in self.feuilles:
                sheet.fermer()
            self.book.close()
            self.file.seek(0)
            while chunk := self.file.read(64 * 1024):
                yield chunk

    def octets(self) -> bytes:
        """The workbook's bytes."""
        return b"".join(self.flux())
