"""Employer structures."""

from marshmallow import fields

from server.schemas import BaseSchema


class StructureSchema(BaseSchema):
    id = fields.Integer()
    nom = fields.String()
    siret = fields.String()
    adresse = fields.String()
    code_postal = fields.String()
    code_commune = fields.String()
    nom_commune = fields.Function(lambda s: s.commune.nom)
    departement_code = fields.String()
    region_code = fields.String()
    dotation = fields.Integer()


class StructureListSchema(BaseSchema):
    total = fields.Integer()
    items = fields.List(fields.Nested(StructureSchema))
