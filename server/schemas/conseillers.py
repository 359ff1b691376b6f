"""Conseillers as their structure, coordinator, prefet or the agency sees them."""

from marshmallow import fields

from server.schemas import BaseSchema
from server.schemas import fields as f


class ConseillerSchema(BaseSchema):
    id = fields.Integer()
    prenom = fields.String()
    nom = fields.String()
    email_pro = fields.String()
    email_perso = fields.String()
    telephone_pro = fields.String()
    telephone_perso = fields.String()
    sexe = fields.String()
    date_naissance = fields.Date()
    structure_id = fields.Integer()
    date_recrutement = fields.Date()
    date_fin_formation = fields.Date()
    certifie = fields.Boolean()
    active = fields.Boolean(attribute="active")
    coordinateur = fields.Boolean(attribute="coordinateur")


class ConseillerListSchema(BaseSchema):
    total = fields.Integer()
    items = fields.List(fields.Nested(ConseillerSchema))


class ConseillerQueryArgsSchema(BaseSchema):
    structure_id = f.QueryId(load_default=None)
