"""Marshmallow schemas, one module per resource (same names as server/api/)."""

from marshmallow import Schema


class BaseSchema(Schema):
    """Common settings: unknown fields are refused, messages are in French."""

    error_messages = {
        "unknown": "Champ inconnu.",
        "type": "Données invalides : un objet JSON est attendu.",
    }

    class Meta:
        ordered = True
