"""Shapes of the sync protocol for the API description (the rules live in sync/)."""

from marshmallow import fields, validate

from server.schemas import BaseSchema
from server.schemas.appareils import RapportAppareilSchema
from server.schemas.cras import CraSchema
from sync import protocol


class OperationSchema(BaseSchema):
    op_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.OneOf(protocol.TYPES))
    cra_id = fields.UUID(required=True)
    base = fields.UUID()
    cra = fields.Nested(
        CraSchema,
        metadata={
            "description": "Le contenu : un CRA, ou un CRA de coordination "
            "(objet cra_coordination)."
        },
    )
    client_time = fields.String()
    objet = fields.String(
        validate=validate.OneOf(protocol.OBJETS),
        metadata={"description": "cra (par défaut) ou cra_coordination."},
    )


class PushSchema(RapportAppareilSchema):
    """A batch, and what the device tells of itself (all optional but operations)."""

    operations = fields.List(
        fields.Nested(OperationSchema),
        required=True,
        validate=validate.Length(max=protocol.MAX_OPERATIONS),
    )
    appareil = fields.String(
        metadata={
            "description": "Libellé de l'appareil (« Android · Chrome », 80 caractères au plus), "
            "gardé avec chaque opération pour l'historique du CRA et comme nom de l'appareil."
        }
    )


class ResultSchema(BaseSchema):
    op_id = fields.String(
        allow_none=True,
        metadata={"description": "null quand l'opération n'en avait pas de valide."},
    )
    status = fields.String(
        validate=validate.OneOf(
            [protocol.APPLIED, protocol.DUPLICATE, protocol.CONFLICT, protocol.REJECTED]
        )
    )
    cra = fields.Nested(CraSchema)
    message = fields.String()
    errors = fields.Dict()


class PushResultSchema(BaseSchema):
    results = fields.List(fields.Nested(ResultSchema))


class PullArgsSchema(BaseSchema):
    # Any text: what is not a cursor of this server is a 400 from sync/ (PROTOCOL.md).
    cursor = fields.String(load_default=None)
    limit = fields.Integer(
        load_default=protocol.DEFAULT_PULL_LIMIT,
        error_messages={"invalid": "Nombre entier attendu."},
        validate=validate.Range(min=1, max=protocol.MAX_PULL_LIMIT, error="Entre 1 et 1000."),
    )


class PullSchema(BaseSchema):
    changes = fields.List(
        fields.Dict(),
        metadata={
            "description": "Copies du serveur : CRA (schéma Cra), ou CRA de coordination "
            "(objet cra_coordination, schéma CraCoordination)."
        },
    )
    cursor = fields.String()
    more = fields.Boolean()
