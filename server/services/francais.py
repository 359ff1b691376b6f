"""French formatting, the one home for it on the server: dates dd/mm/yyyy, Paris wall-clock
times, numbers with a decimal comma and a thin space between thousands, percentages, file
sizes. (The app's own, in the browser, is pwa/js/dom.js.)"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def jj_mm_aaaa(day: date, separator: str = "/") -> str:
    """A date the French way: 05/01/2022 (or 05-01-2022 in file names)."""
    return day.strftime(f"%d{separator}%m{separator}%Y")


def heure_de_paris(moment: datetime) -> datetime:
    """A stored moment as a Paris wall-clock time, without time zone (a naive moment is taken
    as already local)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(PARIS).replace(tzinfo=None)


def date_heure(moment: datetime) -> str:
    """A moment as read in Paris: 05/01/2022 14:30."""
    return heure_de_paris(moment).strftime("%d/%m/%Y %H:%M")


def nombre(value: float) -> str:
    """A number the French way: 12 345 (thin space), 2,5 (decimal comma, at most two)."""
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def pourcent(part: float) -> str:
    """A percentage as French text, one decimal: '62,5 %'."""
    return f"{part:.1f} %".replace(".", ",")


def taille(octets: int) -> str:
    """A file's size: 34 Ko, 1,2 Mo."""
    if octets < 2**20:
        return f"{nombre(max(1, round(octets / 2**10)))} Ko"
    return f"{nombre(round(octets / 2**20, 1))} Mo"
