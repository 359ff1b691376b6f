"""Login, token refresh, logout and the current user."""

from flask import Blueprint, request
from flask_jwt_extended import current_user, get_jwt, jwt_required

from server.api.http import json_body, open_during_maintenance, roles_required
from server.api.openapi import documented
from server.schemas.auth import (
    AccessTokenSchema,
    LoginSchema,
    LogoutSchema,
    TokensSchema,
    UnlockedSchema,
    UnlockSchema,
    UserSchema,
)
from server.services import accounts, connexions

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.post("/login")
@open_during_maintenance
@documented(body=LoginSchema, response=TokensSchema, errors=(401, 429))
def login():
    """Exchange e-mail and password for an access and a refresh token."""
    data = json_body(LoginSchema())
    return TokensSchema().dump(accounts.login(data["email"], data["password"], request.remote_addr))


@bp.post("/refresh")
@open_during_maintenance
@documented(response=AccessTokenSchema, token="refresh")
@jwt_required(refresh=True)
def refresh():
    """A new access token from a valid refresh token."""
    return AccessTokenSchema().dump(accounts.refresh(current_user, get_jwt().get("sid")))


@bp.post("/logout")
@open_during_maintenance
@documented(
    body=LogoutSchema,
    token="access",
    response={"type": "object", "properties": {"message": {"type": "string"}}},
)
@jwt_required()
def logout():
    """Revoke the access token used and the refresh token given in the body."""
    data = json_body(LogoutSchema())
    accounts.logout(get_jwt(), data["refresh_token"])
    return {"message": "Vous êtes déconnecté."}


@bp.get("/me")
@documented(response=UserSchema, token="access")
@jwt_required()
def me():
    """The logged-in user."""
    return UserSchema().dump(current_user)


@bp.post("/deverrouillage")
@documented(body=UnlockSchema, response=UnlockedSchema)
@roles_required("admin")
def unlock():
    """Lift every login lock of an e-mail (admin), whatever address it was locked from."""
    data = json_body(UnlockSchema())
    return UnlockedSchema().dump({"adresses": connexions.unlock(data["email"])})
