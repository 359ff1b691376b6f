"""The statistics of CRAs: one definition per indicator (../shared/reference/statistiques.md).

Every page, chart, API answer and export gets its figures from `indicateurs()`; nothing else
computes an indicator. A CRA adds to counters (`contributions()`: one SQL expression per
counter, the definition of what each CRA counts for), the indicators are shaped from the sums
of those counters (`_general`, `_themes`...). The sums come from the CRAs themselves for
conseillers, teams, structures and any commune filter, and from the daily totals per
département (server/services/cumuls.py, the same expressions summed ahead) for départements,
régions and the nation. Aggregation always happens in the database: a scope's CRAs are never
loaded into memory.
"""

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from sqlalchemy import (
    Integer,
    case,
    cast,
    func,
    literal,
    select,
    true,
)

from server.extensions import db
from server.models import Conseiller, Cra, Departement, Region, Structure, User
from server.models.cra import ACTIVITES, AGES, CANAUX, ORGANISMES, STATUTS, THEMES
from server.models.statistique import (
    COMPTEURS,
    DUREES_STATS,
    cra_stat_jour,
    cra_stat_organisme,
    slug,
)
from server.services import francais, sql, territoires

PROGRAMME_START = date(2020, 11, 17)
MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass(frozen=True)
class Periode:
    """A period on the CRA's date, both bounds included."""

    du: date
    au: date


@dataclass(frozen=True)
class Perimetre:
    """Whose CRAs are counted: every condition set applies (server/services/perimetres.py
    builds them from what the user may see)."""

    type: str  # conseiller, equipe, structure, departement, region, national
    nom: str  # who, in titles and file names
    ident: str = ""  # the conseiller or structure id, or the territory's code, in URLs
    conseiller_ids: tuple[int, ...] | None = None
    structure_id: int | None = None  # CRAs stamped with this structure
    departement_code: str | None = None  # CRAs of the structures located there
    region_code: str | None = None
    code_commune: str | None = None  # the commune filter
    code_postal: str | None = None

    @property
    def territorial(self) -> bool:
        """Only territory conditions: the daily totals per département answer it."""
        return (
            self.conseiller_ids is None
            and self.structure_id is None
            and self.code_commune is None
            and self.code_postal is None
        )

    def filtre(self, code_postal: str | None, code_commune: str | None) -> "Perimetre":
        """The same scope narrowed to the CRAs of a postal code and/or a commune."""
        return replace(self, code_postal=code_postal or None, code_commune=code_commune or None)


NATIONAL = Perimetre("national", "nationales")


def pourcentage(part: int, total: int) -> float:
    """Percentage with one decimal, rounded half up, from exact counts; 0 when total is 0."""
    if not total:
        return 0.0
    value = Decimal(part) * 100 / Decimal(total)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def heures(minutes: int) -> float:
    """Minutes in hours, two decimals, rounded half up."""
    value = Decimal(minutes) / 60
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# What one CRA counts for ---------------------------------------------------------------------


def has_theme(key: str):
    """SQL condition: the CRA has this thème."""
    return sql.json_list_has(Cra.themes, key)


def _one_if(condition):
    return case((condition, 1), else_=0)


def duree_stats():
    """SQL: the CRA's bucket of the "Durée des accompagnements" indicator (DUREES_STATS)."""
    # "60+" has exact minutes; a one-hour-or-more session of under two hours is 60-120.
    minutes_60 = func.coalesce(Cra.duree_minutes, 60)
    return case(
        (Cra.duree.in_(["0-30", "30-60"]), Cra.duree), (minutes_60 < 120, "60-120"), else_="120+"
    )


