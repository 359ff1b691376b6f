"""Communes, départements and régions as the CRA form uses them."""

from marshmallow import fields, validate

from server.schemas import BaseSchema
from server.schemas import fields as f


class RegionSchema(BaseSchema):
    code = fields.String()
    nom = fields.String()


class DepartementSchema(BaseSchema):
    code = fields.String()
    nom = fields.String()
    region = fields.Nested(RegionSchema)


class CommuneSchema(BaseSchema):
    code = fields.String()
    nom = fields.String()
    # commune-actuelle, arrondissement-municipal, commune-deleguee or commune-associee; the
    # others name the commune actuelle they are part of.
    type = fields.String()
    rattachement_code = fields.String(allow_none=True)
    codes_postaux = fields.Function(lambda c: [cp.code_postal for cp in c.codes_postaux])
    departement = fields.Nested(DepartementSchema)


class CommuneChoiceSchema(BaseSchema):
    """One line of the commune picker: a commune with one of its postal codes."""

    code = fields.String()
    nom = fields.String()
    code_postal = fields.String()
    departement_code = fields.String()


class CommuneSearchArgsSchema(BaseSchema):
    q = f.String(
        required=True,
        validate=validate.Length(min=2, max=80, error="Saisissez entre 2 et 80 caractères."),
    )
