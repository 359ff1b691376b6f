"""Conseillers visible to the logged-in user."""

from flask import Blueprint, request
from flask_jwt_extended import current_user

from server.api.http import roles_required
from server.api.openapi import documented
from server.schemas.conseillers import (
    ConseillerListSchema,
    ConseillerQueryArgsSchema,
    ConseillerSchema,
)
from server.services import people

bp = Blueprint("conseillers", __name__, url_prefix="/conseillers")


@bp.get("")
@documented(query=ConseillerQueryArgsSchema, response=ConseillerListSchema)
@roles_required()
def index():
    """The conseillers in the user's scope (?structure_id= to narrow)."""
    args = ConseillerQueryArgsSchema().load(request.args)
    return ConseillerListSchema().dump(people.list_conseillers(current_user, args["structure_id"]))


@bp.get("/<id:conseiller_id>")
@documented(response=ConseillerSchema)
@roles_required()
def show(conseiller_id):
    """The fiche of one conseiller in the user's scope."""
    return ConseillerSchema().dump(people.fiche_conseiller(current_user, conseiller_id))
