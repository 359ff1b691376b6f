"""Deterministic demo data: structures, conseillers, coordinators, one account per role, the
conseillers' lieux d'activité and years of their CRAs.

Two populations: the default one (about forty conseillers in eight départements, what a
developer clicks through) and a national one (`conseillers=N`: N conseillers in all 101
départements, by population, what the statistics are benchmarked on).

CRAs are written in bulk (COPY on PostgreSQL, executemany on SQLite), chunk by chunk, so a
million of them never sit in memory and never go through the ORM.
"""

import json
import random
import uuid
from bisect import bisect, bisect_left
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import accumulate, islice
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Table, Text, column, func, insert, select, table
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from server.extensions import db
from server.models import (
    Commune,
    Conseiller,
    Coordination,
    Cra,
    CraCoordination,
    CraOperation,
    Emploi,
    LieuActivite,
    Role,
    Structure,
    User,
)
from server.models.cra import AGES, ORGANISMES, STATUTS, SUIVIS, THEMES
from server.models.types import utcnow
from server.services import accounts, cumuls, demo_documents, territoires

# Where the demo lives: départements of several régions, overseas and Corsica included.
DEMO_DEPARTEMENTS = ("69", "42", "13", "2A", "59", "35", "75", "974")
PREFET_DEPARTEMENT = "69"
STRUCTURE_KINDS = (
    "Mairie {de}",
    "Médiathèque {de}",
    "Centre social {de}",
    "Association Numérique Solidaire {nom}",
    "CCAS {de}",
    "France Services {nom}",
)
PRENOMS = (
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Sarah",
    "Julie",
    "Emma",
    "Lucie",
    "Nadia",
    "Sophie",
    "Amina",
    "Thomas",
    "Lucas",
    "Hugo",
    "Nicolas",
    "Karim",
    "Julien",
    "Maxime",
    "Antoine",
    "Mehdi",
    "Romain",
    "Kevin",
    "Yann",
    "Paul",
    "Louis",
    "Sami",
)
NOMS = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "Andre",
    "Mercier",
    "Benali",
    "Nguyen",
    "Rossi",
    "Payet",
    "Hoarau",
    "Le Gall",
    "Santoni",
)
DEMO_ACCOUNTS = {
    Role.CONSEILLER: "conseiller@coop-cra.example",
    Role.COORDINATEUR: "coordinateur@coop-cra.example",
    Role.STRUCTURE: "structure@coop-cra.example",
    Role.PREFET: "prefet@coop-cra.example",
    Role.ADMIN: "admin@coop-cra.example",
}


def _siret(rng: random.Random) -> str:
    """A 14-digit SIRET whose Luhn checksum is valid, as real ones are."""
    digits = [rng.randint(0, 9) for _ in range(13)]
    for check in range(10):
        candidate = digits + [check]
        total = 0
        for index, digit in enumerate(reversed(candidate)):
            doubled = digit * 2 if index % 2 else digit
            total += doubled - 9 if doubled > 9 else doubled
        if total % 10 == 0:
            return "".join(map(str, candidate))
    raise AssertionError("unreachable")


def _phone(rng: random.Random, mobile: bool) -> str:
    prefix = rng.choice(("06", "07")) if mobile else rng.choice(("01", "02", "03", "04", "05"))
    return prefix + "".join(str(rng.randint(0, 9)) for _ in range(8))


def _communes(departement_code: str) -> list[Commune]:
    query = (
        select(Commune)
        .where(Commune.departement_code == departement_code)
        .order_by(Commune.population.desc(), Commune.code)
        .limit(40)
    )
    return list(db.session.scalars(query))


def _de(nom: str) -> str:
    """'de Lyon', 'd'Ajaccio', 'du Havre', 'des Pennes-Mirabeau': French elision."""
    for article, contracted in (("Le ", "du "), ("Les ", "des ")):
        if nom.startswith(article):
            return contracted + nom[len(article) :]
    return f"d'{nom}" if nom[0] in "AEIOUYÉÈÊÎÂ" else f"de {nom}"


def _named(kind: str, commune: Commune) -> str:
    return kind.format(nom=commune.nom, de=_de(commune.nom))


