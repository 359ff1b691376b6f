"""One row of the original's flat archive read as one of our CRAs (../shared/reference/
archive-v1.md): kept as is, kept with named repairs, or refused with its reason.

The rules are those of the CRA form (schemas/cras.py), applied to history: what can be read
without guessing is kept, each change is named (REPARATIONS), and figures that break a
cross-field rule of the form but that the original counted are kept as they are and noted
(REMARQUES), so that the statistics of 2020–2024 are the original's figures.
"""

import csv
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from server.models.cra import ACTIVITES, AGES, CANAUX, SOUS_THEMES, STATUTS, THEMES
from server.schemas.cras import FIRST_DAY, MAX_PARTICIPANTS

PARIS = ZoneInfo("Europe/Paris")
COLONNES = (
    "id", "imported_at", "canal", "activite", "nb_participants", "nb_participants_recurrents",
    "age_moins_12_ans", "age_de_12_a_18_ans", "age_de_18_a_35_ans", "age_de_35_a_60_ans",
    "age_plus_60_ans", "statut_etudiant", "statut_sans_emploi", "statut_en_emploi",
    "statut_retraite", "statut_heterogene", "themes", "sous_themes_sante", "duree",
    "accompagnement_individuel", "accompagnement_atelier", "accompagnement_redirection",
    "code_postal", "nom_commune", "date_accompagnement", "code_commune", "created_at",
    "structure_id", "structure_id_pg", "structure_type", "structure_statut", "structure_nom",
    "structure_siret", "structure_code_postal", "structure_nom_commune",
    "structure_code_commune", "structure_code_departement", "structure_code_region",
    "v1_conseiller_numerique_id", "annotation", "sous_themes_accompagner",
    "sous_themes_equipement_informatique", "sous_themes_traitement_texte", "organismes",
    "updated_at", "duree_minutes",
)  # fmt: skip
AGES_ARCHIVE = dict(zip(AGES, COLONNES[6:11], strict=True))
STATUTS_ARCHIVE = dict(zip(STATUTS, COLONNES[11:16], strict=True))
SOUS_THEMES_ARCHIVE = {
    "sous_themes_sante": "sante",
    "sous_themes_accompagner": "accompagner enfant",
    "sous_themes_equipement_informatique": "equipement informatique",
    "sous_themes_traitement_texte": "traitement texte",
}
THEMES_ANCIENS = ("smartphone", "autre")  # accepted from old data only (cra.md)
OBJECT_ID = re.compile(r"[0-9a-f]{24}")
CODE_INSEE = re.compile(r"[0-9][0-9AB][0-9]{3}")
# A NUL, or a byte that is not UTF-8 (read as a lone surrogate: errors="surrogateescape").
ILLISIBLE = re.compile("[\x00\udc80-\udcff]")
MAX_MINUTES, PAS_MINUTES = 480, 15

REFUS = {
    "ligne_mal_formee": "Ligne mal formée",
    "texte_illisible": "Texte illisible : octet nul ou hors UTF-8",
    "id_invalide": "Identifiant d'origine invalide (24 caractères hexadécimaux attendus)",
    "date_invalide": "Date d'accompagnement illisible",
    "date_hors_periode": "Date d'accompagnement avant le 01/01/2020 ou dans le futur",
    "canal_inconnu": "Canal inconnu",
    "activite_inconnue": "Type d'activité inconnu",
    "nombre_invalide": "Nombre illisible ou négatif",
    "participants_invalides": "Nombre de participants manquant ou nul",
    "commune_inconnue": "Commune inconnue, que son code postal ne désigne pas seul",
    "themes_manquants": "Aucun thème",
    "theme_inconnu": "Thème inconnu",
    "duree_invalide": "Durée illisible ou nulle",
    "organismes_invalides": "Organismes de redirection illisibles",
    "structure_manquante": "Pas de structure",
    "structure_sans_commune": "Structure inconnue ici et dont la commune est inconnue",
}
REPARATIONS = {
    "recurrents_plafonnes": "Personnes déjà accompagnées ramenées au nombre de participants",
    "themes_dedoublonnes": "Thème répété gardé une fois",
    "code_postal_corrige": "Code postal remplacé par celui de la commune",
    "commune_par_code_postal": "Commune inconnue remplacée par la seule de son code postal",
    "sous_theme_retire": "Précision de thème inconnue, répétée ou sans son thème retirée",
    "annotation_tronquee": "Annotation coupée à 35 caractères",
    "annotation_retiree": "Annotation de moins de 3 caractères retirée",
    "duree_en_tranche": "Durée de moins d'une heure mise dans sa tranche (0-30 ou 30-60)",
    "duree_arrondie": "Durée arrondie au quart d'heure",
    "duree_plafonnee": "Durée de plus de 8 h ramenée à 8 h",
    "organisme_vide_retire": "Organisme compté 0 fois retiré",
}
REMARQUES = {
    "themes_anciens": "Thème ancien (smartphone, autre) gardé, compté dans aucun thème actuel",
    "ages_incoherents": "Tranches d'âge dont la somme diffère des participants, gardées",
    "statuts_incoherents": "Statuts dont la somme diffère des participants, gardés",
    "suivi_superieur": "Suivis plus nombreux que les participants, gardés",
    "organismes_incoherents": "Organismes dont la somme diffère des redirections, gardés",
    "participants_individuel": "Individuel ou ponctuel de plus d'une personne, gardé",
    "participants_plus_de_100": "Plus de 100 participants, gardé",
}