def contributions() -> dict:
    """Counter name (models/statistique.COMPTEURS) → SQL expression of what one CRA adds."""
    collectif = Cra.activite == "collectif"
    bucket = duree_stats()
    # Temps: 0-30 counts 30 minutes and 30-60 counts 60, else the exact minutes.
    minutes = case(
        (Cra.duree == "0-30", 30),
        (Cra.duree == "30-60", 60),
        else_=func.coalesce(Cra.duree_minutes, 0),
    )
    values = {
        "cras": literal(1),
        "accompagnements": Cra.nb_participants,  # an individuel or ponctuel counts 1
        "recurrents": Cra.nb_recurrents,
        "ateliers": _one_if(collectif),
        "participants_ateliers": case((collectif, Cra.nb_participants), else_=0),
        "individuels": _one_if(Cra.activite == "individuel"),
        "ponctuels": _one_if(Cra.activite == "ponctuel"),
        "suivi_individuel": Cra.suivi_individuel,
        "suivi_atelier": Cra.suivi_atelier,
        "suivi_redirection": Cra.suivi_redirection,
        **{f"theme_{slug(key)}": _one_if(has_theme(key)) for key in THEMES},
        "espace_sante": _one_if(sql.json_list_has(Cra.sous_themes, "espace-sante", "sante")),
        **{f"canal_{slug(key)}": _one_if(Cra.canal == key) for key in CANAUX},
        **{f"duree_{slug(key)}": _one_if(bucket == key) for key in DUREES_STATS},
        **{
            f"minutes_{slug(key)}": case((Cra.activite == key, minutes), else_=0)
            for key in ACTIVITES
        },
        **{f"age_{key}": getattr(Cra, f"age_{key}") for key in AGES},
        **{f"statut_{key}": getattr(Cra, f"statut_{key}") for key in STATUTS},
    }
    assert tuple(values) == COMPTEURS
    return values


def organismes_of_cras():
    """(table-valued elements of Cra.organismes, nom, nombre): one row per organisme named."""
    each, nom, nombre = sql.json_objects(Cra.organismes, "nom", "nombre")
    return each, nom, cast(nombre, Integer)


# Where the sums come from ---------------------------------------------------------------------


def _structures_where(column, code: str):
    return select(Structure.id).where(column == code).scalar_subquery()


def cra_conditions(perimetre: Perimetre, periode: Periode) -> list:
    """SQL conditions on Cra selecting the scope's CRAs of the period (tombstones excluded)."""
    conditions = [Cra.deleted_at.is_(None), Cra.date >= periode.du, Cra.date <= periode.au]
    if perimetre.conseiller_ids is not None:
        conditions.append(Cra.conseiller_id.in_(perimetre.conseiller_ids))
    if perimetre.structure_id is not None:
        conditions.append(Cra.structure_id == perimetre.structure_id)
    if perimetre.departement_code is not None:
        conditions.append(
            Cra.structure_id.in_(
                _structures_where(Structure.departement_code, perimetre.departement_code)
            )
        )
    if perimetre.region_code is not None:
        conditions.append(
            Cra.structure_id.in_(_structures_where(Structure.region_code, perimetre.region_code))
        )
    if perimetre.code_commune is not None:
        # A commune counts its arrondissements and communes déléguées / associées.
        conditions.append(Cra.code_commune.in_(territoires.codes_comptes(perimetre.code_commune)))
    if perimetre.code_postal is not None:
        conditions.append(Cra.code_postal == perimetre.code_postal)
    return conditions


def _cumul_conditions(table, perimetre: Perimetre, periode: Periode) -> list:
    conditions = [table.c.jour >= periode.du, table.c.jour <= periode.au]
    if perimetre.departement_code is not None:
        conditions.append(table.c.departement_code == perimetre.departement_code)
    if perimetre.region_code is not None:
        conditions.append(table.c.region_code == perimetre.region_code)
    return conditions


def sums_by_month(perimetre: Perimetre, periode: Periode) -> dict[str, dict[str, int]]:
    """Every counter summed per month ('YYYY-MM') of the period: one pass over the rows, which
    gives both the indicators (their total) and the evolution (the CRAs of each month)."""
    if perimetre.territorial:
        month = sql.month_of(cra_stat_jour.c.jour).label("mois")
        columns = [func.sum(cra_stat_jour.c[name]) for name in COMPTEURS]
        conditions = _cumul_conditions(cra_stat_jour, perimetre, periode)
    else:
        month = sql.month_of(Cra.date).label("mois")
        columns = [func.sum(expression) for expression in contributions().values()]
        conditions = cra_conditions(perimetre, periode)
    # Grouped by the label: PostgreSQL sees two copies of an expression holding a bound
    # parameter as different expressions.
    rows = db.session.execute(select(month, *columns).where(*conditions).group_by(month))
    return {mois: dict(zip(COMPTEURS, map(int, values), strict=True)) for mois, *values in rows}


