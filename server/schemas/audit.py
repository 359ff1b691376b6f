"""The journal of sensitive actions."""

from marshmallow import fields, validate

from server.models.audit import ACTIONS
from server.schemas import BaseSchema
from server.schemas import fields as f


class JournalArgsSchema(BaseSchema):
    """The journal's filter and page."""

    action = f.String(
        load_default=None,
        validate=validate.OneOf(list(ACTIONS), error="Action inconnue."),
    )
    page = f.Integer(
        strict=False,
        load_default=1,
        validate=validate.Range(min=1, max=100_000, error="Page invalide."),
    )


class AuditSchema(BaseSchema):
    """One entry of the journal."""

    at = fields.DateTime(metadata={"description": "Heure du serveur (UTC)."})
    action = fields.String(metadata={"description": "Clé de l'action."})
    libelle = fields.Function(lambda entry: ACTIONS.get(entry.action, entry.action))
    acteur = fields.String(
        allow_none=True, metadata={"description": "E-mail de l'auteur ; null : ligne de commande."}
    )
    cible = fields.String(metadata={"description": "Ce sur quoi l'action a porté."})
    adresse = fields.String(allow_none=True, metadata={"description": "Adresse du client."})


class AuditPageSchema(BaseSchema):
    items = fields.List(fields.Nested(AuditSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
