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
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from openpyxl.utils import get_column_letter

BOM = "\ufeff"
PARIS = ZoneInfo("Europe/Paris")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_ROWS = 1_048_576
DATE_FORMAT = "dd/mm/yyyy"
MOMENT_FORMAT = "dd/mm/yyyy hh:mm"
PERCENT_FORMAT = "0.0 %"
DECIMAL_FORMAT = "0.0##"
# Characters Excel refuses in a cell (XML 1.0 has no way to write them).
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
# The workbook is written as its XML parts directly (SpreadsheetML, ECMA-376): a row is a few
# string joins, about nine times faster than openpyxl's cell objects, so a national rows export
# takes minutes, not an hour; each sheet streams to a temporary file, memory stays flat.

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
BOLD, DATE, MOMENT, PERCENT, DECIMAL = 1, 2, 3, 4, 5  # cellXfs indices of STYLES
STYLES = (
    f'{XML}<styleSheet xmlns="{MAIN}">'
    '<numFmts count="4">'
    f'<numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{MOMENT_FORMAT}"/>'
    f'<numFmt numFmtId="166" formatCode="{PERCENT_FORMAT}"/>'
    f'<numFmt numFmtId="167" formatCode="{DECIMAL_FORMAT}"/>'
    "</numFmts>"
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    + "".join(
        f'<xf numFmtId="{number}" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/>'
        for number in (164, 165, 166, 167)
    )
    + "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
EPOCH = datetime(1899, 12, 30)


def _xml(text: str) -> str:
    """Text as XML character data, without the characters XML 1.0 (and Excel) refuse."""
    return escape(ILLEGAL.sub(" ", text))


def _serial(moment: datetime) -> float:
    """A date or moment as Excel's day number."""
    return (moment - EPOCH).total_seconds() / 86_400


def _cell(ref: str, value, style: int = 0) -> str:
    """One cell's XML: text is always an inline string (never a formula), numbers and dates
    numbers with their format."""
    if value is None:
        return ""
    if isinstance(value, str):
        shown = f' s="{style}"' if style else ""
        text = _xml(value)
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{ref}" t="inlineStr"{shown}><is><t{space}>{text}</t></is></c>'
    if isinstance(value, Pourcentage):
        return f'<c r="{ref}" s="{PERCENT}"><v>{round(float(value) / 100, 6)!r}</v></c>'
    if isinstance(value, datetime):
        return f'<c r="{ref}" s="{MOMENT}"><v>{_serial(_local(value))!r}</v></c>'
    if isinstance(value, date):
        day = datetime(value.year, value.month, value.day)
        return f'<c r="{ref}" s="{DATE}"><v>{_serial(day)!r}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, float | Decimal):
        return f'<c r="{ref}" s="{DECIMAL}"><v>{value}</v></c>'
    return _cell(ref, str(value), style)


def _width(value) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 11
    return len(texte_csv(value))


class Feuille:
    """A table in a sheet: a bold, frozen header row with an autofilter; column widths from the
    header and the first rows (they come before the rows in the file)."""

    def __init__(self, titre: str, header: list[str]):
        self.titre = titre[:31]
        self.header = header
        self.letters = [get_column_letter(index) for index in range(1, len(header) + 1)]
        self.sample: list[list] = []
        self.rows = 0
        self.file = tempfile.TemporaryFile()
        self.buffer: list[str] = []

    def ajouter(self, row: list) -> None:
        """One row of the table."""
        if self.rows == 0 and len(self.sample) < 50:
            self.sample.append(row)
            return
        self._write(row)

    def _flush(self) -> None:
        self.file.write("".join(self.buffer).encode())
        self.buffer = []

    def _row(self, row: list, style: int = 0) -> None:
        self.rows += 1
        number = self.rows
        cells = "".join(
            _cell(f"{letter}{number}", value, style)
            for letter, value in zip(self.letters, row, strict=False)
        )
        self.buffer.append(f'<row r="{number}">{cells}</row>')
        if len(self.buffer) >= 1_000:
            self._flush()

    def _start(self) -> None:
        widths = [
            min(MAX_WIDTH, max(8, len(name) + 3, *(_width(row[i]) + 2 for row in self.sample)))
            for i, name in enumerate(self.header)
        ]
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
            for i, width in enumerate(widths, 1)
        )
        self.buffer.append(
            f'{XML}<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            "</sheetView></sheetViews>"
            f"<cols>{cols}</cols><sheetData>"
        )
        self._row(self.header, BOLD)
        sample, self.sample = self.sample, []
        for row in sample:
            self._row(row)

    def _write(self, row: list) -> None:
        if self.rows == 0:
            self._start()
        self._row(row)

    @property
    def pleine(self) -> bool:
        """Whether Excel's row limit (header included) is reached."""
        return max(self.rows, 1) + len(self.sample) >= EXCEL_MAX_ROWS

    @property
    def filtre(self) -> str:
        """The autofilter's range: the whole table."""
        return f"A1:{self.letters[-1]}{max(self.rows, 1)}"

    @property
    def plage(self) -> str:
        """The table as a workbook-level reference, for the autofilter's defined name."""
        name = _xml(self.titre).replace("'", "''")
        return f"'{name}'!$A$1:${self.letters[-1]}${max(self.rows, 1)}"

    def fermer(self) -> None:
        """Write what is left and the autofilter over the whole table."""
        if self.rows == 0:
            self._start()
        self.buffer.append(f'</sheetData><autoFilter ref="{self.filtre}"/></worksheet>')
        self._flush()
        self.file.seek(0)


