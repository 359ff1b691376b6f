"""The statistics of CRAs: one definition per indicator (../shared/reference/statistiques.md).

Every screen, chart, API answer and export gets its figures from here. Aggregation happens in
the database: a scope's CRAs are never loaded into memory.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select

from server.extensions import db
from server.models import Cra
from server.services.cras import conseiller_of, today_for

PROGRAMME_START = date(2020, 11, 17)


@dataclass(frozen=True)
class Periode:
    """A period on the CRA's date, both bounds included."""

    du: date
    au: date


def pourcentage(part: int, total: int) -> float:
    """Percentage with one decimal, rounded half up, from exact counts; 0 when total is 0."""
    if not total:
        return 0.0
    value = Decimal(part) * 100 / Decimal(total)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _scope_conditions(periode: Periode, conseiller_id: int | None = None) -> list:
    conditions = [Cra.deleted_at.is_(None), Cra.date >= periode.du, Cra.date <= periode.au]
    if conseiller_id is not None:
        conditions.append(Cra.conseiller_id == conseiller_id)
    return conditions


def general(periode: Periode, conseiller_id: int | None = None) -> dict:
    """The "Général" block: CRA, accompagnements, personnes, ateliers, suivi."""
    collectif = Cra.activite == "collectif"
    row = db.session.execute(select(
        func.count(),
        func.coalesce(func.sum(Cra.nb_participants), 0),
        func.coalesce(func.sum(Cra.nb_recurrents), 0),
        func.coalesce(func.sum(case((collectif, 1), else_=0)), 0),
        func.coalesce(func.sum(case((collectif, Cra.nb_participants), else_=0)), 0),
        func.coalesce(func.sum(case((Cra.activite == "individuel", 1), else_=0)), 0),
        func.coalesce(func.sum(case((Cra.activite == "ponctuel", 1), else_=0)), 0),
        func.coalesce(func.sum(Cra.suivi_individuel), 0),
        func.coalesce(func.sum(Cra.suivi_atelier), 0),
        func.coalesce(func.sum(Cra.suivi_redirection), 0),
    ).where(*_scope_conditions(periode, conseiller_id))).one()
    (cras, accompagnements, recurrents, ateliers, participants, individuels, ponctuels,
     suivi_individuel, suivi_atelier, redirections) = (int(value) for value in row)
    suivi = suivi_individuel + suivi_atelier + redirections
    return {
        "cra_enregistres": cras,
        "accompagnements": accompagnements,
        "personnes_accompagnees": accompagnements - recurrents,
        "ateliers": ateliers,
        "participants_ateliers": participants,
        "individuels": individuels,
        "ponctuels": ponctuels,
        "suivi_individuel": suivi_individuel,
        "suivi_atelier": suivi_atelier,
        "suivi_redirection": redirections,
        "suivi_total": suivi,
        "suivi_pourcentage": pourcentage(suivi, accompagnements),
    }


LIBELLES_GENERAL = {
    "personnes_accompagnees": "Personnes totales accompagnées durant cette période",
    "accompagnements": "Accompagnements totaux enregistrés (dont récurrent)",
    "cra_enregistres": "CRA enregistrés",
    "ateliers": "Ateliers réalisés",
    "participants_ateliers": "Total des participants aux ateliers",
    "individuels": "Accompagnements individuels",
    "ponctuels": "Demandes ponctuelles",
    "suivi_total": "Accompagnements avec suivi",
    "suivi_pourcentage": "Pourcentage du total des usagers accompagnés sur cette période",
}


def figures(general_block: dict) -> list[dict]:
    """The key figures in the order users know, with their labels."""
    shown = dict(general_block)
    shown["suivi_pourcentage"] = f"{general_block['suivi_pourcentage']:.1f} %".replace(".", ",")
    return [{"cle": key, "libelle": label, "valeur": shown[key]}
            for key, label in LIBELLES_GENERAL.items()]


def conseiller(user, du: date | None, au: date | None) -> dict:
    """"Mes statistiques": the user's own CRAs; default period 1st of the month → today."""
    record = conseiller_of(user)
    today = today_for(record)
    periode = Periode(du or today.replace(day=1), au or today)
    return {"du": periode.du, "au": periode.au, "graphiques": [],
            "figures": figures(general(periode, record.id))}
