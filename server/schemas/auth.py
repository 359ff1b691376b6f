"""Login, tokens and the current user."""

from marshmallow import fields, validate

from server.schemas import BaseSchema
from server.schemas import fields as f


class LoginSchema(BaseSchema):
    email = f.String(required=True)
    password = f.String(required=True, load_only=True)


class UnlockSchema(BaseSchema):
    email = f.String(required=True, validate=validate.Length(max=254))


class UnlockedSchema(BaseSchema):
    adresses = fields.Integer(
        metadata={"description": "Adresses de connexion dont les échecs ont été effacés."}
    )


class LogoutSchema(BaseSchema):
    refresh_token = f.String(load_default=None)


class UserSchema(BaseSchema):
    id = fields.Integer()
    email = fields.String(
        metadata={
            "description": "Absente sauf pour le titulaire du compte, sa structure employeuse "
            "et l'équipe nationale."
        }
    )
    role = fields.Function(lambda user: user.role.value)
    prenom = fields.Function(
        lambda user: user.conseiller.prenom if user.conseiller else None, allow_none=True
    )
    nom = fields.Function(
        lambda user: user.conseiller.nom if user.conseiller else None, allow_none=True
    )
    conseiller_id = fields.Integer(allow_none=True)
    structure_id = fields.Integer(allow_none=True)
    structure = fields.Method(
        "structure_nom",
        allow_none=True,
        metadata={"description": "Le nom de la structure employeuse, ou de la structure du compte"},
    )
    departement_code = fields.String(allow_none=True)
    region_code = fields.String(allow_none=True)

    def structure_nom(self, user) -> str | None:
        structure = user.conseiller.structure if user.conseiller else user.structure
        return structure.nom if structure else None


class TokensSchema(BaseSchema):
    access_token = fields.String()
    refresh_token = fields.String()
    user = fields.Nested(UserSchema)


class AccessTokenSchema(BaseSchema):
    access_token = fields.String()
