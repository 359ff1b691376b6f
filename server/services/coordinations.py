"""The coordinators' CRAs: a coordinator's own list, and the national counts for the agency.

They are written only through the sync protocol (objet "cra_coordination", server/services/
cras.py); here they are read. The national counts are computed with pandas over the period's
reports, which are few (one per coordinator and period, about a hundred coordinators).
"""

import uuid
from collections.abc import Iterator
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from sqlalchemy import func, select

from server.extensions import db
from server.models import Conseiller, CraCoordination, Structure, User
from server.models.coordination import (
    ACTIONS,
    NATURES_PARTENARIAT,
    ORGANISATEURS,
    PROBLEMATIQUES,
    TYPES_ACCOMPAGNEMENT,
    TYPES_EVENEMENT,
    TYPES_STRUCTURE,
)
from server.services import exports, perimetres, scopes, tableur
from server.services.cras import conseiller_of
from server.services.francais import PARIS, jj_mm_aaaa
from server.services.statistiques import Periode

PAGE = 30


def liste(user: User, page: int) -> dict:
    """The coordinator's own reports, newest first, 30 per page, with the total."""
    conseiller = conseiller_of(user)
    query = select(CraCoordination).where(scopes.own_records(CraCoordination, conseiller.id))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(CraCoordination.date.desc(), CraCoordination.received_at.desc())
        .offset((page - 1) * PAGE)
        .limit(PAGE)
    )
    return {"total": total, "page": page, "per_page": PAGE, "items": list(rows)}


def un(user: User, cra_id: uuid.UUID) -> CraCoordination:
    """One of the coordinator's own reports, else 404."""
    return scopes.own_record(
        CraCoordination, conseiller_of(user).id, cra_id, "Compte rendu introuvable."
    )


def _rapports(periode: Periode) -> pd.DataFrame:
    query = (
        select(
            CraCoordination.id,
            CraCoordination.date,
            CraCoordination.evenements,
            CraCoordination.partenariats,
            CraCoordination.accompagnements,
            CraCoordination.communication_heures,
            CraCoordination.conseiller_id,
            Conseiller.prenom,
            Conseiller.nom,
            Structure.nom.label("structure"),
        )
        .join(Conseiller, CraCoordination.conseiller_id == Conseiller.id)
        .outerjoin(Structure, CraCoordination.structure_id == Structure.id)
        .where(
            CraCoordination.deleted_at.is_(None),
            CraCoordination.date >= periode.du,
            CraCoordination.date <= periode.au,
        )
        .order_by(CraCoordination.date, CraCoordination.received_at)
    )
    return pd.read_sql(query, db.session.connection())


def _par(frame: pd.DataFrame, section: str, field: str, labels: dict) -> list[dict]:
    """Count the items of a section per value of a field (a list field counts each value)."""
    items = frame[section].explode().dropna()
    values = items.map(lambda item: item[field]).explode()
    counts = values.value_counts()
    return [
        {"cle": key, "libelle": label, "nombre": int(counts.get(key, 0))}
        for key, label in labels.items()
    ]


def _moyenne(values: pd.Series) -> float:
    if values.empty:
        return 0.0
    mean = Decimal(str(values.sum())) / len(values)
    return float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def comptes_nationaux(periode: Periode) -> dict:
    """The agency's counts over the reports dated in the period: events by type,
    partnerships by nature, structures and mediators accompanied, average hours a week spent
    on communication (the mean of the reports' answers)."""
    frame = _rapports(periode)
    accompagnements = _par(frame, "accompagnements", "type", TYPES_ACCOMPAGNEMENT)
    return {
        "du": periode.du,
        "au": periode.au,
        "cras": len(frame),
        "coordinateurs": int(frame["conseiller_id"].nunique()),
        "evenements": int(frame["evenements"].map(len).sum()),
        "evenements_par_type": _par(frame, "evenements", "type", TYPES_EVENEMENT),
        "partenariats": int(frame["partenariats"].map(len).sum()),
        "partenariats_par_nature": _par(frame, "partenariats", "natures", NATURES_PARTENARIAT),
        "structures_accompagnees": next(
            a["nombre"] for a in accompagnements if a["cle"] == "structure"
        ),
        "mediateurs_accompagnes": next(
            a["nombre"] for a in accompagnements if a["cle"] == "mediateur"
        ),
        "communication_heures_moyenne": _moyenne(frame["communication_heures"]),
    }


