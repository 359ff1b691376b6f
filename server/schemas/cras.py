"""The one schema of a CRA: every field and cross-field rule of the form, in French.

Loading gives the model's column values (flat); dumping a Cra row gives the wire shape the app
and PROTOCOL.md use (nested age, statut, suivi).
"""

from datetime import date

from marshmallow import ValidationError, fields, post_load, pre_dump, validate, validates_schema

from server.models.cra import ACTIVITES, AGES, CANAUX, DUREES, SOUS_THEMES, STATUTS, SUIVIS, THEMES
from server.schemas import BaseSchema, dumper
from server.schemas import fields as f

FIRST_DAY = date(2020, 1, 1)
MAX_PARTICIPANTS = 100


def _one_of(choices, what):
    return validate.OneOf(list(choices), error=f"{what} inconnu(e) : choisissez dans la liste.")


def _count(maximum=MAX_PARTICIPANTS):
    return f.Integer(
        load_default=0,
        validate=validate.Range(
            min=0, max=maximum, error=f"Saisissez un nombre entre 0 et {maximum}."
        ),
    )


class AgeSchema(BaseSchema):
    moins12ans, de12a18ans, de18a35ans = _count(), _count(), _count()
    de35a60ans, plus60ans = _count(), _count()


class StatutSchema(BaseSchema):
    etudiant, sansEmploi, enEmploi, retraite, heterogene = (_count() for _ in range(5))


class SuiviSchema(BaseSchema):
    individuel, atelier, redirection = _count(), _count(), _count()


class OrganismeSchema(BaseSchema):
    nom = f.String(
        required=True,
        validate=validate.Length(
            min=2, max=100, error="Nom d'organisme : entre 2 et 100 caractères."
        ),
    )
    nombre = f.Integer(
        required=True,
        validate=validate.Range(
            min=1, max=MAX_PARTICIPANTS, error="Saisissez un nombre entre 1 et 100."
        ),
    )


