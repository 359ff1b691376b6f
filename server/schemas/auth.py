"""Login, tokens and the current user."""

from marshmallow import fields

from server.schemas import BaseSchema
from server.schemas import fields as f


class LoginSchema(BaseSchema):
    email = f.String(required=True)
    password = f.String(required=True, load_only=True)


class LogoutSchema(BaseSchema):
    refresh_token = f.String(load_default=None)


class UserSchema(BaseSchema):
    id = fields.Integer()
    email = fields.String()
    role = fields.Function(lambda user: user.role.value)
    prenom = fields.Function(lambda user: user.conseiller.prenom if user.conseiller else None)
    nom = fields.Function(lambda user: user.conseiller.nom if user.conseiller else None)
    conseiller_id = fields.Integer()
    structure_id = fields.Integer()
    structure = fields.Method(
        "structure_nom",
        metadata={"description": "Le nom de la structure employeuse, ou de la structure du compte"},
    )
    departement_code = fields.String()
    region_code = fields.String()

    def structure_nom(self, user) -> str | None:
        structure = user.conseiller.structure if user.conseiller else user.structure
        return structure.nom if structure else None


class TokensSchema(BaseSchema):
    access_token = fields.String()
    refresh_token = fields.String()
    user = fields.Nested(UserSchema)


class AccessTokenSchema(BaseSchema):
    access_token = fields.String()
