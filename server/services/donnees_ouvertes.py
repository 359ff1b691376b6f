"""The open dataset of the activity: counts of CRAs per month, département, activité, canal,
thème and durée, with small counts kept secret, as CSV and its Table Schema (schema.json).

- Month: the CRA's date, from the programme's start to the last complete month (the current
  month is published once it is over).
- Département: where the accompaniment took place, the département of the CRA's commune (an
  arrondissement or commune déléguée: its commune's). The statistics pages count a CRA in the
  département of its structure instead; the two differ for the few CRAs filed across a border.
- Thème: a CRA counts once under each thème it names, so a month's rows add up to more than
  its CRAs; the counts of one thème are exact.
- Durée: the buckets of the « Durée des accompagnements » indicator (statistiques.py).
- Freshness: the file served is at most FRAICHEUR old (a CRA filed late for a past month
  shows within the hour).
- Secret: a cell of fewer than SEUIL CRAs is never published. The cells of a month and
  département under SEUIL are added up into one row whose activité, canal, thème and durée
  are « secret »; that row too is published only when SEUIL CRAs at least are behind it (a
  CRA of several thèmes counted once), and dropped otherwise. No published count can thus be
  traced back to fewer than SEUIL CRAs.
"""

import hashlib
import itertools
import time
from collections.abc import Iterator
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import case, func, select

from server.extensions import db
from server.models import Commune, Cra, Departement
from server.models.cra import ACTIVITES, CANAUX, THEMES
from server.models.statistique import DUREES_STATS
from server.services import perimetres, sql, statistiques, tableur

SEUIL = 5
FRAICHEUR = timedelta(hours=1)  # how old the file served may be
CODE_DEPARTEMENT = "^(0[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[1-6])$"
SECRET = "secret"
NOM_FICHIER = "activite-mensuelle-conseillers-numeriques.csv"
CHAMPS = (
    "mois",
    "departement_code",
    "departement_nom",
    "activite",
    "canal",
    "theme",
    "duree",
    "nombre_cra",
    "nombre_accompagnements",
)


def dernier_jour_publie(today: date | None = None) -> date:
    """The last day of the last complete month."""
    today = today or perimetres.today_paris()
    return today.replace(day=1) - timedelta(days=1)


def _sums(au: date):
    """Per (month, département, activité, canal, durée): for each thème, its CRAs and their
    accompagnements; ordered by month and département."""
    mois = sql.month_of(Cra.date).label("mois")
    duree = statistiques.duree_stats().label("duree")
    departement = Commune.departement_code.label("departement_code")
    per_theme = []
    for key in THEMES:
        named = statistiques.has_theme(key)
        per_theme += [
            func.sum(case((named, 1), else_=0)),
            func.sum(case((named, Cra.nb_participants), else_=0)),
        ]
    query = (
        select(mois, departement, Cra.activite, Cra.canal, duree, *per_theme)
        .join(Commune, Commune.code == Cra.code_commune)
        .where(
            Cra.deleted_at.is_(None),
            Cra.date >= statistiques.PROGRAMME_START,
            Cra.date <= au,
        )
        .group_by(mois, departement, Cra.activite, Cra.canal, duree)
        .order_by(mois, departement)
    )
    return db.session.execute(query.execution_options(yield_per=2_000))


def lignes(today: date | None = None) -> Iterator[list]:
    """The dataset's rows (CHAMPS order), secret applied; memory flat in the months."""
    noms = dict(db.session.execute(select(Departement.code, Departement.nom)).all())
    rows = _sums(dernier_jour_publie(today))
    for (mois, departement), group in itertools.groupby(rows, key=lambda row: row[:2]):
        cells = []
        # The CRAs behind the secret row, at least: a CRA of several thèmes is in several of
        # its cells, but those of one (activité, canal, durée) are not in another's.
        secret_cras = 0
        for _, _, activite, canal, duree, *counts in group:
            secret_here = 0
            for index, theme in enumerate(THEMES):
                cras, accompagnements = int(counts[2 * index]), int(counts[2 * index + 1])
                if cras:
                    cells.append((activite, canal, theme, duree, cras, accompagnements))
                if cras < SEUIL:
                    secret_here = max(secret_here, cras)
            secret_cras += secret_here
        where = [mois, departement, noms.get(departement, "")]
        secret = [0, 0]
        for cell in sorted(cells):
            if cell[4] >= SEUIL:
                yield [*where, *cell]
            else:
                secret[0] += cell[4]
                secret[1] += cell[5]
        if secret_cras >= SEUIL:
            yield [*where, *[SECRET] * 4, *secret]


