"""Lieux d'activité of a conseiller."""

from marshmallow import ValidationError, fields, validate, validates_schema

from server.models.cra import TYPES_ACCES
from server.schemas import BaseSchema
from server.schemas import fields as f


class LieuActiviteSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    # Chosen by the phone when it adds the lieu (offline too): adding it again is a replay.
    client_id = fields.UUID(load_default=None, allow_none=True)
    nom = f.String(
        required=True,
        validate=validate.Length(
            min=2, max=200, error="Le nom de l'enseigne doit faire entre 2 et 200 caractères."
        ),
    )
    adresse = f.String(load_default="", validate=validate.Length(max=250))
    code_postal = f.String(
        required=True,
        validate=validate.Regexp(r"^\d{5}$", error="Code postal invalide (5 chiffres)."),
    )
    code_commune = f.String(required=True)
    ville = fields.String(dump_only=True)
    telephone = f.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\+?[0-9 .]{10,20}$", error="Numéro de téléphone invalide."),
    )
    email = f.Email(
        load_default=None,
        allow_none=True,
        validate=validate.Length(
            max=254, error="Adresse e-mail trop longue (254 caractères au plus)."
        ),
    )
    site_web = f.String(
        load_default=None,
        allow_none=True,
        validate=[
            validate.Length(
                max=300, error="Adresse de site web trop longue (300 caractères au plus)."
            ),
            validate.URL(schemes={"http", "https"}, error="Adresse de site web invalide."),
        ],
    )
    siret = f.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{14}$", error="SIRET invalide (14 chiffres)."),
    )
    type_acces = fields.List(
        f.String(validate=validate.OneOf(list(TYPES_ACCES), error="Type d'accès inconnu.")),
        load_default=list,
    )
    horaires = f.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    itinerant = f.Boolean(load_default=False)
    principal = f.Boolean(load_default=False)

    @validates_schema
    def unique_access_types(self, data, **kwargs):
        """Each access type at most once."""
        types = data.get("type_acces") or []
        if len(set(types)) != len(types):
            raise ValidationError(
                "Chaque type d'accès ne peut être choisi qu'une fois.", "type_acces"
            )


class LieuActiviteListSchema(BaseSchema):
    items = fields.List(fields.Nested(LieuActiviteSchema))