def _total(by_month: dict[str, dict[str, int]]) -> dict[str, int]:
    return {name: sum(month[name] for month in by_month.values()) for name in COMPTEURS}


def organismes(perimetre: Perimetre, periode: Periode) -> list[tuple[str, int]]:
    """(organisme, people redirected there) over the scope and period, most first."""
    if perimetre.territorial:
        table = cra_stat_organisme
        nom, nombre = table.c.nom.label("nom"), func.sum(table.c.nombre).label("nombre")
        query = select(nom, nombre).where(*_cumul_conditions(table, perimetre, periode))
    else:
        each, nom, count = organismes_of_cras()
        nom, nombre = nom.label("nom"), func.sum(count).label("nombre")
        query = (
            select(nom, nombre)
            .select_from(Cra)
            .join(each, true())
            .where(*cra_conditions(perimetre, periode))
        )
    rows = db.session.execute(query.group_by(nom).order_by(nombre.desc(), nom))
    return [(name, int(count)) for name, count in rows]


# The indicators, shaped from the sums --------------------------------------------------------


def _general(s: dict) -> dict:
    suivi = s["suivi_individuel"] + s["suivi_atelier"] + s["suivi_redirection"]
    return {
        "cra_enregistres": s["cras"],
        "accompagnements": s["accompagnements"],
        "personnes_accompagnees": s["accompagnements"] - s["recurrents"],
        "ateliers": s["ateliers"],
        "participants_ateliers": s["participants_ateliers"],
        "individuels": s["individuels"],
        "ponctuels": s["ponctuels"],
        "suivi_individuel": s["suivi_individuel"],
        "suivi_atelier": s["suivi_atelier"],
        "suivi_redirection": s["suivi_redirection"],
        "suivi_total": suivi,
        "suivi_pourcentage": pourcentage(suivi, s["accompagnements"]),
    }


def _lines(labels: dict, counts: dict, total: int) -> list[dict]:
    return [
        {
            "cle": key,
            "libelle": label,
            "nombre": counts[key],
            "pourcentage": pourcentage(counts[key], total),
        }
        for key, label in labels.items()
    ]


def _themes(s: dict) -> list[dict]:
    counts = {key: s[f"theme_{slug(key)}"] for key in THEMES}
    # "% of all theme mentions": the mentions are the themes ticked. "Mon espace santé" is a
    # précision of Santé, whose CRAs are counted there already: not a mention of its own, so
    # it stays out of the total (its share is still taken on that same total).
    total = sum(counts.values())
    lines = _lines({key: labels[1] for key, labels in THEMES.items()}, counts, total)
    lines.append(
        {
            "cle": "espace-sante",
            "libelle": "Mon espace santé",
            "nombre": s["espace_sante"],
            "pourcentage": pourcentage(s["espace_sante"], total),
        }
    )
    return lines


def _canaux(s: dict) -> list[dict]:
    return _lines(CANAUX, {key: s[f"canal_{slug(key)}"] for key in CANAUX}, s["cras"])


def _durees(s: dict) -> list[dict]:
    return _lines(DUREES_STATS, {key: s[f"duree_{slug(key)}"] for key in DUREES_STATS}, s["cras"])


def _temps(s: dict) -> list[dict]:
    return [
        {
            "cle": key,
            "libelle": label,
            "minutes": s[f"minutes_{slug(key)}"],
            "heures": heures(s[f"minutes_{slug(key)}"]),
        }
        for key, label in ACTIVITES.items()
    ]