def seed(
    password: str,
    seed_value: int = 42,
    cras: int | None = None,
    today: date | None = None,
    conseillers: int | None = None,
) -> dict:
    """Create the demo people, accounts, lieux and CRAs; the same seed gives the same data.

    `cras` is the total number of CRAs (default: about 300 per activated conseiller); they
    fall on weekdays before `today` (default: today in Paris). `conseillers`: exactly that
    many conseillers (at least NATIONAL_MIN) in all the départements of France instead of
    the small demo.
    """
    rng = random.Random(seed_value)
    if conseillers is None:
        communes_by_departement = {dep: _communes(dep) for dep in DEMO_DEPARTEMENTS}
        plan = _demo_structures(rng, communes_by_departement)
    else:
        effectifs = _effectifs(conseillers)
        communes_by_departement = {dep: _communes(dep) for dep in effectifs}
        plan = _national_structures(rng, communes_by_departement, effectifs)
    structures, people, comptes = _people(rng, password, plan, national=conseillers is not None)
    lieux = _lieux_activite(rng, people, communes_by_departement)
    activated = [c for c in people if comptes[id(c)].activated_at is not None]
    total = len(activated) * CRAS_PER_CONSEILLER if cras is None else cras
    today = today or _paris_today()
    calendar = _weekdays(today)
    terrains = [_terrain(c, lieux[c.id], communes_by_departement, calendar) for c in activated]
    written = _seed_cras(rng, terrains, total)
    coordinateurs = [c for c in activated if comptes[id(c)].role is Role.COORDINATEUR]
    _coordination_cras(rng, coordinateurs, calendar)
    demo_documents.seed_documents(DEMO_ACCOUNTS[Role.ADMIN], DEMO_ACCOUNTS[Role.CONSEILLER])
    db.session.commit()
    cumuls.recalculer()  # the CRAs were written in bulk, past the sync store
    return {
        "structures": len(structures),
        "conseillers": len(people),
        "lieux": sum(map(len, lieux.values())),
        "cras": written,
    }


# Structures and people ----------------------------------------------------------------------

# The national population: one large employer per département (an agglomeration's
# community: about LARGE_SHARE of its conseillers, at least LARGE_MIN), the rest in small
# structures of one to four posts, as in the field.
LARGE_KIND = ("Communauté d'agglomération {de}",)
LARGE_SHARE, LARGE_MIN = 0.15, 3
# Conseillers per coordinator, and the largest team.
COORDINATION_RATIO, TEAM_SIZE = 30, 10
# Enough for the prefet's département to have a coordinator and a team.
NATIONAL_MIN = 200


def _structure(
    rng, commune: Commune, kinds: tuple[str, ...], dotation: int | None = None
) -> Structure:
    """A structure in a commune, added to the session; a small one unless a dotation is given."""
    structure = Structure(
        nom=_named(rng.choice(kinds), commune),
        siret=_siret(rng),
        code_commune=commune.code,
        adresse=f"{rng.randint(1, 120)} rue de la République",
        code_postal=commune.codes_postaux[0].code_postal,
        departement_code=commune.departement_code,
        region_code=commune.region_code,
        dotation=rng.choice((1, 1, 2, 2, 3, 4)) if dotation is None else dotation,
    )
    db.session.add(structure)
    return structure


def _filled(rng, dotation: int) -> int:
    """Posts filled: all of them, or all but one."""
    return rng.randint(max(1, dotation - 1), dotation)


def _demo_structures(rng, communes_by_departement) -> Iterator[tuple[Structure, int]]:
    """The small demo: three structures per département; (structure, conseillers)."""
    for communes in communes_by_departement.values():
        for index in range(3):
            commune = communes[0] if index == 0 else rng.choice(communes)
            structure = _structure(rng, commune, STRUCTURE_KINDS)
            yield structure, _filled(rng, structure.dotation)