class CraSchema(BaseSchema):
    """A CRA as the form sends it; context: the conseiller's lieux and their today."""

    date = f.Date(required=True)
    canal = f.String(required=True, validate=_one_of(CANAUX, "Lieu"))
    lieu_activite_id = f.Integer(load_default=None, allow_none=True)
    code_postal = f.String(load_default=None, allow_none=True)
    code_commune = f.String(load_default=None, allow_none=True)
    nom_commune = f.String(load_default=None, allow_none=True)
    activite = f.String(required=True, validate=_one_of(ACTIVITES, "Type d'activité"))
    nb_participants = f.Integer(
        required=True,
        validate=validate.Range(
            min=1, max=MAX_PARTICIPANTS, error="Saisissez un nombre de participants entre 1 et 100."
        ),
    )
    nb_recurrents = _count()
    age = fields.Nested(AgeSchema, load_default=dict)
    statut = fields.Nested(StatutSchema, load_default=dict)
    themes = fields.List(
        f.String(validate=_one_of(THEMES, "Thème")),
        required=True,
        error_messages={"required": "Choisissez au moins un thème."},
    )
    sous_themes = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()), load_default=dict
    )
    annotation = f.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(
            min=3, max=35, error="L'annotation doit faire entre 3 et 35 caractères."
        ),
    )
    duree = f.String(required=True, validate=_one_of(DUREES, "Durée"))
    duree_minutes = f.Integer(load_default=None, allow_none=True)
    suivi = fields.Nested(SuiviSchema, load_default=dict)
    organismes = fields.List(fields.Nested(OrganismeSchema), load_default=list)
    # Stamps, sent back to the app, never read from it.
    id = fields.String(dump_only=True)
    head = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    deleted = fields.Boolean(dump_only=True)
    received_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    def __init__(self, *args, lieux=None, today=None, communes=None, **kwargs):
        """lieux: the conseiller's, by id; today: their day; communes(code): the known commune
        with its postal codes or None (services/territoires.commune_connue, given by the
        services, which sit above the schemas)."""
        super().__init__(*args, **kwargs)
        self.lieux = lieux or {}
        self.today = today or date.today()
        self.communes = communes

    @validates_schema(skip_on_field_errors=False)
    def coherent(self, data, **kwargs):
        """Cross-field rules: every problem reported under the field it concerns."""
        errors: dict[str, list[str]] = {}
        self._check_date(data, errors)
        self._check_place(data, errors)
        self._check_people(data, errors)
        self._check_themes(data, errors)
        self._check_duree(data, errors)
        self._check_suivi(data, errors)
        if errors:
            raise ValidationError(errors)

    def _check_date(self, data, errors):
        day = data.get("date")
        if day is not None and day < FIRST_DAY:
            errors["date"] = ["La date ne peut pas être antérieure au 01/01/2020."]
        elif day is not None and day > self.today:
            errors["date"] = ["La date ne peut pas être dans le futur."]

    def _check_place(self, data, errors):
        canal, lieu_id = data.get("canal"), data.get("lieu_activite_id")
        lieu = self.lieux.get(lieu_id) if lieu_id is not None else None
        if lieu_id is not None and lieu is None:
            errors["lieu_activite_id"] = ["Ce lieu d'activité ne fait pas partie des vôtres."]
            return
        if canal == "rattachement" and lieu is None:
            errors["lieu_activite_id"] = ["Choisissez votre lieu d'activité."]
            return
        if lieu is not None and (canal == "rattachement" or not data.get("code_commune")):
            data["code_postal"], data["code_commune"] = lieu.code_postal, lieu.code_commune
        if not data.get("code_commune") or not data.get("code_postal"):
            if canal is not None:
                errors["code_commune"] = ["Choisissez la commune dans la liste proposée."]
            return
        if self.communes is None:
            raise TypeError("CraSchema(communes=…) is needed to load a CRA")
        commune = self.communes(data["code_commune"])
        if commune is None:
            errors["code_commune"] = ["Commune inconnue : choisissez-la dans la liste proposée."]
        elif data["code_postal"] not in commune.codes_postaux:
            errors["code_postal"] = [
                f"Le code postal {data['code_postal'][:5]} ne correspond "
                f"pas à la commune {commune.nom}."
            ]
        else:
            data["code_commune"], data["nom_commune"] = commune.code, commune.nom

    def _check_people(self, data, errors):
        participants, activite = data.get("nb_participants"), data.get("activite")
        if participants is None:
            return
        if activite in ("individuel", "ponctuel") and participants != 1:
            errors["nb_participants"] = [
                "Un accompagnement individuel ou une demande ponctuelle concerne 1 personne."
            ]
            return
        if data.get("nb_recurrents", 0) > participants:
            errors["nb_recurrents"] = [
                "Le nombre de personnes déjà accompagnées ne peut pas "
                "dépasser le nombre de participants."
            ]
        for key, label in (("age", "tranches d'âge"), ("statut", "statuts")):
            total = sum((data.get(key) or {}).values())
            if isinstance(data.get(key), dict) and total != participants:
                errors[key] = [
                    f"La somme des {label} ({total}) doit être égale au nombre de "
                    f"participants ({participants})."
                ]

    def _check_themes(self, data, errors):
        themes = data.get("themes")
        if themes is None:
            return
        if not themes:
            errors["themes"] = ["Choisissez au moins un thème."]
        elif len(set(themes)) != len(themes):
            errors["themes"] = ["Chaque thème ne peut être choisi qu'une fois."]
        for theme, precisions in (data.get("sous_themes") or {}).items():
            allowed = SOUS_THEMES.get(theme, {})
            if (
                theme not in themes
                or any(p not in allowed for p in precisions)
                or len(set(precisions)) != len(precisions)
            ):
                errors["sous_themes"] = ["Précision inconnue ou sans son thème coché."]

    def _check_duree(self, data, errors):
        duree, minutes = data.get("duree"), data.get("duree_minutes")
        if duree == "60+":
            if minutes is None or not 60 <= minutes <= 480 or minutes % 15:
                errors["duree_minutes"] = [
                    "Indiquez une durée entre 1h00 et 8h00, par pas de 15 minutes."
                ]
        elif minutes is not None:
            errors["duree_minutes"] = ["La durée exacte ne s'indique que pour 1h ou plus."]

    def _check_suivi(self, data, errors):
        suivi, participants = data.get("suivi"), data.get("nb_participants")
        if not isinstance(suivi, dict) or participants is None:
            return
        if sum(suivi.values()) > participants:
            errors["suivi"] = [
                "Le nombre d'accompagnements poursuivis ne peut pas dépasser "
                "le nombre de participants."
            ]
        organismes = data.get("organismes") or []
        names = [o["nom"] for o in organismes if isinstance(o, dict) and "nom" in o]
        if len(set(names)) != len(names):
            errors["organismes"] = ["Chaque organisme ne peut être indiqué qu'une fois."]
        elif sum(o.get("nombre", 0) for o in organismes) != suivi.get("redirection", 0):
            errors["organismes"] = [
                "La somme des personnes réorientées par organisme doit être "
                "égale au nombre de redirections."
            ]

    @post_load
    def flatten(self, data, **kwargs):
        """The model's columns: age_*, statut_*, suivi_* flattened; canonical order."""
        flat = {k: v for k, v in data.items() if k not in ("age", "statut", "suivi")}
        for key, group in (("age", AGES), ("statut", STATUTS), ("suivi", SUIVIS)):
            for name in group:
                flat[f"{key}_{name}"] = data[key].get(name, 0)
        flat["annotation"] = (data.get("annotation") or "").strip() or None
        flat["sous_themes"] = {t: sorted(p) for t, p in sorted(data["sous_themes"].items())}
        flat["organismes"] = sorted(data["organismes"], key=lambda o: o["nom"])
        return flat

    @pre_dump
    def nest(self, cra, **kwargs):
        """A Cra row as the app sees it."""
        wire = {
            name: getattr(cra, name)
            for name in (
                "date",
                "canal",
                "lieu_activite_id",
                "code_postal",
                "code_commune",
                "nom_commune",
                "activite",
                "nb_participants",
                "nb_recurrents",
                "themes",
                "sous_themes",
                "annotation",
                "duree",
                "duree_minutes",
                "organismes",
                "head",
                "version",
                "received_at",
                "updated_at",
            )
        }
        for key, group in (("age", AGES), ("statut", STATUTS), ("suivi", SUIVIS)):
            wire[key] = {name: getattr(cra, f"{key}_{name}") for name in group}
        wire["id"] = str(cra.id)
        wire["head"] = str(cra.head)
        wire["deleted"] = cra.deleted_at is not None
        return wire