def _ages(s: dict) -> list[dict]:
    return _lines(AGES, {key: s[f"age_{key}"] for key in AGES}, s["accompagnements"])


def _statuts(s: dict) -> list[dict]:
    return _lines(STATUTS, {key: s[f"statut_{key}"] for key in STATUTS}, s["accompagnements"])


def _reorientations(rows: list[tuple[str, int]]) -> list[dict]:
    # The share is of all redirections named by organisme (the schema keeps their sum equal
    # to suivi.redirection), so the lines add up to 100 %. "agree": one of the list; the
    # chart groups the others (typed in "Autre") as "Autres".
    total = sum(count for _, count in rows)
    return [
        {
            "cle": name,
            "libelle": name,
            "nombre": count,
            "pourcentage": pourcentage(count, total),
            "agree": name in ORGANISMES,
        }
        for name, count in rows
    ]


AUTRES = "Autres"


def reorientations_publiques(lines: list[dict]) -> list[dict]:
    """The réorientations for those who may not see the CRAs (the public national page, a
    structure looking at a territory): organismes typed outside the official list are counted
    under « Autres », never named; the shares are of the same total."""
    total = sum(line["nombre"] for line in lines)
    autres = sum(line["nombre"] for line in lines if not line["agree"])
    published = [line for line in lines if line["agree"]]
    if autres:
        published.append(
            {
                "cle": AUTRES.lower(),
                "libelle": AUTRES,
                "nombre": autres,
                "pourcentage": pourcentage(autres, total),
                "agree": False,
            }
        )
    return published