def _effectifs(total: int) -> dict[str, int]:
    """`total` conseillers shared by the départements in proportion to their population
    (largest remainders), at least one each; by département code."""
    population = func.sum(Commune.population)
    rows = db.session.execute(
        select(Commune.departement_code, population)
        .group_by(Commune.departement_code)
        .order_by(Commune.departement_code)
    ).all()
    if total < NATIONAL_MIN:
        raise ValueError(f"Au moins {NATIONAL_MIN} conseillers pour la France entière.")
    spare, whole = total - len(rows), sum(int(count) for _, count in rows)
    shares = {code: 1 + spare * int(count) // whole for code, count in rows}
    by_remainder = sorted(rows, key=lambda row: (-(spare * int(row[1]) % whole), row[0]))
    for code, _ in by_remainder[: total - sum(shares.values())]:
        shares[code] += 1
    # The prefet's département first: its first coordinator is the demo one.
    return {PREFET_DEPARTEMENT: shares.pop(PREFET_DEPARTEMENT), **shares}


def _national_structures(
    rng, communes_by_departement, effectifs: dict[str, int]
) -> Iterator[tuple[Structure, int]]:
    """Each département's conseillers: a large employer, then small structures until the
    count is reached; (structure, conseillers)."""
    for dep, communes in communes_by_departement.items():
        remaining = effectifs[dep]
        if remaining >= 2 * LARGE_MIN:
            filled = max(LARGE_MIN, round(remaining * LARGE_SHARE))
            yield _structure(rng, communes[0], LARGE_KIND, filled + rng.randint(0, 2)), filled
            remaining -= filled
        while remaining:
            structure = _structure(rng, rng.choice(communes), STRUCTURE_KINDS)
            filled = min(remaining, _filled(rng, structure.dotation))
            yield structure, filled
            remaining -= filled


def _people(rng, password: str, plan, national: bool = False) -> tuple[list, list, dict]:
    """The planned structures, their conseillers and coordinators, and one account per role
    (flushed)."""
    # One hash for every demo account: scrypt is slow on purpose.
    password_hash = accounts.hash_password(password)
    now = utcnow()
    used_emails: set[str] = set()
    conseillers: list[Conseiller] = []
    comptes: dict[int, User] = {}
    structures: list[Structure] = []
    for structure, filled in plan:
        structures.append(structure)
        for _ in range(filled):
            conseiller, compte = _conseiller(rng, structure, used_emails, password_hash, now)
            conseillers.append(conseiller)
            comptes[id(conseiller)] = compte
    db.session.flush()
    if national:
        coordinateurs = _national_coordinations(rng, conseillers, comptes)
    else:
        coordinateurs = _coordinations(rng, conseillers, comptes)
    _demo_accounts(comptes, coordinateurs, password_hash, now)
    return structures, conseillers, comptes


def _conseiller(rng, structure, used_emails, password_hash, now) -> tuple[Conseiller, User]:
    prenom, nom = rng.choice(PRENOMS), rng.choice(NOMS)
    base = f"{prenom}.{nom}".lower().replace(" ", "-")
    email, suffix = f"{base}@conseiller-numerique.example", 1
    while email in used_emails:
        suffix += 1
        email = f"{base}{suffix}@conseiller-numerique.example"
    used_emails.add(email)
    recrutement = date(2021, 1, 4) + timedelta(days=rng.randint(0, 4 * 365))
    conseiller = Conseiller(
        prenom=prenom,
        nom=nom,
        email_pro=email,
        email_perso=f"{base}{rng.randint(10, 99)}@courriel.example",
        telephone_pro=_phone(rng, mobile=True),
        telephone_perso=_phone(rng, mobile=True),
        sexe="femme" if prenom in PRENOMS[:12] else "homme",
        date_naissance=date(1965, 1, 1) + timedelta(days=rng.randint(0, 35 * 365)),
        structure=structure,
        date_recrutement=recrutement,
        date_fin_formation=recrutement + timedelta(days=rng.randint(60, 150)),
        certifie=rng.random() < 0.6,
    )
    conseiller.emplois.append(Emploi(structure=structure, date_debut=recrutement))
    db.session.add(conseiller)
    activated = rng.random() < 0.8
    compte = User(
        email=email,
        role=Role.CONSEILLER,
        conseiller=conseiller,
        password_hash=password_hash if activated else None,
        activated_at=now if activated else None,
    )
    db.session.add(compte)
    return conseiller, compte


def employer(conseiller: Conseiller) -> Structure:
    """A demo conseiller's structure: every one of them has one."""
    assert conseiller.structure is not None
    return conseiller.structure


def _coordinations(rng, conseillers: list[Conseiller], comptes) -> list[tuple]:
    """Two coordinators, each with a team drawn from their own région."""
    coordinateurs = []
    for dep in ("69", "13"):
        coordinateur = next(c for c in conseillers if employer(c).departement_code == dep)
        comptes[id(coordinateur)].role = Role.COORDINATEUR
        region = [
            c
            for c in conseillers
            if c is not coordinateur
            and employer(c).region_code == employer(coordinateur).region_code
        ]
        team = rng.sample(region, k=min(5, len(region)))
        for member in team:
            db.session.add(Coordination(coordinateur_id=coordinateur.id, conseiller_id=member.id))
        coordinateurs.append((coordinateur, team))
    return coordinateurs


def _national_coordinations(rng, conseillers: list[Conseiller], comptes) -> list[tuple]:
    """One coordinator per COORDINATION_RATIO conseillers of a département (at least one
    where there are three), each with a team of their département, no one in two teams."""
    by_departement: dict[str, list[Conseiller]] = {}
    for conseiller in conseillers:
        by_departement.setdefault(employer(conseiller).departement_code, []).append(conseiller)
    coordinateurs = []
    for members in by_departement.values():
        if len(members) < 3:
            continue
        chosen = members[: max(1, len(members) // COORDINATION_RATIO)]
        others = members[len(chosen) :]
        pool = rng.sample(others, k=min(len(others), TEAM_SIZE * len(chosen)))
        for index, coordinateur in enumerate(chosen):
            comptes[id(coordinateur)].role = Role.COORDINATEUR
            team = pool[index * TEAM_SIZE : (index + 1) * TEAM_SIZE]
            for member in team:
                db.session.add(
                    Coordination(coordinateur_id=coordinateur.id, conseiller_id=member.id)
                )
            coordinateurs.append((coordinateur, team))
    return coordinateurs


def _demo_accounts(comptes, coordinateurs, password_hash, now) -> None:
    """Give each role one well-known, activated login, all able to see the demo conseiller."""
    coordinateur, team = coordinateurs[0]
    conseiller = next(
        (c for c in team if c.structure.departement_code == PREFET_DEPARTEMENT), team[0]
    )
    home = conseiller.structure
    for person, role in ((conseiller, Role.CONSEILLER), (coordinateur, Role.COORDINATEUR)):
        compte = comptes[id(person)]
        compte.email = DEMO_ACCOUNTS[role]
        compte.password_hash, compte.activated_at = password_hash, now
    for role, links in (
        (Role.STRUCTURE, {"structure": home}),
        (Role.PREFET, {"departement_code": home.departement_code}),
        (Role.ADMIN, {}),
    ):
        db.session.add(
            User(
                email=DEMO_ACCOUNTS[role],
                role=role,
                password_hash=password_hash,
                activated_at=now,
                **links,
            )
        )


# Lieux d'activité ---------------------------------------------------------------------------

LIEU_KINDS = (
    "Médiathèque {de}",
    "Espace France Services {de}",
    "Centre social {de}",
    "Maison des associations {de}",
    "Bibliothèque municipale {de}",
    "Tiers-lieu numérique {de}",
    "Maison de quartier {de}",
    "Mairie annexe {de}",
)
RUES = (
    "rue Victor Hugo",
    "place de la Mairie",
    "avenue Jean Jaurès",
    "rue de la Gare",
    "boulevard Pasteur",
    "rue du Général de Gaulle",
    "place de l'Église",
    "rue des Écoles",
)
HORAIRES = (
    "Du lundi au vendredi, 9h-12h et 14h-17h",
    "Mardi et jeudi 9h-12h30, mercredi 14h-18h",
    "Lundi, mercredi et vendredi, 9h-17h",
    "Sur rendez-vous du lundi au samedi matin",
)
# Chance of each access type (keys of TYPES_ACCES); a lieu without any is "libre".
ACCES_CHANCES = {"libre": 0.7, "rdv": 0.5, "prive": 0.05}


def _lieux_activite(rng, conseillers, communes_by_departement) -> dict[int, list[LieuActivite]]:
    """1 to 3 lieux per conseiller, by conseiller id; the first is the principal."""
    lieux = {
        c.id: _lieux_of(rng, c, communes_by_departement[c.structure.departement_code])
        for c in conseillers
    }
    db.session.add_all(lieu for own in lieux.values() for lieu in own)
    db.session.flush()
    return lieux


def _lieux_of(rng, conseiller: Conseiller, communes: list[Commune]) -> list[LieuActivite]:
    """The structure's premises as principal lieu, then up to two places in its département."""
    structure = employer(conseiller)
    lieux = [
        LieuActivite(
            conseiller_id=conseiller.id,
            nom=structure.nom,
            adresse=structure.adresse,
            code_postal=structure.code_postal,
            code_commune=structure.code_commune,
            ville=structure.commune.nom,
            siret=structure.siret,
            principal=True,
            **_lieu_details(rng),
        )
    ]
    others = rng.choice((0, 1, 1, 2))
    for commune in rng.sample(communes, k=min(others, len(communes))):  # Paris is one commune
        nom = _named(rng.choice(LIEU_KINDS), commune)
        if nom not in {lieu.nom for lieu in lieux}:
            lieux.append(
                LieuActivite(
                    conseiller_id=conseiller.id,
                    nom=nom,
                    adresse=f"{rng.randint(1, 80)} {rng.choice(RUES)}",
                    code_postal=rng.choice(commune.codes_postaux).code_postal,
                    code_commune=commune.code,
                    ville=commune.nom,
                    itinerant=rng.random() < 0.1,
                    principal=False,
                    **_lieu_details(rng),
                )
            )
    return lieux


def _lieu_details(rng) -> dict:
    acces = [name for name, chance in ACCES_CHANCES.items() if rng.random() < chance]
    return {
        "telephone": _phone(rng, mobile=False),
        "horaires": rng.choice(HORAIRES),
        "type_acces": acces or ["libre"],
    }


# What CRAs look like in the field -----------------------------------------------------------


class Weighted:
    """Draws keys at given relative frequencies; cheap enough for a million CRAs."""

    def __init__(self, frequencies: dict):
        self.keys = tuple(frequencies)
        self.cumulated = tuple(accumulate(frequencies.values()))
        self.total, self.last = self.cumulated[-1], len(self.keys) - 1

    def draw(self, rng: random.Random):
        return self.keys[bisect(self.cumulated, rng.random() * self.total, 0, self.last)]


ACTIVITE = Weighted({"individuel": 45, "ponctuel": 35, "collectif": 20})
ATELIER_SIZE = Weighted({3: 6, 4: 10, 5: 12, 6: 13, 7: 12, 8: 12, 9: 9, 10: 8, 11: 6, 12: 8})
RECURRENCE = {"individuel": 0.35, "ponctuel": 0.15, "collectif": 0.6}
AGE = Weighted(
    {"moins12ans": 2, "de12a18ans": 4, "de18a35ans": 17, "de35a60ans": 34, "plus60ans": 43}
)
STATUT_BY_AGE = {
    "moins12ans": Weighted({"etudiant": 95, "heterogene": 5}),
    "de12a18ans": Weighted({"etudiant": 90, "sansEmploi": 3, "heterogene": 7}),
    "de18a35ans": Weighted({"etudiant": 20, "sansEmploi": 35, "enEmploi": 35, "heterogene": 10}),
    "de35a60ans": Weighted({"sansEmploi": 35, "enEmploi": 50, "retraite": 2, "heterogene": 13}),
    "plus60ans": Weighted({"sansEmploi": 3, "enEmploi": 5, "retraite": 85, "heterogene": 7}),
}
# The age and statut counts of a one-person session, by that person's age and statut.
ALONE_BY_AGE = {age: tuple(int(key == age) for key in AGES) for age in AGES}
ALONE_BY_STATUT = {statut: tuple(int(key == statut) for key in STATUTS) for statut in STATUTS}
CANAL = Weighted({"rattachement": 75, "domicile": 10, "distance": 8, "autre lieu": 7})
PRINCIPAL_WEIGHT = 3  # against 1 for each other lieu
THEME_COUNT = Weighted({1: 55, 2: 30, 3: 15})
# How often conseillers tick each theme; the unlisted ones weigh 1.
THEME_FREQUENCIES = {
    "demarche en ligne": 16,
    "courriel": 15,
    "equipement informatique": 14,
    "internet": 10,
    "vocabulaire": 9,
    "securite": 8,
    "contenus numeriques": 5,
    "traitement texte": 5,
    "echanger": 4,
    "trouver emploi": 4,
    "sante": 4,
    "fraude et harcelement": 3,
    "diagnostic": 3,
    "accompagner enfant": 2,
    "budget": 2,
}
THEME = Weighted({theme: THEME_FREQUENCIES.get(theme, 1) for theme in THEMES})
THEME_ORDER = {theme: index for index, theme in enumerate(THEMES)}
# theme: (chance that a precision is given, which one)
SOUS_THEME = {
    "accompagner enfant": (0.3, Weighted({"parent": 3, "social": 1, "enseignant": 1})),
    "equipement informatique": (0.5, Weighted({"telephone": 5, "ordinateur": 4, "tablette": 2})),
    "sante": (0.4, Weighted({"espace-sante": 1})),
    "traitement texte": (0.2, Weighted({"fourniture": 1})),
}
ANNOTATION_CHANCE = 0.06
ANNOTATIONS = (
    "Création d'une adresse Gmail",
    "Compte Ameli",
    "Rendez-vous Doctolib",
    "Déclaration d'impôts",
    "Dossier CAF",
    "Mise à jour Windows",
    "Installation de WhatsApp",
    "Photos du téléphone vers PC",
    "Demande de carte grise (ANTS)",
    "Compte France Travail",
    "Mot de passe oublié",
)
DUREE = {
    "individuel": Weighted({"0-30": 20, "30-60": 50, "60+": 30}),
    "ponctuel": Weighted({"0-30": 75, "30-60": 22, "60+": 3}),
    "collectif": Weighted({"30-60": 15, "60+": 85}),
}
DUREE_MINUTES = {
    "individuel": Weighted({60: 50, 75: 15, 90: 20, 120: 10, 150: 3, 180: 2}),
    "ponctuel": Weighted({60: 8, 75: 1, 90: 1}),
    "collectif": Weighted({60: 15, 90: 30, 120: 35, 150: 8, 180: 10, 240: 2}),
}
# What follows a one-person session (None: nothing).
SUIVI_SEUL = {
    "individuel": Weighted({None: 50, "individuel": 30, "atelier": 10, "redirection": 10}),
    "ponctuel": Weighted({None: 80, "individuel": 8, "atelier": 4, "redirection": 8}),
}
# Where people are redirected most; the unlisted organismes weigh 1.
ORGANISME_FREQUENCIES = {
    "France Services": 16,
    "CAF": 12,
    "CPAM": 10,
    "Mairie": 9,
    "CCAS": 8,
    "Pôle emploi": 8,
    "ANTS": 6,
    "DGFIP": 6,
    "Assistante sociale": 5,
    "CARSAT": 4,
    "Médiathèque": 3,
    "Mission locale": 3,
    "Revendeur informatique": 3,
    "Préfecture": 2,
    "Tiers-lieu / Fablab": 2,
}
ORGANISME = Weighted({nom: ORGANISME_FREQUENCIES.get(nom, 1) for nom in ORGANISMES})
AUTRE_ORGANISME_CHANCE = 0.06
AUTRES_ORGANISMES = (
    "Emmaüs Connect",
    "La Poste",
    "Point Justice",
    "Secours populaire",
    "Maison de l'emploi",
)


def _participants(rng, activite: str) -> tuple[int, int, tuple, tuple]:
    """Participants, récurrents, counts by age and by statut (each summing to participants)."""
    if activite != "collectif":
        age = AGE.draw(rng)
        recurrent = int(rng.random() < RECURRENCE[activite])
        return 1, recurrent, ALONE_BY_AGE[age], ALONE_BY_STATUT[STATUT_BY_AGE[age].draw(rng)]
    participants = ATELIER_SIZE.draw(rng)
    ages, statuts = dict.fromkeys(AGES, 0), dict.fromkeys(STATUTS, 0)
    for _ in range(participants):
        age = AGE.draw(rng)
        ages[age] += 1
        statuts[STATUT_BY_AGE[age].draw(rng)] += 1
    recurrents = 0
    if rng.random() < RECURRENCE[activite]:
        # Ateliers run as series: many of the group came before.
        recurrents = rng.randint(participants // 2, participants)
    return participants, recurrents, tuple(ages.values()), tuple(statuts.values())


def _themes(rng) -> tuple[str, str, str | None]:
    """1 to 3 themes and their precisions as JSON, and now and then an annotation."""
    themes = sorted(
        {THEME.draw(rng) for _ in range(THEME_COUNT.draw(rng))}, key=THEME_ORDER.__getitem__
    )
    precisions = tuple(
        (theme, SOUS_THEME[theme][1].draw(rng))
        for theme in sorted(themes)
        if theme in SOUS_THEME and rng.random() < SOUS_THEME[theme][0]
    )
    annotation = rng.choice(ANNOTATIONS) if rng.random() < ANNOTATION_CHANCE else None
    return _themes_json(tuple(themes)), _sous_themes_json(precisions), annotation


def _duree(rng, activite: str) -> tuple[str, int | None]:
    duree = DUREE[activite].draw(rng)
    return duree, DUREE_MINUTES[activite].draw(rng) if duree == "60+" else None


def _suivi(rng, activite: str, participants: int) -> tuple[int, int, int, str]:
    """Follow-up counts (individuel, atelier, redirection) and the organismes as JSON."""
    if activite == "collectif":
        atelier = rng.randint(1, participants) if rng.random() < 0.5 else 0
        individuel = int(atelier < participants and rng.random() < 0.15)
        room = participants - atelier - individuel
        redirection = rng.randint(1, min(2, room)) if room and rng.random() < 0.15 else 0
    else:
        suite = SUIVI_SEUL[activite].draw(rng)
        individuel, atelier, redirection = (int(suite == key) for key in SUIVIS)
    return individuel, atelier, redirection, _organismes(rng, redirection)


def _organismes(rng, redirections: int) -> str:
    """Where each redirected person was sent, now and then a name typed in "Autre"."""
    counts: dict[str, int] = {}
    for _ in range(redirections):
        nom = (
            rng.choice(AUTRES_ORGANISMES)
            if rng.random() < AUTRE_ORGANISME_CHANCE
            else ORGANISME.draw(rng)
        )
        counts[nom] = counts.get(nom, 0) + 1
    return _organismes_json(tuple(sorted(counts.items())))


# The same few JSON documents recur a million times: encode each once. Default json.dumps
# settings, as SQLAlchemy's JSON type writes them.
@cache
def _themes_json(themes: tuple[str, ...]) -> str:
    return json.dumps(list(themes))


@cache
def _sous_themes_json(precisions: tuple[tuple[str, str], ...]) -> str:
    return json.dumps({theme: [precision] for theme, precision in precisions})


@cache
def _organismes_json(counts: tuple[tuple[str, int], ...]) -> str:
    return json.dumps([{"nom": nom, "nombre": nombre} for nom, nombre in counts])


# Who files how many CRAs, where and when ---------------------------------------------------

CRAS_PER_CONSEILLER = 300
FIRST_CRA_DAY = date(2021, 1, 4)
# CRAs arrive when the conseiller syncs in the evening: 16:00-20:00 UTC.
EVENING, EVENING_MINUTES = time(16, 0), 240


@dataclass
class Terrain:
    """Where and when a conseiller works: what their demo CRAs are drawn from."""

    conseiller: Conseiller
    lieux: Weighted  # (id, code_postal, code_commune, nom_commune), the principal most often
    communes: list[tuple[str, str, tuple[str, ...]]]  # around: code, nom, postal codes
    days: Sequence[date]  # weekdays from their recruitment to yesterday


class Since(Sequence):
    """The days of a calendar from one on: a view, not a copy (thousands of conseillers
    would otherwise each hold their own list of a thousand days)."""

    def __init__(self, calendar: list[date], first: date):
        self.calendar, self.start = calendar, bisect_left(calendar, first)

    def __len__(self) -> int:
        return len(self.calendar) - self.start

    def __getitem__(self, index: int) -> date:  # type: ignore[override]  # no slices drawn
        return self.calendar[self.start + index]


def _paris_today() -> date:
    return datetime.now(ZoneInfo(territoires.time_zone(None))).date()


def _weekdays(today: date) -> list[date]:
    """Every weekday from the first CRA day to yesterday."""
    days = (FIRST_CRA_DAY + timedelta(days=n) for n in range((today - FIRST_CRA_DAY).days))
    return [day for day in days if day.weekday() < 5]


def _terrain(conseiller, lieux, communes_by_departement, calendar: list[date]) -> Terrain:
    lieux_weights = {
        (lieu.id, lieu.code_postal, lieu.code_commune, lieu.ville): PRINCIPAL_WEIGHT
        if lieu.principal
        else 1
        for lieu in lieux
    }
    communes = [
        (c.code, c.nom, tuple(cp.code_postal for cp in c.codes_postaux))
        for c in communes_by_departement[conseiller.structure.departement_code]
    ]
    first = max(FIRST_CRA_DAY, conseiller.date_recrutement)
    return Terrain(conseiller, Weighted(lieux_weights), communes, Since(calendar, first))


def _volumes(rng, terrains: list[Terrain], total: int) -> list[int]:
    """Exactly `total` CRAs shared by days worked and each conseiller's own pace."""
    weights = [len(terrain.days) * rng.randint(60, 140) for terrain in terrains]
    whole = sum(weights)
    if whole == 0:
        return [0] * len(terrains)
    volumes = [total * weight // whole for weight in weights]
    # Largest remainders first get the CRAs the rounding down left over.
    by_remainder = sorted(range(len(weights)), key=lambda i: -(total * weights[i] % whole))
    for index in by_remainder[: total - sum(volumes)]:
        volumes[index] += 1
    return volumes


def _uuid(rng) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _place(rng, terrain: Terrain) -> tuple:
    """canal, lieu_activite_id, code_postal, code_commune, nom_commune."""
    canal = CANAL.draw(rng)
    if canal == "rattachement":
        return (canal, *terrain.lieux.draw(rng))
    code, nom, codes_postaux = rng.choice(terrain.communes)
    return canal, None, rng.choice(codes_postaux), code, nom


def _cra_row(rng, terrain: Terrain, seq: int, received_at: datetime) -> tuple:
    """One CRA as values of CRA_COLUMNS, in that order."""
    activite = ACTIVITE.draw(rng)
    participants, recurrents, ages, statuts = _participants(rng, activite)
    return (
        _uuid(rng),
        terrain.conseiller.id,
        terrain.conseiller.structure_id,
        received_at.date(),
        *_place(rng, terrain),
        activite,
        participants,
        recurrents,
        *ages,
        *statuts,
        *_themes(rng),
        *_duree(rng, activite),
        *_suivi(rng, activite, participants),
        _uuid(rng),
        1,
        seq,
        received_at,
        received_at,
    )


def _cra_rows(rng, terrains: list[Terrain], volumes: list[int]) -> Iterator[tuple]:
    """Every demo CRA, conseiller by conseiller, in the order the server received them."""
    for terrain, volume in zip(terrains, volumes, strict=True):
        receipts = sorted(
            datetime.combine(rng.choice(terrain.days), EVENING, UTC)
            + timedelta(minutes=rng.randrange(EVENING_MINUTES))
            for _ in range(volume)
        )
        for seq, received_at in enumerate(receipts, start=1):
            yield _cra_row(rng, terrain, seq, received_at)


# Bulk writing -------------------------------------------------------------------------------

CRA_CHUNK = 50_000
CRA_COLUMNS = (
    "id",
    "conseiller_id",
    "structure_id",
    "date",
    "canal",
    "lieu_activite_id",
    "code_postal",
    "code_commune",
    "nom_commune",
    "activite",
    "nb_participants",
    "nb_recurrents",
    *(f"age_{key}" for key in AGES),
    *(f"statut_{key}" for key in STATUTS),
    "themes",
    "sous_themes",
    "annotation",
    "duree",
    "duree_minutes",
    *(f"suivi_{key}" for key in SUIVIS),
    "organismes",
    "head",
    "version",
    "seq",
    "received_at",
    "updated_at",
)
OPERATION_COLUMNS = ("op_id", "cra_id", "conseiller_id", "type", "applied_at")
_HEAD, _RECEIVED_AT = CRA_COLUMNS.index("head"), CRA_COLUMNS.index("received_at")
# The cra table with JSON columns typed as text, for rows whose JSON is encoded already.
CRA_ROWS_TABLE = table(
    "cra",
    *(
        column(c.name, Text() if isinstance(c.type, JSON) else c.type)
        for c in Cra.__table__.columns
        if c.name in CRA_COLUMNS
    ),
)


def _operation(cra_row: tuple) -> tuple:
    """The create operation the CRA's head names: the sync log then knows the CRA as synced."""
    return cra_row[_HEAD], cra_row[0], cra_row[1], "create", cra_row[_RECEIVED_AT]


def _seed_cras(rng, terrains: list[Terrain], total: int) -> int:
    """Write `total` CRAs and their operations chunk by chunk; set each sync sequence."""
    volumes = _volumes(rng, terrains, total)
    rows = _cra_rows(rng, terrains, volumes)
    if db.session.get_bind().dialect.name == "postgresql":
        with _indexes_and_foreign_keys_built_after(Cra.__table__, CraOperation.__table__):
            while _copy_chunk(islice(rows, CRA_CHUNK)):
                pass
    else:
        while _insert_chunk(islice(rows, CRA_CHUNK)):
            pass
    for terrain, volume in zip(terrains, volumes, strict=True):
        terrain.conseiller.sync_seq = volume
    return sum(volumes)


@contextmanager
def _indexes_and_foreign_keys_built_after(*tables: Table):
    """PostgreSQL's advice for populating tables: drop their foreign keys and secondary
    indexes, load, then recreate them: one join and one sort each instead of a lookup and an
    index insertion per row. DDL is transactional, so a failed seed leaves them all in place.
    """
    connection = db.session.connection()
    foreign_keys = [key for table in tables for key in table.foreign_key_constraints]
    indexes = [index for table in tables for index in table.indexes]
    for key in foreign_keys:
        connection.execute(DropConstraint(key))
    for index in indexes:
        connection.execute(DropIndex(index))
    yield
    for index in indexes:
        connection.execute(CreateIndex(index))
    for key in foreign_keys:
        connection.execute(AddConstraint(key))


def _insert_chunk(rows) -> int:
    """SQLite: executemany the CRAs, then their create operations; how many were written."""
    chunk = list(rows)
    if chunk:
        connection = db.session.connection()
        connection.execute(insert(CRA_ROWS_TABLE), _named_rows(CRA_COLUMNS, chunk))
        connection.execute(
            insert(CraOperation), _named_rows(OPERATION_COLUMNS, map(_operation, chunk))
        )
    return len(chunk)


def _named_rows(columns: tuple[str, ...], rows) -> list[dict]:
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _copy_chunk(rows) -> int:
    """PostgreSQL: COPY the CRAs as they are drawn (the server works meanwhile), then their
    create operations; how many were written."""
    operations = []
    driver_connection = db.session.connection().connection.driver_connection
    assert driver_connection is not None
    with driver_connection.cursor() as cursor:
        with cursor.copy(_copy_statement("cra", CRA_COLUMNS)) as copy:
            for row in rows:
                copy.write_row(row)
                operations.append(_operation(row))
        if operations:
            with cursor.copy(_copy_statement("cra_operation", OPERATION_COLUMNS)) as copy:
                for operation in operations:
                    copy.write_row(operation)
    return len(operations)


def _copy_statement(table_name: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{name}"' for name in columns)  # statut_sansEmploi is case-sensitive
    return f"COPY {table_name} ({names}) FROM STDIN"


# Coordinators' reports ----------------------------------------------------------------------

EVENEMENTS = (
    ("Fête du numérique", "grand-public"),
    ("Forum de l'inclusion numérique", "inclusion-numerique"),
    ("Rencontre NEC locale", "nec-local"),
    ("Webinaire national des coordinateurs", "national"),
)
PARTENAIRES = (
    ("CAF", "etat", ["parcours-usager"]),
    ("Conseil départemental", "departement", ["coordination-departementale", "subvention"]),
    ("Mairie", "commune", ["rendez-vous-elu"]),
)


def _coordination_cras(rng, coordinateurs: list[Conseiller], calendar: list[date]) -> None:
    """A report a month over the last six months for each coordinator (the first ones of the
    national population only), written as if synced."""
    for coordinateur in coordinateurs[:20]:
        for months_ago in range(6):
            day = calendar[-1 - 21 * months_ago] if len(calendar) > 21 * months_ago else None
            if day is None:
                break
            evenements = [
                {
                    "nom": nom,
                    "type": kind,
                    "date": (day - timedelta(days=3)).isoformat(),
                    "organisateurs": sorted(
                        rng.sample(["ma-structure", "commune", "association", "epci"], k=2)
                    ),
                }
                for nom, kind in rng.sample(EVENEMENTS, k=rng.randint(0, 2))
            ]
            partenariats = [
                {"nom": nom, "type_structure": kind, "natures": natures}
                for nom, kind, natures in rng.sample(PARTENAIRES, k=rng.randint(0, 1))
            ]
            accompagnements = (
                [
                    {
                        "type": "structure",
                        "type_structure": "association",
                        "nom_structure": "Association Numérique Solidaire",
                        "nom_mediateur": None,
                        "problematiques": ["cra", "outils"],
                        "actions": ["entretien"],
                    }
                ]
                if rng.random() < 0.5
                else []
            )
            cra_id, head = _uuid(rng), _uuid(rng)
            coordinateur.sync_seq += 1
            db.session.add(
                CraCoordination(
                    id=cra_id,
                    conseiller_id=coordinateur.id,
                    structure_id=coordinateur.structure_id,
                    date=day,
                    evenements=evenements,
                    partenariats=partenariats,
                    accompagnements=accompagnements,
                    communication_heures=rng.choice((0.5, 1.0, 1.5, 2.0, 3.0)),
                    head=head,
                    seq=coordinateur.sync_seq,
                )
            )
            db.session.add(
                CraOperation(
                    op_id=head,
                    objet="cra_coordination",
                    cra_id=cra_id,
                    conseiller_id=coordinateur.id,
                    type="create",
                )
            )