_COPIES = CraSchema()
_copy = dumper(_COPIES)


def cra_copy(cra) -> dict:
    """`CraSchema().dump(cra)` (the copy the sync protocol returns), compiled by dumper()."""
    return _copy(_COPIES.nest(cra))


class CraQueryArgsSchema(BaseSchema):
    """Filters and sort of the history ("Historique des accompagnements")."""

    page = fields.Integer(
        load_default=1,
        error_messages={"invalid": "Page invalide."},
        validate=validate.Range(min=1, max=100_000, error="Page invalide."),
    )
    tri = f.String(
        load_default="date",
        validate=validate.OneOf(
            ["date", "modification"], error="Tri inconnu : date ou modification."
        ),
    )
    theme = f.String(load_default=None, validate=_one_of(THEMES, "Thème"))
    canal = f.String(load_default=None, validate=_one_of(CANAUX, "Lieu"))
    activite = f.String(load_default=None, validate=_one_of(ACTIVITES, "Type d'activité"))
    du = f.Date(load_default=None)
    au = f.Date(load_default=None)
    code_postal = f.String(load_default=None, validate=validate.Length(max=5))
    code_commune = f.String(load_default=None, validate=validate.Length(max=5))


class CraPageSchema(BaseSchema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(CraSchema))


class CraOperationSchema(BaseSchema):
    """One entry of a CRA's history: an operation its owner sent, and what the server did."""

    op_id = fields.String()
    type = fields.String(metadata={"description": "create, update ou delete."})
    statut = fields.String(metadata={"description": "applied, rejected ou conflict."})
    date = fields.DateTime(metadata={"description": "Heure du serveur (UTC)."})
    champs = fields.List(
        fields.String(),
        allow_none=True,
        metadata={"description": "Champs changés par une modification appliquée."},
    )
    appareil = fields.String(
        allow_none=True, metadata={"description": "Appareil qui l'a envoyée, s'il l'a dit."}
    )
    message = fields.String(metadata={"description": "Message du refus ou du conflit."})
    errors = fields.Dict(metadata={"description": "Messages par champ d'un refus."})


class CraHistoriqueSchema(BaseSchema):
    items = fields.List(fields.Nested(CraOperationSchema))