def mois_de(periode: Periode) -> list[tuple[int, int]]:
    """(year, month) of every month the period touches."""
    year, month, months = periode.du.year, periode.du.month, []
    while (year, month) <= (periode.au.year, periode.au.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _evolution(counts: dict, periode: Periode) -> list[dict]:
    # Every month of the chosen period, the last day included, empty ones with 0.
    return [
        {
            "cle": f"{year:04d}-{number:02d}",
            "libelle": f"{MOIS[number - 1]} {year}",
            "nombre": counts.get(f"{year:04d}-{number:02d}", 0),
        }
        for year, number in mois_de(periode)
    ]


FROM_SUMS = {
    "general": _general,
    "themes": _themes,
    "canaux": _canaux,
    "durees": _durees,
    "temps": _temps,
    "ages": _ages,
    "statuts": _statuts,
}
INDICATEURS = (*FROM_SUMS, "reorientations", "evolution")


def indicateurs(perimetre: Perimetre, periode: Periode, noms=INDICATEURS) -> dict:
    """The indicators of statistiques.md (all, or those named) over a scope and a period."""
    values = {}
    if any(nom in FROM_SUMS or nom == "evolution" for nom in noms):
        by_month = sums_by_month(perimetre, periode)
        sums = _total(by_month)
        values.update({nom: FROM_SUMS[nom](sums) for nom in noms if nom in FROM_SUMS})
        months = {mois: counters["cras"] for mois, counters in by_month.items()}
        values["evolution"] = _evolution(months, periode)
    if "reorientations" in noms:
        values["reorientations"] = _reorientations(organismes(perimetre, periode))
    return {nom: values[nom] for nom in noms}


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
    shown["suivi_pourcentage"] = francais.pourcent(general_block["suivi_pourcentage"])
    return [
        {"cle": key, "libelle": label, "valeur": shown[key]}
        for key, label in LIBELLES_GENERAL.items()
    ]


# Counts per conseiller and per territory --------------------------------------------------------


def cras_par_conseiller(perimetre: Perimetre, periode: Periode) -> dict[int, int]:
    """ "CRA saisis" in the period, per conseiller of the scope."""
    query = (
        select(Cra.conseiller_id, func.count())
        .where(*cra_conditions(perimetre, periode))
        .group_by(Cra.conseiller_id)
    )
    return {conseiller_id: int(count) for conseiller_id, count in db.session.execute(query)}


def par_arrondissement(perimetre: Perimetre, periode: Periode) -> list[dict]:
    """When the commune filter names a commune with arrondissements municipaux (Paris, Lyon,
    Marseille): its CRAs per arrondissement, every one listed, then those filed under the
    commune's own code (« sans arrondissement », only when there are some); otherwise []."""
    if perimetre.code_commune is None:
        return []
    commune = perimetre.code_commune.upper()
    parts = territoires.arrondissements(commune)
    if not parts:
        return []
    names = ("cras", "accompagnements", "recurrents")
    counted = {
        code: dict(zip(names, map(int, values), strict=True))
        for code, *values in db.session.execute(
            select(Cra.code_commune, *(func.sum(contributions()[name]) for name in names))
            .where(*cra_conditions(perimetre, periode))
            .group_by(Cra.code_commune)
        )
    }
    zero = dict.fromkeys(names, 0)
    rows = [(code, nom, counted.get(code, zero)) for code, nom in parts]
    if commune in counted:
        rows.append((commune, "Sans arrondissement", counted[commune]))
    return [
        {
            "code": code,
            "nom": nom,
            "cras": sums["cras"],
            "accompagnements": sums["accompagnements"],
            "personnes_accompagnees": sums["accompagnements"] - sums["recurrents"],
        }
        for code, nom, sums in rows
    ]


def par_territoire(maille: str, periode: Periode) -> list[dict]:
    """The territorial table (statistiques.md): per département or région, the CRA figures of
    the period and the posts of its structures. Région rows are sums of their départements."""
    connection = db.session.connection()
    frame = pd.read_sql(
        select(
            Departement.code,
            Departement.nom,
            Departement.region_code,
            Region.nom.label("region_nom"),
        ).join(Region),
        connection,
    )
    code = cra_stat_jour.c.departement_code.label("code")
    counted = pd.read_sql(
        select(
            code,
            *(
                func.sum(cra_stat_jour.c[name]).label(name)
                for name in ("cras", "accompagnements", "recurrents")
            ),
        )
        .where(*_cumul_conditions(cra_stat_jour, NATIONAL, periode))
        .group_by(code),
        connection,
    )
    posts = pd.read_sql(
        select(
            Structure.departement_code.label("code"), func.sum(Structure.dotation).label("dotation")
        ).group_by(Structure.departement_code),
        connection,
    )
    # CnFS activés: conseillers of the territory's structures whose account is activated.
    actives = pd.read_sql(
        select(Structure.departement_code.label("code"), func.count().label("actives"))
        .select_from(Conseiller)
        .join(Structure, Conseiller.structure_id == Structure.id)
        .join(User, User.conseiller_id == Conseiller.id)
        .where(User.activated_at.is_not(None))
        .group_by(Structure.departement_code),
        connection,
    )
    for other in (counted, posts, actives):
        frame = frame.merge(other, on="code", how="left")
    numbers = ["cras", "accompagnements", "recurrents", "dotation", "actives"]
    frame[numbers] = frame[numbers].fillna(0).astype("int64")
    if maille == "region":
        frame = (
            frame.groupby(["region_code", "region_nom"], as_index=False)[numbers]
            .sum()
            .rename(columns={"region_code": "code", "region_nom": "nom"})
        )
    frame["personnes_accompagnees"] = frame["accompagnements"] - frame["recurrents"]
    # "En attente d'activation" counts the posts not filled yet too: dotation − activés.
    frame["en_attente"] = frame["dotation"] - frame["actives"]
    frame["taux_activation"] = [
        taux_activation(int(a), int(d))
        for a, d in zip(frame["actives"], frame["dotation"], strict=True)
    ]
    columns = [
        "code",
        "nom",
        "cras",
        "personnes_accompagnees",
        "accompagnements",
        "dotation",
        "actives",
        "en_attente",
        "taux_activation",
    ]
    return frame.sort_values("code")[columns].to_dict("records")


def taux_activation(actives: int, dotation: int) -> int:
    """round(activés × 100 / dotation), half up; 0 when the dotation is 0."""
    if not dotation:
        return 0
    return int(
        (Decimal(actives) * 100 / Decimal(dotation)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    )
