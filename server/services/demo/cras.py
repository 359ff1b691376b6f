"""What demo CRAs look like in the field, and who files how many, where and when: rows
generated lazily, never all in memory."""

import json
import random
import uuid
from bisect import bisect, bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import accumulate
from zoneinfo import ZoneInfo

from server.models import Conseiller
from server.models.cra import AGES, ORGANISMES, STATUTS, SUIVIS, THEMES
from server.services import territoires

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


def paris_today() -> date:
    return datetime.now(ZoneInfo(territoires.time_zone(None))).date()


def weekdays(today: date) -> list[date]:
    """Every weekday from the first CRA day to yesterday."""
    days = (FIRST_CRA_DAY + timedelta(days=n) for n in range((today - FIRST_CRA_DAY).days))
    return [day for day in days if day.weekday() < 5]


def terrain_of(conseiller, lieux, communes_by_departement, calendar: list[date]) -> Terrain:
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


def volumes_of(rng, terrains: list[Terrain], total: int) -> list[int]:
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


def random_uuid(rng) -> uuid.UUID:
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
        random_uuid(rng),
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
        random_uuid(rng),
        1,
        seq,
        received_at,
        received_at,
    )


def cra_rows(rng, terrains: list[Terrain], volumes: list[int]) -> Iterator[tuple]:
    """Every demo CRA, conseiller by conseiller, in the order the server received them."""
    for terrain, volume in zip(terrains, volumes, strict=True):
        receipts = sorted(
            datetime.combine(rng.choice(terrain.days), EVENING, UTC)
            + timedelta(minutes=rng.randrange(EVENING_MINUTES))
            for _ in range(volume)
        )
        for seq, received_at in enumerate(receipts, start=1):
            yield _cra_row(rng, terrain, seq, received_at)
