"""The one schema of a coordinators' CRA: every field and rule, in French."""

from datetime import date

from marshmallow import (
    ValidationError,
    fields,
    post_load,
    pre_dump,
    validate,
    validates,
    validates_schema,
)

from server.models.coordination import (
    ACTIONS,
    NATURES_PARTENARIAT,
    ORGANISATEURS,
    PROBLEMATIQUES,
    TYPES_ACCOMPAGNEMENT,
    TYPES_EVENEMENT,
    TYPES_STRUCTURE,
)
from server.schemas import BaseSchema, dumper
from server.schemas import fields as f
from server.schemas.cras import FIRST_DAY

MAX_ITEMS = 50
MAX_HEURES = 60


def _name(what: str):
    return f.String(
        required=True,
        validate=validate.Length(min=2, max=200, error=f"{what} : entre 2 et 200 caractères."),
    )


def _choice(choices: dict, what: str, **kwargs):
    return f.String(
        validate=validate.OneOf(
            list(choices), error=f"{what} inconnu(e) : choisissez dans la liste."
        ),
        **kwargs,
    )


def _choices(choices: dict, what: str):
    """A non-empty list of distinct keys of `choices`."""

    def distinct(values):
        if len(set(values)) != len(values):
            raise ValidationError("Chaque choix ne peut être coché qu'une fois.")

    return fields.List(
        _choice(choices, what),
        required=True,
        validate=[validate.Length(min=1, error="Cochez au moins un choix."), distinct],
        error_messages={"required": "Cochez au moins un choix."},
    )


class EvenementSchema(BaseSchema):
    nom = _name("Nom de l'événement")
    organisateurs = _choices(ORGANISATEURS, "Organisateur")
    type = _choice(TYPES_EVENEMENT, "Type d'événement", required=True)
    date = f.Date(required=True)


class PartenariatSchema(BaseSchema):
    nom = _name("Nom du partenaire")
    type_structure = _choice(TYPES_STRUCTURE, "Type de structure", required=True)
    natures = _choices(NATURES_PARTENARIAT, "Nature du partenariat")


class AccompagnementSchema(BaseSchema):
    """Of a structure (its type and name) or of a mediator (their name, their structure's
    type and name); the problems addressed and the actions taken."""

    type = _choice(TYPES_ACCOMPAGNEMENT, "Type d'accompagnement", required=True)
    nom_mediateur = f.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(
            min=2, max=200, error=("Nom du médiateur : entre 2 et 200 caractères.")
        ),
    )
    type_structure = _choice(TYPES_STRUCTURE, "Type de structure", required=True)
    nom_structure = _name("Nom de la structure")
    problematiques = _choices(PROBLEMATIQUES, "Problématique")
    actions = _choices(ACTIONS, "Action")

    @validates_schema
    def mediateur_named(self, data, **kwargs):
        """A mediator is named; a structure's accompaniment names no mediator."""
        if data.get("type") == "mediateur" and not data.get("nom_mediateur"):
            raise ValidationError(
                "Indiquez le nom du médiateur ou de la médiatrice.", "nom_mediateur"
            )
        if data.get("type") == "structure":
            data["nom_mediateur"] = None