class Classeur:
    """An Excel workbook written row by row, whose first sheet « À propos » says what it holds."""

    def __init__(self, titre: str, description: list[tuple[str, object]]):
        self.feuilles: list[Feuille] = []
        about = self.feuille("À propos", ["Élément", "Valeur"])
        about.ajouter(["Fichier", titre])
        for label, value in description:
            about.ajouter([label, value])

    def feuille(self, titre: str, header: list[str]) -> Feuille:
        """A new table sheet."""
        sheet = Feuille(titre, header)
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

    def _parts(self) -> dict[str, str]:
        sheets = list(enumerate(self.feuilles, 1))
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for n, _ in sheets
        )
        return {
            "[Content_Types].xml": (
                f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                'content-types">'
                '<Default Extension="rels" ContentType="application/'
                'vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                f"{overrides}</Types>"
            ),
            "_rels/.rels": (
                f'{XML}<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
                f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
                "</Relationships>"
            ),
            "xl/workbook.xml": (
                f'{XML}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
                + "".join(
                    f'<sheet name="{_xml(sheet.titre)}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, sheet in sheets
                )
                + "</sheets><definedNames>"
                + "".join(
                    f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n - 1}" '
                    f'hidden="1">{sheet.plage}</definedName>'
                    for n, sheet in sheets
                )
                + "</definedNames></workbook>"
            ),
            "xl/_rels/workbook.xml.rels": (
                f'{XML}<Relationships xmlns="{PACKAGE}">'
                + "".join(
                    f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" '
                    f'Target="worksheets/sheet{n}.xml"/>'
                    for n, _ in sheets
                )
                + f'<Relationship Id="rId{len(sheets) + 1}" Type="{RELATIONSHIPS}/styles" '
                'Target="styles.xml"/></Relationships>'
            ),
            "xl/styles.xml": STYLES,
        }

    def flux(self) -> Iterator[bytes]:
        """The workbook's bytes: its parts zipped into a temporary file, read back in chunks."""
        for sheet in self.feuilles:
            sheet.fermer()
        with tempfile.TemporaryFile() as handle:
            with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as package:
                for name, text in self._parts().items():
                    package.writestr(name, text)
                for number, sheet in enumerate(self.feuilles, 1):
                    # ZIP64 when needed: a 1M-row sheet is over 2 GiB of XML before compression.
                    name = f"xl/worksheets/sheet{number}.xml"
                    with package.open(name, "w", force_zip64=True) as part:
                        shutil.copyfileobj(sheet.file, part, 1 << 20)
                    sheet.file.close()
            handle.seek(0)
            while chunk := handle.read(64 * 1024):
                yield chunk

    def octets(self) -> bytes:
        """The workbook's bytes."""
        return b"".join(self.flux())