def fichier_csv(today: date | None = None) -> dict:
    """The dataset as a CSV download ({filename, mimetype, body, etag}), the app's CSV
    conventions (services/tableur.py: `;`, UTF-8 with BOM, no cell read as a formula).

    Anyone may ask for it, and it reads every CRA (4 s for 300,000 on PostgreSQL): it is made
    once per FRAICHEUR and per process, then served from memory, revalidated by its ETag."""
    au = dernier_jour_publie(today)
    cache = current_app.extensions.setdefault("donnees_ouvertes", {})
    cle = (au, int(time.time() // FRAICHEUR.total_seconds()))
    if cle not in cache:
        body = tableur.csv_octets(itertools.chain([list(CHAMPS)], lignes(today)))
        cache.clear()  # one file: the latest
        cache[cle] = (body, hashlib.sha256(body).hexdigest())
    body, etag = cache[cle]
    return {"filename": NOM_FICHIER, "mimetype": "text/csv", "body": body, "etag": etag}


def _valeurs(libelles: dict) -> str:
    return " ; ".join(f"« {key} » : {label}" for key, label in libelles.items())


def schema(racine: str) -> dict:
    """The dataset's Table Schema (https://specs.frictionlessdata.io/table-schema/), with the
    metadata schema.data.gouv.fr asks for; `racine`: the site's address (https://…)."""
    secret = f"« {SECRET} » : cellules de moins de {SEUIL} CRA regroupées (secret statistique)"
    enumerations = {
        "activite": ACTIVITES,
        "canal": CANAUX,
        "theme": {key: labels[0] for key, labels in THEMES.items()},
        "duree": DUREES_STATS,
    }
    titres = {
        "activite": "Type d'activité",
        "canal": "Canal (lieu) de l'accompagnement",
        "theme": "Thème de l'accompagnement",
        "duree": "Durée de l'accompagnement",
    }
    fields = [
        {
            "name": "mois",
            "title": "Mois",
            "description": "Mois de l'accompagnement (date du compte rendu), AAAA-MM.",
            "type": "yearmonth",
            "example": "2026-11",
            "constraints": {"required": True},
        },
        {
            "name": "departement_code",
            "title": "Code du département",
            "description": "Code INSEE du département de la commune de l'accompagnement.",
            "type": "string",
            "example": "69",
            "constraints": {"required": True, "pattern": CODE_DEPARTEMENT},
        },
        {
            "name": "departement_nom",
            "title": "Nom du département",
            "description": "Nom officiel du département.",
            "type": "string",
            "example": "Rhône",
            "constraints": {"required": True},
        },
        *(
            {
                "name": name,
                "title": titres[name],
                "description": f"{_valeurs(values)} ; {secret}.",
                "type": "string",
                "example": next(iter(values)),
                "constraints": {"required": True, "enum": [*values, SECRET]},
            }
            for name, values in enumerations.items()
        ),
        {
            "name": "nombre_cra",
            "title": "Nombre de comptes rendus d'activité",
            "description": (
                f"CRA du mois, du département, de l'activité, du canal, du thème et de la durée "
                f"(au moins {SEUIL}). Un CRA compte une fois sous chacun de ses thèmes."
            ),
            "type": "integer",
            "example": 12,
            "constraints": {"required": True, "minimum": SEUIL},
        },
        {
            "name": "nombre_accompagnements",
            "title": "Nombre d'accompagnements",
            "description": "Personnes accompagnées par ces CRA (participants des ateliers "
            "compris, récurrents compris).",
            "type": "integer",
            "example": 15,
            "constraints": {"required": True, "minimum": SEUIL},
        },
    ]
    return {
        "$schema": "https://frictionlessdata.io/schemas/table-schema.json",
        "name": "activite-mensuelle-conseillers-numeriques",
        "title": "Activité mensuelle des conseillers numériques par département",
        "description": (
            "Nombre de comptes rendus d'activité (CRA) et d'accompagnements par mois, "
            "département, type d'activité, canal, thème et durée. Secret statistique : une "
            f"cellule de moins de {SEUIL} CRA n'est jamais publiée ; celles d'un même mois et "
            "d'un même département sont additionnées sur une ligne « secret », publiée "
            f"seulement si elle atteint {SEUIL} CRA. Le mois en cours n'est publié qu'une "
            "fois terminé."
        ),
        "countryCode": "FR",
        "version": "1.0.0",
        "created": "2026-12-07",
        "lastModified": "2026-12-07",
        "homepage": f"{racine}/statistiques",
        "path": f"{racine}/api/donnees-ouvertes/schema.json",
        "licenses": [
            {
                "title": "Licence Ouverte / Open Licence version 2.0",
                "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
            }
        ],
        "resources": [
            {
                "title": "Fichier CSV (séparateur « ; », UTF-8)",
                "path": f"{racine}/api/donnees-ouvertes/{NOM_FICHIER}",
            }
        ],
        "fields": fields,
        "primaryKey": ["mois", "departement_code", "activite", "canal", "theme", "duree"],
        "missingValues": [""],
    }
