"""Deterministic demo data: structures, conseillers, coordinators, one account per role."""

import random
from datetime import date, timedelta

from sqlalchemy import select

from server.extensions import db
from server.models import Commune, Conseiller, Coordination, Emploi, Role, Structure, User
from server.models.types import utcnow
from server.services import accounts

# Where the demo lives: départements of several régions, overseas and Corsica included.
DEMO_DEPARTEMENTS = ("69", "42", "13", "2A", "59", "35", "75", "974")
PREFET_DEPARTEMENT = "69"
STRUCTURE_KINDS = ("Mairie de {}", "Médiathèque de {}", "Centre social de {}",
                   "Association Numérique Solidaire {}", "CCAS de {}", "France Services {}")
PRENOMS = ("Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Emma", "Lucie",
           "Nadia", "Sophie", "Amina", "Thomas", "Lucas", "Hugo", "Nicolas", "Karim", "Julien",
           "Maxime", "Antoine", "Mehdi", "Romain", "Kevin", "Yann", "Paul", "Louis", "Sami")
NOMS = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
        "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "Andre", "Mercier",
        "Benali", "Nguyen", "Rossi", "Payet", "Hoarau", "Le Gall", "Santoni")
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
    query = (select(Commune).where(Commune.departement_code == departement_code)
             .order_by(Commune.population.desc(), Commune.code).limit(40))
    return list(db.session.scalars(query))


def seed(password: str, seed_value: int = 42) -> dict:
    """Create the demo people and accounts; the same seed always gives the same data."""
    rng = random.Random(seed_value)
    # One hash for every demo account: scrypt is slow on purpose.
    password_hash = accounts.hash_password(password)
    now = utcnow()
    used_emails: set[str] = set()
    all_conseillers: list[Conseiller] = []
    comptes: dict[int, User] = {}
    structures: list[Structure] = []
    for dep in DEMO_DEPARTEMENTS:
        communes = _communes(dep)
        for index in range(3):
            commune = communes[0] if index == 0 else rng.choice(communes)
            nom = rng.choice(STRUCTURE_KINDS).format(commune.nom)
            structure = Structure(
                nom=nom, siret=_siret(rng), code_commune=commune.code,
                adresse=f"{rng.randint(1, 120)} rue de la République",
                code_postal=commune.codes_postaux[0].code_postal,
                departement_code=commune.departement_code, region_code=commune.region_code,
                dotation=rng.choice((1, 1, 2, 2, 3, 4)))
            db.session.add(structure)
            structures.append(structure)
            filled = rng.randint(max(1, structure.dotation - 1), structure.dotation)
            for _ in range(filled):
                conseiller, compte = _conseiller(rng, structure, used_emails, password_hash, now)
                all_conseillers.append(conseiller)
                comptes[id(conseiller)] = compte
    db.session.flush()
    coordinateurs = _coordinations(rng, all_conseillers, comptes)
    _demo_accounts(comptes, coordinateurs, password_hash, now)
    db.session.commit()
    return {"structures": len(structures), "conseillers": len(all_conseillers)}


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
        prenom=prenom, nom=nom, email_pro=email,
        email_perso=f"{base}{rng.randint(10, 99)}@courriel.example",
        telephone_pro=_phone(rng, mobile=True), telephone_perso=_phone(rng, mobile=True),
        sexe="femme" if prenom in PRENOMS[:12] else "homme",
        date_naissance=date(1965, 1, 1) + timedelta(days=rng.randint(0, 35 * 365)),
        structure=structure, date_recrutement=recrutement,
        date_fin_formation=recrutement + timedelta(days=rng.randint(60, 150)),
        certifie=rng.random() < 0.6)
    conseiller.emplois.append(Emploi(structure=structure, date_debut=recrutement))
    db.session.add(conseiller)
    activated = rng.random() < 0.8
    compte = User(email=email, role=Role.CONSEILLER, conseiller=conseiller,
                  password_hash=password_hash if activated else None,
                  activated_at=now if activated else None)
    db.session.add(compte)
    return conseiller, compte


def _coordinations(rng, conseillers: list[Conseiller], comptes) -> list[tuple]:
    """Two coordinators, each with a team drawn from their own région."""
    coordinateurs = []
    for dep in ("69", "13"):
        coordinateur = next(c for c in conseillers if c.structure.departement_code == dep)
        comptes[id(coordinateur)].role = Role.COORDINATEUR
        region = [c for c in conseillers if c is not coordinateur
                  and c.structure.region_code == coordinateur.structure.region_code]
        team = rng.sample(region, k=min(5, len(region)))
        for member in team:
            db.session.add(Coordination(coordinateur_id=coordinateur.id, conseiller_id=member.id))
        coordinateurs.append((coordinateur, team))
    return coordinateurs


def _demo_accounts(comptes, coordinateurs, password_hash, now) -> None:
    """Give each role one well-known, activated login, all able to see the demo conseiller."""
    coordinateur, team = coordinateurs[0]
    conseiller = next((c for c in team if c.structure.departement_code == PREFET_DEPARTEMENT),
                      team[0])
    home = conseiller.structure
    for person, role in ((conseiller, Role.CONSEILLER), (coordinateur, Role.COORDINATEUR)):
        compte = comptes[id(person)]
        compte.email = DEMO_ACCOUNTS[role]
        compte.password_hash, compte.activated_at = password_hash, now
    for role, links in ((Role.STRUCTURE, {"structure": home}),
                        (Role.PREFET, {"departement_code": home.departement_code}),
                        (Role.ADMIN, {})):
        db.session.add(User(email=DEMO_ACCOUNTS[role], role=role, password_hash=password_hash,
                            activated_at=now, **links))
