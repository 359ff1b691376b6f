"""Invitations: create an account and its one-time link; choose the password."""

from flask import Blueprint
from flask_jwt_extended import current_user

from server.api.http import json_body, roles_required
from server.api.openapi import documented
from server.models import Role
from server.schemas.invitations import (
    InvitationAcceptSchema,
    InvitationCreateSchema,
    InvitationInfoSchema,
    InvitationSchema,
    TokensSchema,
)
from server.services import accounts, people

bp = Blueprint("invitations", __name__, url_prefix="/invitations")


@bp.post("")
@documented(body=InvitationCreateSchema, response=InvitationSchema, status=201, errors=(409,))
@roles_required("admin", "structure")
def create():
    """Create an account without password and its invitation link."""
    data = json_body(InvitationCreateSchema())
    links = people.check_may_invite(current_user, data)
    result = accounts.invite(current_user, data["email"], Role(data["role"]), **links)
    return InvitationSchema().dump(result), 201


@bp.get("/<token>")
@documented(response=InvitationInfoSchema)
def show(token):
    """The e-mail an invitation is for, if the link is still valid."""
    return InvitationInfoSchema().dump({"email": accounts.invitation_email(token)})


@bp.post("/<token>")
@documented(body=InvitationAcceptSchema, response=TokensSchema)
def accept(token):
    """Choose the password: activates the account and logs in."""
    data = json_body(InvitationAcceptSchema())
    return TokensSchema().dump(accounts.accept_invitation(token, data["password"]))
