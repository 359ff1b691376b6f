"""Conseillers as their structure, coordinator, prefet or the agency sees them."""

from marshmallow import fields

from server.schemas import BaseSchema
from server.schemas import fields as f

PERSONNEL = (
    "Donnée personnelle : absente sauf pour le conseiller, sa structure employeuse et l'équipe "
    "nationale."
)


class ConseillerSchema(BaseSchema):
    """A conseiller; the personal fields are left out for viewers the field policy
    (server/services/confidentialite.py) does not show them to."""

    id = fields.Integer()
    prenom = fields.String()
    nom = fields.String()
    email_pro = fields.String(allow_none=True)
    email_perso = fields.String(allow_none=True, metadata={"description": PERSONNEL})
    telephone_pro = fields.String(allow_none=True)
    telephone_perso = fields.String(allow_none=True, metadata={"description": PERSONNEL})
    sexe = fields.String(allow_none=True)
    date_naissance = fields.Date(allow_none=True, metadata={"description": PERSONNEL})
    structure_id = fields.Integer(allow_none=True)
    date_recrutement = fields.Date(allow_none=True)
    date_fin_formation = fields.Date(allow_none=True)
    certifie = fields.Boolean()
    active = fields.Boolean(attribute="active")
    coordinateur = fields.Boolean(attribute="coordinateur")


class ConseillerListSchema(BaseSchema):
    total = fields.Integer()
    items = fields.List(fields.Nested(ConseillerSchema))


class ConseillerQueryArgsSchema(BaseSchema):
    structure_id = f.QueryId(load_default=None)
