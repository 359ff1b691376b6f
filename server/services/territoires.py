"""Territories: import from @etalab/decoupage-administratif and the queries the CRA form needs."""

import json
import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import case, delete, func, insert, or_, select, update

from server.extensions import db
from server.models import Commune, CommuneCodePostal, Departement, Region
from server.models.territory import ARRONDISSEMENT, ASSOCIEE, COMMUNE_ACTUELLE, DELEGUEE

# The 101 départements and 18 régions: metropolitan France and the five DROM. The package
# also lists collectivités d'outre-mer (Saint-Martin, Polynésie...), outside the programme.
ZONES = ("metro", "drom")
SEARCH_LIMIT = 20
_ABBREVIATIONS = {"saint": "st", "sainte": "ste"}
# Overseas départements live in their own time zones; everything else is on Paris time.
TIME_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "976": "Indian/Mayotte",
}
DEFAULT_TIME_ZONE = "Europe/Paris"


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", text)


def normalize(text: str) -> str:
    """Lower case, no accents, words split on punctuation, 'saint' written 'st'."""
    return " ".join(_ABBREVIATIONS.get(word, word) for word in _words(text))


def search_prefixes(text: str) -> list[str]:
    """The name prefixes a typed text stands for (pwa/js/communes-index.js does the same).

    "saint" is a whole word ("st ", not Strasbourg); a started "sain" also means "st ", "ste ".
    """
    words = _words(text)
    if not words:
        return []
    head = " ".join(_ABBREVIATIONS.get(word, word) for word in words[:-1])
    last = words[-1]

    def joined(tail: str) -> str:
        return f"{head} {tail}".strip()

    if last in _ABBREVIATIONS:
        return [joined(_ABBREVIATIONS[last]) + " "]
    prefixes = [joined(last)]
    if len(last) >= 3:
        prefixes += [
            joined(short) + " " for word, short in _ABBREVIATIONS.items() if word.startswith(last)
        ]
    return prefixes


def import_territoires(source: str | Path) -> dict[str, int]:
    """Load the package's territories, completing a loaded database in place (rows are
    inserted or updated by code, never deleted: CRAs and lieux keep their commune); return
    the counts loaded.

    Communes: the communes actuelles, then every other code a conseiller may pick (the
    arrondissements municipaux of Paris, Lyon and Marseille, the communes déléguées and
    associées) attached to its commune actuelle. The package lists again as déléguée a
    commune nouvelle's chef-lieu under the commune's own code: that code is the commune's.
    """
    source = Path(source)
    regions = [r for r in _read(source, "regions.json") if r["zone"] in ZONES]
    departements = [d for d in _read(source, "departements.json") if d["zone"] in ZONES]
    codes_departement = {d["code"] for d in departements}
    listed = [c for c in _read(source, "communes.json") if c["departement"] in codes_departement]
    communes = [c for c in listed if c["type"] == COMMUNE_ACTUELLE]
    actuelles = {c["code"] for c in communes}
    parties = [
        c
        for c in listed
        if c["type"] != COMMUNE_ACTUELLE
        and c["code"] not in actuelles
        and _rattachement(c) in actuelles
    ]
    _upsert(Region, [{"code": r["code"], "nom": r["nom"]} for r in regions])
    _upsert(
        Departement,
        [{"code": d["code"], "nom": d["nom"], "region_code": d["region"]} for d in departements],
    )
    for rows in (communes, parties):  # a commune before the codes attached to it
        _upsert(
            Commune,
            [
                {
                    "code": c["code"],
                    "nom": c["nom"],
                    "type": c["type"],
                    "rattachement_code": _rattachement(c),
                    "nom_recherche": normalize(c["nom"]),
                    "departement_code": c["departement"],
                    "region_code": c["region"],
                    "population": c.get("population") or 0,
                }
                for c in rows
            ],
        )
    links = [
        {"code_postal": cp, "commune_code": c["code"]}
        for c in communes + parties
        for cp in sorted(set(c.get("codesPostaux", [])))
    ]
    db.session.execute(delete(CommuneCodePostal))
    db.session.execute(insert(CommuneCodePostal), links)
    db.session.commit()
    _communes.clear()
    return {
        "regions": len(regions),
        "departements": len(departements),
        "communes": len(communes),
        "arrondissements_et_communes_deleguees": len(parties),
        "codes_postaux": len(links),
    }


def _rattachement(entry: dict) -> str | None:
    """The commune actuelle an entry of communes.json is part of (None: it is one)."""
    if entry["type"] == COMMUNE_ACTUELLE:
        return None
    return entry["commune"] if entry["type"] == ARRONDISSEMENT else entry.get("chefLieu")


def _upsert(model, rows: list[dict]) -> None:
    """Insert the rows whose code is new, update the others."""
    loaded = set(db.session.scalars(select(model.code)))
    new = [row for row in rows if row["code"] not in loaded]
    known = [row for row in rows if row["code"] in loaded]
    if new:
        db.session.execute(insert(model), new)
    if known:
        db.session.execute(update(model), known)


def _read(source: Path, name: str) -> list[dict]:
    with open(source / name, encoding="utf-8") as handle:
        return json.load(handle)


def is_loaded() -> bool:
    """True once the territories were imported, arrondissements municipaux included (a
    database loaded before they were is completed by the next `--if-empty` import)."""
    return bool(
        db.session.scalar(select(func.count()).select_from(Departement))
        and db.session.scalar(
            select(func.count()).select_from(Commune).where(Commune.type == ARRONDISSEMENT)
        )
    )


def commune(code: str) -> Commune | None:
    """The commune with this INSEE code."""
    return db.session.get(Commune, code.upper())


