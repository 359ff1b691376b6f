"""The maintenance switch."""

from marshmallow import fields, validate, validates_schema

from server.models.maintenance import DEFAULT_RETRY_AFTER, MAX_RETRY_AFTER
from server.schemas import BaseSchema
from server.schemas import fields as f


class MaintenanceSchema(BaseSchema):
    active = fields.Boolean(metadata={"description": "Les écritures sont refusées (503)."})
    message = fields.String(metadata={"description": "Message montré aux utilisateurs."})
    retry_after = fields.Integer(
        metadata={"description": "Secondes avant un nouvel essai (en-tête Retry-After)."}
    )
    changed_at = fields.DateTime(allow_none=True)


class MaintenanceChangeSchema(BaseSchema):
    active = f.Boolean(required=True)
    message = f.String(load_default="", validate=validate.Length(max=500))
    retry_after = f.Integer(
        load_default=DEFAULT_RETRY_AFTER,
        validate=validate.Range(
            min=1,
            max=MAX_RETRY_AFTER,
            error=f"Entre 1 et {MAX_RETRY_AFTER} secondes.",
        ),
    )

    @validates_schema
    def message_when_on(self, data, **kwargs):
        """Users are told why: a maintenance comes with its message."""
        if data["active"] and not data["message"].strip():
            raise validate.ValidationError(
                "Indiquez le message montré pendant la maintenance.", "message"
            )
