"""Daily totals of the CRAs per département: what territorial statistics read instead of CRAs.

Derived data only: every value is a sum over the CRAs of one day whose structure is located in
one département (`departement_code` '' for CRAs without a structure). The sync store keeps them
in step in the same transaction as the CRAs (server/services/cumuls.py), and
`flask statistiques recalculer` re-derives them from the CRAs.
"""

import re

from sqlalchemy import Column, Date, Index, Integer, String, Table

from server.extensions import db
from server.models.cra import ACTIVITES, AGES, CANAUX, STATUTS, THEMES

# Buckets of the "Durée des accompagnements" indicator (statistiques.md), key → label.
DUREES_STATS = {
    "0-30": "0 à 30 min",
    "30-60": "30 min à 1h",
    "60-120": "1h à 2h",
    "120+": "2h ou plus",
}


def slug(key: str) -> str:
    """A column-name form of a referential key: 'tpe/pme' → 'tpe_pme', '120+' → '120_plus'."""
    return re.sub(r"[^a-z0-9]+", "_", key.replace("+", "_plus").lower()).strip("_")


# Every counter, in a fixed order; each is a sum over CRAs (statistiques.py says of what).
GENERAL = (
    "cras",
    "accompagnements",
    "recurrents",
    "ateliers",
    "participants_ateliers",
    "individuels",
    "ponctuels",
    "suivi_individuel",
    "suivi_atelier",
    "suivi_redirection",
)
COMPTEURS = (
    *GENERAL,
    *(f"theme_{slug(key)}" for key in THEMES),
    "espace_sante",
    *(f"canal_{slug(key)}" for key in CANAUX),
    *(f"duree_{slug(key)}" for key in DUREES_STATS),
    *(f"minutes_{slug(key)}" for key in ACTIVITES),
    *(f"age_{key}" for key in AGES),
    *(f"statut_{key}" for key in STATUTS),
)

cra_stat_jour = Table(
    "cra_stat_jour",
    db.metadata,
    Column("jour", Date, primary_key=True),
    Column("departement_code", String(3), primary_key=True),
    Column("region_code", String(3), nullable=False),
    *(Column(name, Integer, nullable=False) for name in COMPTEURS),
)

# People redirected per organisme (named or typed in "Autre"), same grain.
cra_stat_organisme = Table(
    "cra_stat_organisme",
    db.metadata,
    Column("jour", Date, primary_key=True),
    Column("departement_code", String(3), primary_key=True),
    Column("nom", String(100), primary_key=True),
    Column("region_code", String(3), nullable=False),
    Column("nombre", Integer, nullable=False),
    # Some twenty rows per day and département: a year of the nation is hundreds of thousands
    # of them. With every column the statistics read in the index, PostgreSQL answers a
    # period, a département or a région from the index alone (docs/BENCHMARKS.md, issue 5).
    Index(
        "ix_cra_stat_organisme_jour_departement",
        "jour",
        "departement_code",
        postgresql_include=["region_code", "nom", "nombre"],
    ),
)
