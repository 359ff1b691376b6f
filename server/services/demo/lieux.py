"""Demo lieux d'activité: a principal one and a few others per conseiller."""

from server.extensions import db
from server.models import Commune, Conseiller, LieuActivite
from server.services.demo.personnes import employer, named_after, random_phone

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


def lieux_activite(rng, conseillers, communes_by_departement) -> dict[int, list[LieuActivite]]:
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
        nom = named_after(rng.choice(LIEU_KINDS), commune)
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
        "telephone": random_phone(rng, mobile=False),
        "horaires": rng.choice(HORAIRES),
        "type_acces": acces or ["libre"],
    }
