"""The one spreadsheet writer: every cell of every CSV and Excel export goes through here, so that
no text a user typed can run as a formula or break a file, whatever the call site.

- CSV: `;`, UTF-8 with BOM, CRLF, the csv module's quoting (a `;`, a quote or a line break stays
  inside its cell); text starting with `= + - @`, a tab or a CR is prefixed with `'` (OWASP
  "CSV injection"); numbers with a decimal comma, dates dd/mm/yyyy.
- XLSX: text is always a text cell (never a formula, so no apostrophe is needed), numbers are
  numbers, dates real dates shown dd/mm/yyyy, percentages fractions shown with a % format; each
  table has a frozen header row, an autofilter and column widths; the first sheet says what the
  file holds.
"""

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

BOM = "\ufeff"
PARIS = ZoneInfo("Europe/Paris")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_ROWS = 1_048_576
DATE_FORMAT = "dd/mm/yyyy"
MOMENT_FORMAT = "dd/mm/yyyy hh:mm"
PERCENT_FORMAT = "0.0 %"
DECIMAL_FORMAT = "0.0##"
# Characters Excel refuses in a cell (XML 1.0), and openpyxl with it.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_WIDTH = 60


class Pourcentage(float):
    """A share in percent as the API gives it (71.4): a number followed by « % »."""


def jj_mm_aaaa(day, separator: str = "/") -> str:
    """A date the French way: 05/01/2022 (or 05-01-2022 in file names)."""
    return day.strftime(f"%d{separator}%m{separator}%Y")


def _local(moment: datetime) -> datetime:
    """A stored moment as a Paris wall-clock time (spreadsheets have no time zones)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(PARIS).replace(tzinfo=None)


def neutraliser(text: str) -> str:
    """A CSV text that a spreadsheet would run as a formula, made plain text (OWASP: prefix with
    a quote); other texts unchanged."""
    return "'" + text if text.startswith(FORMULA_START) else text


def texte_csv(value) -> str:
    """One CSV cell as French spreadsheets read it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, datetime):
        return _local(value).strftime("%d/%m/%Y %H:%M")
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


def _cell(sheet, value, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet)
    if isinstance(value, str):
        # Assigned directly, as text: openpyxl would make a "=..." string a formula.
        cell._value = ILLEGAL.sub(" ", value)
        cell.data_type = "s"
    elif isinstance(value, Pourcentage):
        cell.value = round(float(value) / 100, 6)
        cell.number_format = PERCENT_FORMAT
    elif isinstance(value, datetime):
        cell.value = _local(value)
        cell.number_format = MOMENT_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, bool):
        cell.value = int(value)
    elif isinstance(value, int | float | Decimal) or value is None:
        cell.value = value
        if isinstance(value, float | Decimal):
            cell.number_format = DECIMAL_FORMAT
    else:
        cell._value = ILLEGAL.sub(" ", str(value))
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _width(value) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 11
    return len(texte_csv(value))


class Feuille:
    """A table in a sheet: a bold, frozen header row with an autofilter; column widths from the
    header and the first rows (write-only sheets fix them before the first row)."""

    def __init__(self, classeur: "Classeur", titre: str, header: list[str]):
        self.sheet = classeur.workbook.create_sheet(titre[:31])
        self.header = header
        self.sample: list[list] = []
        self.rows = 0
        self.sheet.freeze_panes = "A2"

    def ajouter(self, row: list) -> None:
        """One row of the table."""
        if self.rows == 0 and len(self.sample) < 50:
            self.sample.append(row)
            return
        self._write(row)

    def _start(self) -> None:
        for index, name in enumerate(self.header, 1):
            widths = [len(name) + 3] + [_width(row[index - 1]) + 2 for row in self.sample]
            dimension = self.sheet.column_dimensions[get_column_letter(index)]
            dimension.width = min(MAX_WIDTH, max(8, *widths))
        self.sheet.append([_cell(self.sheet, name, bold=True) for name in self.header])
        self.rows = 1
        for row in self.sample:
            self._write(row)
        self.sample = []

    def _write(self, row: list) -> None:
        if self.rows == 0:
            self._start()
        self.sheet.append([_cell(self.sheet, value) for value in row])
        self.rows += 1

    @property
    def pleine(self) -> bool:
        """Whether Excel's row limit (header included) is reached."""
        return max(self.rows, 1) + len(self.sample) >= EXCEL_MAX_ROWS

    def fermer(self) -> None:
        """Write what is left and the autofilter over the whole table."""
        if self.rows == 0:
            self._start()
        last = get_column_letter(len(self.header))
        self.sheet.auto_filter.ref = f"A1:{last}{self.rows}"


class Classeur:
    """An Excel workbook written row by row (openpyxl's write-only mode), whose first sheet
    « À propos » says what it holds."""

    def __init__(self, titre: str, description: list[tuple[str, object]]):
        self.workbook = Workbook(write_only=True)
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
        """The workbook's bytes, saved to a temporary file and read back in chunks."""
        for sheet in self.feuilles:
            sheet.fermer()
        with tempfile.TemporaryFile() as handle:
            self.workbook.save(handle)
            handle.seek(0)
            while chunk := handle.read(64 * 1024):
                yield chunk

    def octets(self) -> bytes:
        """The workbook's bytes."""
        return b"".join(self.flux())