class Refus(Exception):
    """The row cannot be read as a CRA without guessing."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class StructureArchivee:
    """The employer a row names, as the archive describes it."""

    origine_id: str
    nom: str
    siret: str | None
    code_postal: str | None
    code_commune: str | None


@dataclass
class Lecture:
    """What became of one row: `valeurs` (the CRA's content columns) or `refus`."""

    ligne: int
    origine_id: str | None
    valeurs: dict = field(default_factory=dict)
    structure: StructureArchivee | None = None
    conseiller_origine_id: str | None = None
    received_at: datetime | None = None
    updated_at: datetime | None = None
    reparations: list[str] = field(default_factory=list)
    remarques: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    refus: str | None = None
    # Made beside the reading (ecriture.preparer): the CRA's id, head and content columns.
    ident: str = ""
    head: str = ""
    contenu: tuple = ()


NULLS = frozenset(("", "null"))


def _nombre(row: dict, name: str, default: int | None = 0) -> int | None:
    value = row[name]
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise Refus("nombre_invalide", f"{name} : {value[:20]}") from None
    if number < 0:
        raise Refus("nombre_invalide", f"{name} : {number}")
    return number


def _moment(row: dict, name: str) -> datetime | None:
    value = row[name]
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        if name == "date_accompagnement":
            raise Refus("date_invalide", value[:30]) from None
        return None


def tableau(value: str | None) -> list[str]:
    """A PostgreSQL array literal ({}, {courriel}, {"demarche en ligne",internet}) as a list."""
    if value is None or value in ("{}", ""):
        return []
    inner = value[1:-1] if value.startswith("{") and value.endswith("}") else value
    if '"' in inner or "\\" in inner:
        items = next(csv.reader([inner], delimiter=",", quotechar='"', escapechar="\\"))
    else:  # most rows: nothing quoted, a split says the same as the csv module
        items = inner.split(",")
    return [item.strip() for item in items if item.strip()]


class Lecteur:
    """Reads rows; `communes(code)` and `communes_du_code_postal(cp)` are the territories'
    lookups (services/territoires), `today` the day in Paris."""

    def __init__(self, communes, communes_du_code_postal, today: date):
        self.communes, self.communes_du_code_postal = communes, communes_du_code_postal
        self.today = today

    def lire(self, ligne: int, row: list[str] | None, erreur: str = "") -> Lecture:
        """The CRA of one row (csv fields), or its refusal (`row` None: the csv module could not
        read the line, for the reason `erreur`)."""
        if row is None:
            return Lecture(ligne, None, refus="ligne_mal_formee", details=[erreur])
        if ILLISIBLE.search("".join(row)):
            # The report names the row by its id, its unreadable bytes shown as « ? ».
            ident = ILLISIBLE.sub("?", row[0].strip()[:24]) or None
            return Lecture(ligne, ident, refus="texte_illisible")
        # The report names each row by its id, even a malformed one's.
        lecture = Lecture(ligne, (row[0].strip()[:24] or None) if row else None)
        try:
            if len(row) != len(COLONNES) and (
                len(row) < len(COLONNES)
                or any(value.strip() not in NULLS for value in row[len(COLONNES) :])
            ):
                raise Refus("ligne_mal_formee", f"{len(row)} colonnes")
            if not OBJECT_ID.fullmatch(row[0].strip()):
                raise Refus("id_invalide")
            # The columns past the archive's are null (checked above).
            valeurs = [None if (v := value.strip()) in NULLS else v for value in row]
            self._lire(lecture, dict(zip(COLONNES, valeurs, strict=False)))
        except Refus as refus:
            lecture.refus, lecture.valeurs = refus.code, {}
            if refus.detail:
                lecture.details.append(refus.detail)
        return lecture

    def _lire(self, lecture: Lecture, row: dict) -> None:
        valeurs = lecture.valeurs
        moment = _moment(row, "date_accompagnement")
        if moment is None:
            raise Refus("date_invalide")
        valeurs["date"] = moment.astimezone(PARIS).date()
        if not FIRST_DAY <= valeurs["date"] <= self.today:
            raise Refus("date_hors_periode", valeurs["date"].isoformat())
        valeurs["canal"] = row["canal"]
        if valeurs["canal"] not in CANAUX:
            raise Refus("canal_inconnu", str(valeurs["canal"])[:30])
        valeurs["lieu_activite_id"] = None  # the original's permanence is not in the archive
        valeurs["activite"] = row["activite"]
        if valeurs["activite"] not in ACTIVITES:
            raise Refus("activite_inconnue", str(valeurs["activite"])[:30])
        self._place(lecture, row)
        self._people(lecture, row)
        self._themes(lecture, row)
        self._annotation(lecture, row)
        self._duree(lecture, row)
        self._suivi(lecture, row)
        structure_id = row["structure_id"]
        if structure_id is None:
            raise Refus("structure_manquante")
        lecture.structure = StructureArchivee(
            structure_id,
            (row["structure_nom"] or "Structure de l'archive")[:200],
            row["structure_siret"],
            row["structure_code_postal"],
            row["structure_code_commune"],
        )
        lecture.conseiller_origine_id = row["v1_conseiller_numerique_id"]
        lecture.received_at = _moment(row, "created_at") or moment
        lecture.updated_at = _moment(row, "updated_at") or lecture.received_at

    def _place(self, lecture: Lecture, row: dict) -> None:
        code = (row["code_commune"] or "").upper()
        code_postal = row["code_postal"]
        commune = self.communes(code) if CODE_INSEE.fullmatch(code) else None
        if commune is None:
            seules = self.communes_du_code_postal(code_postal) if code_postal else []
            if len(seules) != 1:
                raise Refus("commune_inconnue", f"{code or '-'} {code_postal or '-'}")
            commune = seules[0]
            lecture.reparations.append("commune_par_code_postal")
            lecture.details.append(f"{code or '-'} → {commune.code}")
        if code_postal not in commune.codes_postaux and commune.codes_postaux:
            corrige = min(commune.codes_postaux)
            lecture.reparations.append("code_postal_corrige")
            lecture.details.append(f"{code_postal or '-'} → {corrige}")
            code_postal = corrige
        lecture.valeurs.update(
            code_postal=code_postal, code_commune=commune.code, nom_commune=commune.nom
        )

    def _people(self, lecture: Lecture, row: dict) -> None:
        valeurs = lecture.valeurs
        participants = _nombre(row, "nb_participants", None)
        if not participants:
            raise Refus("participants_invalides")
        valeurs["nb_participants"] = participants
        if valeurs["activite"] != "collectif" and participants != 1:
            lecture.remarques.append("participants_individuel")
        if participants > MAX_PARTICIPANTS:
            lecture.remarques.append("participants_plus_de_100")
        recurrents = _nombre(row, "nb_participants_recurrents")
        assert recurrents is not None
        if recurrents > participants:
            lecture.reparations.append("recurrents_plafonnes")
            lecture.details.append(f"récurrents {recurrents} → {participants}")
            recurrents = participants
        valeurs["nb_recurrents"] = recurrents
        for prefix, columns, remarque in (
            ("age", AGES_ARCHIVE, "ages_incoherents"),
            ("statut", STATUTS_ARCHIVE, "statuts_incoherents"),
        ):
            total = 0
            for key, name in columns.items():
                valeurs[f"{prefix}_{key}"] = count = _nombre(row, name)
                total += count or 0
            if total != participants:
                lecture.remarques.append(remarque)

    def _themes(self, lecture: Lecture, row: dict) -> None:
        themes = tableau(row["themes"])
        if not themes:
            raise Refus("themes_manquants")
        inconnus = [t for t in themes if t not in THEMES and t not in THEMES_ANCIENS]
        if inconnus:
            raise Refus("theme_inconnu", ", ".join(inconnus)[:60])
        if len(set(themes)) != len(themes):
            lecture.reparations.append("themes_dedoublonnes")
            themes = list(dict.fromkeys(themes))
        if any(t in THEMES_ANCIENS for t in themes):
            lecture.remarques.append("themes_anciens")
        sous_themes = {}
        retire = False
        for name, theme in SOUS_THEMES_ARCHIVE.items():
            precisions = tableau(row[name])
            allowed = SOUS_THEMES[theme] if theme in themes else {}
            kept = sorted({precision for precision in precisions if precision in allowed})
            retire = retire or len(kept) != len(precisions)
            if kept:
                sous_themes[theme] = kept
        if retire:
            lecture.reparations.append("sous_theme_retire")
        lecture.valeurs["themes"] = themes
        lecture.valeurs["sous_themes"] = dict(sorted(sous_themes.items()))

    def _annotation(self, lecture: Lecture, row: dict) -> None:
        annotation = (row["annotation"] or "").strip() or None
        if annotation is not None and len(annotation) < 3:
            lecture.reparations.append("annotation_retiree")
            annotation = None
        elif annotation is not None and len(annotation) > 35:
            lecture.reparations.append("annotation_tronquee")
            lecture.details.append(f"annotation de {len(annotation)} caractères")
            annotation = annotation[:35]
        lecture.valeurs["annotation"] = annotation

    def _duree(self, lecture: Lecture, row: dict) -> None:
        duree = row["duree"]
        minutes: int | None = None
        if duree not in ("0-30", "30-60"):
            try:
                minutes = int(duree or "")
            except ValueError:
                raise Refus("duree_invalide", str(duree)[:20]) from None
            if minutes <= 0:
                raise Refus("duree_invalide", str(minutes))
            lue = minutes
            if minutes < 60:
                duree, minutes = ("0-30" if minutes <= 30 else "30-60"), None
                lecture.reparations.append("duree_en_tranche")
            else:
                duree = "60+"
                if minutes > MAX_MINUTES:
                    minutes = MAX_MINUTES
                    lecture.reparations.append("duree_plafonnee")
                elif minutes % PAS_MINUTES:
                    minutes = (minutes + PAS_MINUTES // 2) // PAS_MINUTES * PAS_MINUTES
                    lecture.reparations.append("duree_arrondie")
            if minutes != lue:
                lecture.details.append(f"durée {lue} min → {minutes or duree}")
        lecture.valeurs["duree"], lecture.valeurs["duree_minutes"] = duree, minutes

    def _suivi(self, lecture: Lecture, row: dict) -> None:
        valeurs = lecture.valeurs
        suivi = {
            key: _nombre(row, f"accompagnement_{key}") or 0
            for key in ("individuel", "atelier", "redirection")
        }
        for key, count in suivi.items():
            valeurs[f"suivi_{key}"] = count
        if sum(suivi.values()) > valeurs["nb_participants"]:
            lecture.remarques.append("suivi_superieur")
        valeurs["organismes"] = organismes = self._organismes(lecture, row["organismes"])
        if sum(o["nombre"] for o in organismes) != suivi["redirection"]:
            lecture.remarques.append("organismes_incoherents")

    def _organismes(self, lecture: Lecture, text: str | None) -> list[dict]:
        if text is None:
            return []
        try:
            counts = json.loads(text)
        except ValueError:
            raise Refus("organismes_invalides", text[:40]) from None
        if not isinstance(counts, dict):
            raise Refus("organismes_invalides", text[:40])
        organismes = []
        for nom, nombre in counts.items():
            nom = str(nom).strip()
            if type(nombre) is not int or nombre < 0 or not 2 <= len(nom) <= 100:
                raise Refus("organismes_invalides", text[:40])
            if nombre == 0:
                if "organisme_vide_retire" not in lecture.reparations:
                    lecture.reparations.append("organisme_vide_retire")
                continue
            organismes.append({"nom": nom, "nombre": nombre})
        return sorted(organismes, key=lambda o: o["nom"])
