"""Partner API requests and answers, and the admin's form that creates a client."""

from marshmallow import ValidationError, fields, validate, validates_schema

from server.models.partenaire import DROITS, PERIMETRES
from server.schemas import BaseSchema
from server.schemas import fields as f
from server.schemas.statistiques import PeriodeSchema

LIMITE_MAX = 1000
# Which form field names the territory or structure of each kind of scope.
CHAMP_DU_PERIMETRE = {
    "region": "region_code",
    "departement": "departement_code",
    "structure": "structure_id",
}


class ClientApiFormSchema(BaseSchema):
    """The pilotage form that creates a client: a name, a scope, rights."""

    nom = f.String(
        required=True,
        validate=validate.Length(
            min=3, max=200, error="Le nom doit faire entre 3 et 200 caractères."
        ),
    )
    perimetre = f.String(
        required=True,
        validate=validate.OneOf(list(PERIMETRES), error="Périmètre inconnu."),
    )
    region_code = f.String(load_default=None, validate=validate.Length(max=3))
    departement_code = f.String(load_default=None, validate=validate.Length(max=3))
    structure_id = f.QueryId(load_default=None)
    droits = fields.List(
        f.String(validate=validate.OneOf(list(DROITS), error="Droit inconnu.")),
        required=True,
        validate=validate.Length(min=1, error="Cochez au moins un droit."),
    )

    @validates_schema
    def perimetre_nomme(self, data, **kwargs):
        """A territory or a structure is named for the scopes that need one."""
        champ = CHAMP_DU_PERIMETRE.get(data.get("perimetre", ""))
        if champ and data.get(champ) is None:
            raise ValidationError("Précisez le périmètre de ce client.", champ)


class ActivitesArgsSchema(PeriodeSchema):
    """A page of the anonymised activity: a period, the cursor of the previous page."""

    curseur = f.String(
        load_default=None,
        validate=validate.Length(max=500),
        metadata={"description": "Le `curseur_suivant` de la page précédente (opaque)."},
    )
    limite = f.Integer(
        strict=False,
        load_default=100,
        validate=validate.Range(
            min=1, max=LIMITE_MAX, error=f"La limite va de 1 à {LIMITE_MAX} lignes."
        ),
    )


class ActiviteSchema(BaseSchema):
    """One CRA without anything that names or singles out a person: no free text (annotation,
    organismes typed), no conseiller, no lieu, no id."""

    date = fields.Date()
    code_commune = fields.String(metadata={"description": "Code INSEE, tel que choisi"})
    code_postal = fields.String()
    canal = fields.String()
    activite = fields.String()
    nb_participants = fields.Integer()
    nb_recurrents = fields.Integer()
    ages = fields.Dict(keys=fields.String(), values=fields.Integer())
    statuts = fields.Dict(keys=fields.String(), values=fields.Integer())
    themes = fields.List(fields.String())
    sous_themes = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    duree = fields.String(metadata={"description": "0-30, 30-60 ou 60+"})
    duree_minutes = fields.Integer(allow_none=True)
    suivi = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "individuel, atelier, redirection"},
    )


class ActivitesSchema(BaseSchema):
    items = fields.List(fields.Nested(ActiviteSchema))
    curseur_suivant = fields.String(
        allow_none=True, metadata={"description": "Absent de la dernière page (null)."}
    )