class CraCoordinationSchema(BaseSchema):
    """A coordinators' CRA as the form sends it; context: the coordinator's today."""

    date = f.Date(required=True)
    evenements = fields.List(
        fields.Nested(EvenementSchema), required=True, validate=validate.Length(max=MAX_ITEMS)
    )
    partenariats = fields.List(
        fields.Nested(PartenariatSchema), required=True, validate=validate.Length(max=MAX_ITEMS)
    )
    accompagnements = fields.List(
        fields.Nested(AccompagnementSchema), required=True, validate=validate.Length(max=MAX_ITEMS)
    )
    communication_heures = fields.Float(
        required=True,
        allow_nan=False,
        error_messages={"invalid": "Nombre attendu.", "required": "Ce champ est obligatoire."},
    )
    # Stamps, sent back to the app, never read from it.
    id = fields.String(dump_only=True)
    objet = fields.String(dump_only=True)
    head = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    deleted = fields.Boolean(dump_only=True)
    received_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or date.today()

    @validates("date")
    def in_range(self, value, **kwargs):
        """Between 01/01/2020 and today in the coordinator's time zone."""
        if value < FIRST_DAY:
            raise ValidationError("La date ne peut pas être antérieure au 01/01/2020.")
        if value > self.today:
            raise ValidationError("La date ne peut pas être dans le futur.")

    @validates_schema(skip_on_field_errors=False)
    def events_past(self, data, **kwargs):
        """An event organised or attended: between 01/01/2020 and today."""
        errors = {
            index: {
                "date": [
                    "La date de l'événement doit être comprise entre le 01/01/2020 et aujourd'hui."
                ]
            }
            for index, evenement in enumerate(data.get("evenements") or [])
            if evenement.get("date") and not FIRST_DAY <= evenement["date"] <= self.today
        }
        if errors:
            raise ValidationError({"evenements": errors})

    @validates("communication_heures")
    def hours(self, value, **kwargs):
        """Average hours a week, by half hours."""
        if not 0 <= value <= MAX_HEURES or (value * 2) % 1:
            raise ValidationError(
                f"Indiquez un nombre d'heures par semaine entre 0 et {MAX_HEURES}, par demi-heure."
            )

    @post_load
    def canonical(self, data, **kwargs):
        """Dates of events as ISO text (JSON columns), choices in a stable order."""
        for evenement in data["evenements"]:
            evenement["date"] = evenement["date"].isoformat()
            evenement["organisateurs"] = sorted(evenement["organisateurs"])
        for partenariat in data["partenariats"]:
            partenariat["natures"] = sorted(partenariat["natures"])
        for accompagnement in data["accompagnements"]:
            accompagnement["problematiques"] = sorted(accompagnement["problematiques"])
            accompagnement["actions"] = sorted(accompagnement["actions"])
        data["communication_heures"] = float(data["communication_heures"])
        return data

    @pre_dump
    def wire(self, row, **kwargs):
        """A stored report as the app sees it."""
        # Event dates are stored as ISO text (JSON); the nested schema dumps dates.
        evenements = [{**e, "date": date.fromisoformat(e["date"])} for e in row.evenements]
        return {
            "id": str(row.id),
            "objet": "cra_coordination",
            "date": row.date,
            "evenements": evenements,
            "partenariats": row.partenariats,
            "accompagnements": row.accompagnements,
            "communication_heures": row.communication_heures,
            "head": str(row.head),
            "version": row.version,
            "deleted": row.deleted_at is not None,
            "received_at": row.received_at,
            "updated_at": row.updated_at,
        }


_COPIES = CraCoordinationSchema()
_copy = dumper(_COPIES)


def coordination_copy(row) -> dict:
    """`CraCoordinationSchema().dump(row)` (the copy the sync protocol returns), compiled."""
    return _copy(_COPIES.wire(row))


class CraCoordinationPageSchema(BaseSchema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(CraCoordinationSchema))


class PageArgsSchema(BaseSchema):
    page = fields.Integer(
        load_default=1,
        error_messages={"invalid": "Page invalide."},
        validate=validate.Range(min=1, max=100_000, error="Page invalide."),
    )


class CompteSchema(BaseSchema):
    cle = fields.String()
    libelle = fields.String()
    nombre = fields.Integer()


class ComptesNationauxSchema(BaseSchema):
    du = fields.Date()
    au = fields.Date()
    cras = fields.Integer(metadata={"description": "CRA de coordination de la période"})
    coordinateurs = fields.Integer(metadata={"description": "Coordinateurs ayant saisi"})
    evenements = fields.Integer()
    evenements_par_type = fields.List(fields.Nested(CompteSchema))
    partenariats = fields.Integer()
    partenariats_par_nature = fields.List(fields.Nested(CompteSchema))
    structures_accompagnees = fields.Integer()
    mediateurs_accompagnes = fields.Integer()
    communication_heures_moyenne = fields.Float(
        metadata={"description": "Moyenne des heures hebdomadaires déclarées"}
    )
