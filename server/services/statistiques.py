"""The statistics of CRAs: one definition per indicator (../shared/reference/statistiques.md).

Every screen, chart, API answer and export gets its figures from here. Aggregation happens in
the database: a scope's CRAs are never loaded into memory.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Integer, case, cast, exists, func, literal_column, select, true, type_coerce
from sqlalchemy.dialects.postgresql import JSONB

from server.extensions import db
from server.models import Cra
from server.models.cra import ACTIVITES, AGES, CANAUX, ORGANISMES, STATUTS, THEMES
from server.services import graphiques
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


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _elements(column, text: bool = True):
    """The elements of a JSON list column as a table-valued function with a "value" column:
    text values (themes) or JSON objects (organismes)."""
    if _postgresql():
        function = func.jsonb_array_elements_text if text else func.jsonb_array_elements
        return function(type_coerce(column, JSONB)).table_valued("value")
    return func.json_each(column).table_valued("value")


def _count_by(key, periode: Periode, conseiller_id: int | None, *joins) -> dict:
    # Grouped by the label: PostgreSQL sees two copies of an expression holding a bound
    # parameter as different expressions.
    key = key.label("cle")
    query = select(key, func.count()).select_from(Cra)
    for joined in joins:
        query = query.join(joined, true())
    rows = db.session.execute(query.where(*_scope_conditions(periode, conseiller_id))
                              .group_by(key))
    return {value: int(count) for value, count in rows}


def _has_espace_sante():
    if _postgresql():
        return type_coerce(Cra.sous_themes, JSONB)["sante"].contains(["espace-sante"])
    each = func.json_each(Cra.sous_themes, "$.sante").table_valued("value")
    return exists(select(literal_column("1")).select_from(each)
                  .where(each.c.value == "espace-sante"))


def themes(periode: Periode, conseiller_id: int | None = None) -> list[dict]:
    """Per theme (order of THEMES), the CRAs having it, then the "Mon espace santé" line."""
    each = _elements(Cra.themes)
    counts = _count_by(each.c.value, periode, conseiller_id, each)
    espace_sante = db.session.scalar(select(func.count()).where(
        *_scope_conditions(periode, conseiller_id), _has_espace_sante()))
    # "% of all theme mentions": the mentions are the themes ticked. "Mon espace santé" is a
    # précision of Santé, whose CRAs are already counted there: it is not a mention of its own,
    # so it stays out of the total (its share is still taken on that same total).
    total = sum(counts.get(key, 0) for key in THEMES)
    lines = [{"cle": key, "libelle": labels[1], "nombre": counts.get(key, 0),
              "pourcentage": pourcentage(counts.get(key, 0), total)}
             for key, labels in THEMES.items()]
    lines.append({"cle": "espace-sante", "libelle": "Mon espace santé", "nombre": espace_sante,
                  "pourcentage": pourcentage(espace_sante, total)})
    return lines


def canaux(periode: Periode, conseiller_id: int | None = None) -> list[dict]:
    """Per canal, the CRAs and their share of all CRAs."""
    counts = _count_by(Cra.canal, periode, conseiller_id)
    total = sum(counts.values())
    return [{"cle": key, "libelle": label, "nombre": counts.get(key, 0),
             "pourcentage": pourcentage(counts.get(key, 0), total)}
            for key, label in CANAUX.items()]


DUREES_STATS = {"0-30": "0 à 30 min", "30-60": "30 min à 1h", "60-120": "1h à 2h",
                "120+": "2h ou plus"}


def durees(periode: Periode, conseiller_id: int | None = None) -> list[dict]:
    """CRAs per duration bucket: 0-30, 30-60, 60-120 and 120+ minutes."""
    minutes = func.coalesce(Cra.duree_minutes, 60)
    bucket = case((Cra.duree.in_(["0-30", "30-60"]), Cra.duree),
                  (minutes < 120, "60-120"), else_="120+")
    counts = _count_by(bucket, periode, conseiller_id)
    total = sum(counts.values())
    return [{"cle": key, "libelle": label, "nombre": counts.get(key, 0),
             "pourcentage": pourcentage(counts.get(key, 0), total)}
            for key, label in DUREES_STATS.items()]


def heures(minutes: int) -> float:
    """Minutes in hours, two decimals, rounded half up."""
    value = Decimal(minutes) / 60
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def temps(periode: Periode, conseiller_id: int | None = None) -> list[dict]:
    """Per activity type, the minutes spent: 0-30 counts 30, 30-60 counts 60, else the exact
    minutes."""
    minutes = case((Cra.duree == "0-30", 30), (Cra.duree == "30-60", 60),
                   else_=func.coalesce(Cra.duree_minutes, 0))
    rows = db.session.execute(select(Cra.activite, func.sum(minutes))
                              .where(*_scope_conditions(periode, conseiller_id))
                              .group_by(Cra.activite))
    sums = {activite: int(total or 0) for activite, total in rows}
    return [{"cle": key, "libelle": label, "minutes": sums.get(key, 0),
             "heures": heures(sums.get(key, 0))} for key, label in ACTIVITES.items()]


def _buckets(prefix: str, labels: dict, periode: Periode, conseiller_id: int | None) -> list:
    columns = [getattr(Cra, f"{prefix}_{key}") for key in labels]
    row = db.session.execute(select(
        func.coalesce(func.sum(Cra.nb_participants), 0),
        *(func.coalesce(func.sum(column), 0) for column in columns),
    ).where(*_scope_conditions(periode, conseiller_id))).one()
    accompagnements, *sums = (int(value) for value in row)
    return [{"cle": key, "libelle": label, "nombre": number,
             "pourcentage": pourcentage(number, accompagnements)}
            for (key, label), number in zip(labels.items(), sums, strict=True)]


def ages(periode: Periode, conseiller_id: int | None = None) -> list[dict]:
    """Σ of each age bucket and its share of Accompagnements."""
    return _buckets("age", AGES, periode, conseiller_id)


def statuts(periode: Periode, conseiller_id: int | None = None) -> list[dict]:
    """Σ of each statut bucket and its share of Accompagnements."""
    return _buckets("statut", STATUTS, periode, conseiller_id)


def reorientations(periode: Periode, conseiller_id: int | None = None) -> list[dict]:
    """Σ of people redirected per organisme, most first; "agree" says whether the name is one
    of the list (free-text names are grouped as "Autres" in the chart only)."""
    each = _elements(Cra.organismes, text=False)
    if _postgresql():
        nom = func.jsonb_extract_path_text(each.c.value, "nom")
        nombre = func.jsonb_extract_path_text(each.c.value, "nombre")
    else:
        nom, nombre = func.json_extract(each.c.value, "$.nom"), func.json_extract(
            each.c.value, "$.nombre")
    nom, total_nombre = nom.label("cle"), func.sum(cast(nombre, Integer)).label("nombre")
    rows = db.session.execute(
        select(nom, total_nombre).select_from(Cra).join(each, true())
        .where(*_scope_conditions(periode, conseiller_id))
        .group_by(nom).order_by(total_nombre.desc(), nom)).all()
    # The share is of all redirections named by organisme (the schema keeps their sum equal
    # to suivi.redirection), so the lines add up to 100 %.
    total = sum(int(count) for _, count in rows)
    return [{"cle": name, "libelle": name, "nombre": int(count),
             "pourcentage": pourcentage(int(count), total), "agree": name in ORGANISMES}
            for name, count in rows]


MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
        "octobre", "novembre", "décembre")


def _months(periode: Periode) -> list[tuple[int, int]]:
    year, month, months = periode.du.year, periode.du.month, []
    while (year, month) <= (periode.au.year, periode.au.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def evolution(periode: Periode, conseiller_id: int | None = None) -> list[dict]:
    """CRAs per month over the period, every month listed, empty ones with 0."""
    if _postgresql():
        month = func.to_char(Cra.date, "YYYY-MM")
    else:
        month = func.strftime("%Y-%m", Cra.date)
    counts = _count_by(month, periode, conseiller_id)
    return [{"cle": f"{year:04d}-{number:02d}", "libelle": f"{MOIS[number - 1]} {year}",
             "nombre": counts.get(f"{year:04d}-{number:02d}", 0)}
            for year, number in _months(periode)]


INDICATEURS = {"general": general, "themes": themes, "canaux": canaux, "durees": durees,
               "temps": temps, "ages": ages, "statuts": statuts,
               "reorientations": reorientations, "evolution": evolution}


def indicateurs(periode: Periode, conseiller_id: int | None = None) -> dict:
    """Every indicator of statistiques.md over a scope and a period."""
    return {name: compute(periode, conseiller_id) for name, compute in INDICATEURS.items()}


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


def periode_conseiller(user, du: date | None, au: date | None) -> tuple[int, Periode]:
    """The user's conseiller id and period: by default the 1st of the month → today."""
    record = conseiller_of(user)
    today = today_for(record)
    au = au or today
    return record.id, Periode(du or min(today.replace(day=1), au.replace(day=1)), au)


def conseiller(user, du: date | None, au: date | None) -> dict:
    """"Mes statistiques": the user's own CRAs, every indicator and the charts of them."""
    conseiller_id, periode = periode_conseiller(user, du, au)
    values = indicateurs(periode, conseiller_id)
    return {"du": periode.du, "au": periode.au, "figures": figures(values["general"]),
            "indicateurs": values,
            "graphiques": graphiques.descriptions(values, "api.statistiques.conseiller_graphique",
                                                  du=periode.du, au=periode.au)}


def conseiller_graphique(user, nom: str, extension: str, du: date | None,
                         au: date | None) -> bytes:
    """One chart of "Mes statistiques", as SVG or PNG bytes; 404 for an unknown name."""
    graphiques.check(nom)
    conseiller_id, periode = periode_conseiller(user, du, au)
    return graphiques.render(nom, {nom: INDICATEURS[nom](periode, conseiller_id)}, extension)
