"""Demo people: structures, conseillers, coordinators and one account per role, in the
small demo's départements or, for the national population, in all of them."""

import random
from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import func, select

from server.extensions import db
from server.models import Commune, Conseiller, Coordination, Emploi, Role, Structure, User
from server.models.types import utcnow
from server.services import accounts

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


def random_phone(rng: random.Random, mobile: bool) -> str:
    prefix = rng.choice(("06", "07")) if mobile else rng.choice(("01", "02", "03", "04", "05"))
    return prefix + "".join(str(rng.randint(0, 9)) for _ in range(8))


def communes_of(departement_code: str) -> list[Commune]:
    query = (
        select(Commune)
        .where(Commune.departement_code == departement_code, Commune.rattachement_code.is_(None))
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


def named_after(kind: str, commune: Commune) -> str:
    return kind.format(nom=commune.nom, de=_de(commune.nom))


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
        nom=named_after(rng.choice(kinds), commune),
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


def demo_structures(rng, communes_by_departement) -> Iterator[tuple[Structure, int]]:
    """The small demo: three structures per département; (structure, conseillers)."""
    for communes in communes_by_departement.values():
        for index in range(3):
            commune = communes[0] if index == 0 else rng.choice(communes)
            structure = _structure(rng, commune, STRUCTURE_KINDS)
            yield structure, _filled(rng, structure.dotation)


def effectifs_by_departement(total: int) -> dict[str, int]:
    """`total` conseillers shared by the départements in proportion to their population
    (largest remainders), at least one each; by département code."""
    population = func.sum(Commune.population)
    rows = db.session.execute(
        select(Commune.departement_code, population)
        .where(Commune.rattachement_code.is_(None))  # arrondissements are counted in their commune
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


def national_structures(
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


def make_people(rng, password: str, plan, national: bool = False) -> tuple[list, list, dict]:
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
        telephone_pro=random_phone(rng, mobile=True),
        telephone_perso=random_phone(rng, mobile=True),
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
