"""The templates' French filters: dates dd/mm/yyyy, numbers, sizes, labels."""

from datetime import datetime

from server.models.ressourcerie import STATUTS, THEMATIQUES
from server.pages.pilotage import bp
from server.services import francais
from server.services.francais import PARIS, jj_mm_aaaa


@bp.app_template_filter("date_fr")
def date_fr(day) -> str:
    """05/01/2022 (a moment: its day in Paris); "non renseignée" for no date."""
    if isinstance(day, datetime) and day.tzinfo is not None:
        day = day.astimezone(PARIS)
    return jj_mm_aaaa(day) if day else "non renseignée"


@bp.app_template_filter("date_heure")
def date_heure(moment: datetime) -> str:
    """05/01/2022 14:30, Paris time."""
    return francais.date_heure(moment)


@bp.app_template_filter("initiale")
def initiale(text: str) -> str:
    """The first letter in capitals, the rest as typed ("Équipe de karim Fournier"): Jinja's
    `capitalize` would lower-case the names that follow."""
    return text[:1].upper() + text[1:]


@bp.app_template_filter("taille")
def taille(octets: int) -> str:
    """A file's size: 34 Ko, 1,2 Mo."""
    return francais.taille(octets)


@bp.app_template_filter("thematique")
def thematique(cle: str) -> str:
    """A thématique's name."""
    return THEMATIQUES.get(cle, cle)


@bp.app_template_filter("statut_document")
def statut_document(cle: str) -> str:
    """What became of a document: "En attente de publication"…"""
    return STATUTS[cle]


@bp.app_template_filter("nombre")
def nombre(value) -> str:
    """12 345 (thin space); text such as "62,5 %" as is."""
    return francais.nombre(value) if isinstance(value, int | float) else value
