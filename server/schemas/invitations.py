"""Invitations: an account created without password and its one-time link."""

from marshmallow import ValidationError, fields, validate, validates_schema

from server.models import Role
from server.schemas import BaseSchema
from server.schemas import fields as f
from server.schemas.auth import TokensSchema, UserSchema

ROLES = [role.value for role in Role]


class InvitationCreateSchema(BaseSchema):
    email = f.Email(required=True, validate=validate.Length(max=254))
    role = f.String(
        required=True,
        validate=validate.OneOf(
            ROLES, error="Rôle inconnu : choisissez parmi " + ", ".join(ROLES) + "."
        ),
    )
    conseiller_id = f.Id(load_default=None)
    structure_id = f.Id(load_default=None)
    departement_code = f.String(load_default=None)
    region_code = f.String(load_default=None)

    @validates_schema
    def links_match_role(self, data, **kwargs):
        """Each role is linked to exactly what it needs."""
        role = data.get("role")
        needs = {
            "conseiller": "conseiller_id",
            "coordinateur": "conseiller_id",
            "structure": "structure_id",
        }.get(role)
        if needs and data.get(needs) is None:
            raise ValidationError("Ce champ est obligatoire pour ce rôle.", needs)
        if role == "prefet" and (data.get("departement_code") is None) == (
            data.get("region_code") is None
        ):
            raise ValidationError(
                "Indiquez soit un département, soit une région.", "departement_code"
            )


class InvitationSchema(BaseSchema):
    user = fields.Nested(UserSchema)
    email_sent = fields.Boolean()
    link = fields.String(allow_none=True)
    expires_at = fields.DateTime()


class InvitationInfoSchema(BaseSchema):
    email = fields.String()


class InvitationAcceptSchema(BaseSchema):
    password = f.String(required=True, load_only=True)


__all__ = [
    "InvitationAcceptSchema",
    "InvitationCreateSchema",
    "InvitationInfoSchema",
    "InvitationSchema",
    "TokensSchema",
]