def communes_of_code_postal(code_postal: str) -> list[Commune]:
    """Every commune served by a postal code, by name."""
    query = (
        select(Commune)
        .join(CommuneCodePostal)
        .where(CommuneCodePostal.code_postal == code_postal)
        .order_by(Commune.nom)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class CommuneConnue:
    """What a CRA's place is checked against."""

    code: str
    nom: str
    codes_postaux: frozenset[str]


KEPT_SECONDS = 600
_communes: dict[str, tuple[float, CommuneConnue]] = {}


def commune_connue(code: str) -> CommuneConnue | None:
    """The commune with this INSEE code and its postal codes, kept by the process for
    KEPT_SECONDS: every CRA names one, and the territories only change through
    `flask territoires import` (which forgets them at once in its own process; the others
    see it within that time). Unknown codes are asked again each time, never kept."""
    code = code.upper()
    now = time.monotonic()
    kept = _communes.get(code)
    if kept is not None and kept[0] > now:
        return kept[1]
    found = commune(code)
    if found is None:
        return None
    connue = CommuneConnue(found.code, found.nom, frozenset(codes_postaux(found)))
    _communes[code] = now + KEPT_SECONDS, connue
    return connue


def repertoire() -> tuple[dict[str, CommuneConnue], dict[str, list[CommuneConnue]]]:
    """Every code a CRA may name, with its postal codes (as commune_connue gives them), and
    for each postal code the communes it serves (as communes_of_code_postal): two queries,
    for work over millions of CRAs (the archive import) that would ask them one by one."""
    postaux: dict[str, set[str]] = {}
    for code, code_postal in db.session.execute(
        select(CommuneCodePostal.commune_code, CommuneCodePostal.code_postal)
    ):
        postaux.setdefault(code, set()).add(code_postal)
    owner = _postal_owner()
    communes = {
        code: CommuneConnue(code, nom, frozenset(postaux.get(proprietaire, ())))
        for code, nom, proprietaire in db.session.execute(select(Commune.code, Commune.nom, owner))
    }
    servies: dict[str, list[CommuneConnue]] = {}
    for code in sorted(postaux, key=lambda code: communes[code].nom):
        for code_postal in postaux[code]:
            servies.setdefault(code_postal, []).append(communes[code])
    return communes, servies


def _postal_owner():
    """SQL: the code whose postal codes serve a commune: its own, or for a commune déléguée /
    associée (the package gives them none), its commune's."""
    return case(
        (Commune.type.in_((DELEGUEE, ASSOCIEE)), Commune.rattachement_code), else_=Commune.code
    )


def codes_postaux(found: Commune) -> list[str]:
    """The postal codes a commune is picked with (see _postal_owner)."""
    if found.type in (DELEGUEE, ASSOCIEE) and found.rattachement_code:
        found = commune(found.rattachement_code) or found
    return [link.code_postal for link in found.codes_postaux]


def commune_has_code_postal(code_commune: str, code_postal: str) -> bool:
    """True when the postal code really serves that commune."""
    found = commune(code_commune)
    return found is not None and code_postal in codes_postaux(found)


def codes_comptes(code_commune: str):
    """SQL: the codes counted into a commune's statistics, the commune's and those of its
    arrondissements and communes déléguées / associées."""
    code = code_commune.upper()
    return select(Commune.code).where(or_(Commune.code == code, Commune.rattachement_code == code))


def arrondissements(code_commune: str) -> list[tuple[str, str]]:
    """(code, nom) of a commune's arrondissements municipaux (Paris, Lyon, Marseille), by
    code; [] for any other commune."""
    query = (
        select(Commune.code, Commune.nom)
        .where(Commune.rattachement_code == code_commune.upper(), Commune.type == ARRONDISSEMENT)
        .order_by(Commune.code)
    )
    return [(code, nom) for code, nom in db.session.execute(query)]


def search_communes(text: str, limit: int = SEARCH_LIMIT) -> list[tuple[Commune, str]]:
    """Communes whose name or postal code starts with the text, biggest first.

    Returns (commune, code_postal) pairs: one line per postal code, as users pick one. A
    commune déléguée / associée is found by its name, with its commune's postal codes; a
    postal code lists the communes and arrondissements it serves.
    """
    text = text.strip()
    query = select(Commune, CommuneCodePostal.code_postal)
    if text.isdigit():
        query = query.join(CommuneCodePostal, CommuneCodePostal.commune_code == Commune.code)
        query = query.where(CommuneCodePostal.code_postal.startswith(text))
    else:
        prefixes = search_prefixes(text)
        if not prefixes:
            return []
        query = query.join(CommuneCodePostal, CommuneCodePostal.commune_code == _postal_owner())
        query = query.where(
            or_(*(Commune.nom_recherche.startswith(prefix, autoescape=True) for prefix in prefixes))
        )
    query = query.order_by(
        Commune.population.desc(), Commune.nom, CommuneCodePostal.code_postal
    ).limit(limit)
    return [(row[0], row[1]) for row in db.session.execute(query)]


def departement(code: str) -> Departement | None:
    """The département with this code (2A, 2B, 971...)."""
    return db.session.get(Departement, code.upper())


def region(code: str) -> Region | None:
    """The région with this code."""
    return db.session.get(Region, code)


def departements() -> list[Departement]:
    """All départements, by code."""
    return list(db.session.scalars(select(Departement).order_by(Departement.code)))


def regions() -> list[Region]:
    """All régions, by name."""
    return list(db.session.scalars(select(Region).order_by(Region.nom)))


def time_zone(departement_code: str | None) -> str:
    """The IANA time zone of a département."""
    return TIME_ZONES.get(departement_code or "", DEFAULT_TIME_ZONE)