def _lignes(counts: dict) -> list[tuple[str, object]]:
    lines = [
        ("CRA de coordination", counts["cras"]),
        ("Coordinateurs ayant saisi un CRA", counts["coordinateurs"]),
        ("Événements", counts["evenements"]),
    ]
    lines += [
        (f"Événements : {line['libelle']}", line["nombre"])
        for line in counts["evenements_par_type"]
    ]
    lines.append(("Partenariats", counts["partenariats"]))
    lines += [
        (f"Partenariats : {line['libelle']}", line["nombre"])
        for line in counts["partenariats_par_nature"]
    ]
    lines += [
        ("Structures accompagnées", counts["structures_accompagnees"]),
        ("Médiateurs numériques accompagnés", counts["mediateurs_accompagnes"]),
        (
            "Temps moyen dédié à la communication (heures par semaine)",
            counts["communication_heures_moyenne"],
        ),
    ]
    return lines


def titre(periode: Periode) -> str:
    return f"CRA des coordinateurs {jj_mm_aaaa(periode.du)} - {jj_mm_aaaa(periode.au)}"


def nom_fichier(periode: Periode, extension: str) -> str:
    return (
        f"CRA_coordinateurs_{jj_mm_aaaa(periode.du, '-')}_{jj_mm_aaaa(periode.au, '-')}.{extension}"
    )


def export_csv(periode: Periode) -> bytes:
    """The national counts: `;`, UTF-8 with BOM, `label;value` per line."""
    counts = comptes_nationaux(periode)
    return tableur.csv_octets([[titre(periode)], [], *map(list, _lignes(counts))])


def _joined(keys, labels: dict) -> str:
    return ", ".join(labels.get(key, key) for key in keys)


def _rows(frame: pd.DataFrame) -> Iterator[list]:
    """One row per report, its sections in words."""
    for row in frame.itertuples(index=False):
        evenements = " | ".join(
            f"{e['nom']} ({TYPES_EVENEMENT[e['type']]}, "
            f"{jj_mm_aaaa(date.fromisoformat(e['date']))}, "
            f"{_joined(e['organisateurs'], ORGANISATEURS)})"
            for e in row.evenements
        )
        partenariats = " | ".join(
            f"{p['nom']} ({TYPES_STRUCTURE[p['type_structure']]} : "
            f"{_joined(p['natures'], NATURES_PARTENARIAT)})"
            for p in row.partenariats
        )
        accompagnements = " | ".join(
            f"{TYPES_ACCOMPAGNEMENT[a['type']]} : "
            f"{(a['nom_mediateur'] + ', ') if a.get('nom_mediateur') else ''}{a['nom_structure']}"
            f" ({TYPES_STRUCTURE[a['type_structure']]}) ; problématiques : "
            f"{_joined(a['problematiques'], PROBLEMATIQUES)} ; actions : "
            f"{_joined(a['actions'], ACTIONS)}"
            for a in row.accompagnements
        )
        yield [
            str(row.id),
            row.date,
            f"{row.prenom} {row.nom}",
            row.structure,
            evenements,
            partenariats,
            accompagnements,
            row.communication_heures,
        ]


ROW_HEADER = [
    "Identifiant",
    "Date",
    "Coordinateur",
    "Structure",
    "Événements",
    "Partenariats",
    "Accompagnements",
    "Communication (heures par semaine)",
]


def export_xlsx(periode: Periode) -> bytes:
    """A workbook: what it holds, the national counts, then one row per report."""
    frame = _rapports(periode)
    workbook = tableur.Classeur(
        titre(periode),
        [
            ("Périmètre", "CRA des coordinateurs, national"),
            ("Période du", periode.du),
            ("Période au", periode.au),
            ("Exporté le", datetime.now(PARIS)),
            ("Contenu", "Comptes nationaux ; CRA (une ligne par CRA de coordination)"),
        ],
    )
    summary = workbook.feuille("Comptes nationaux", ["Indicateur", "Valeur"])
    for label, value in _lignes(comptes_nationaux(periode)):
        summary.ajouter([label, value])
    workbook.tableau("CRA", ROW_HEADER, _rows(frame))
    return workbook.octets()


def national(args: dict) -> dict:
    """The national counts over the period asked (default: the programme's start → today)."""
    return comptes_nationaux(perimetres.periode(args.get("du"), args.get("au")))


def export(args: dict, extension: str) -> dict:
    """The national counts as CSV, or a workbook with one row per report too."""
    periode = perimetres.periode(args.get("du"), args.get("au"))
    body = export_csv(periode) if extension == "csv" else export_xlsx(periode)
    return {
        "filename": nom_fichier(periode, extension),
        "body": body,
        "mimetype": "text/csv" if extension == "csv" else exports.FORMATS["xlsx"],
    }
