"""Conseillers visible to the logged-in user."""

from flask import Blueprint, request
from flask_jwt_extended import current_user

from server.api import roles_required
from server.schemas.conseillers import ConseillerListSchema, ConseillerSchema
from server.services import people, scopes

bp = Blueprint("conseillers", __name__, url_prefix="/conseillers")


@bp.get("")
@roles_required()
def index():
    """The conseillers in the user's scope (?structure_id= to narrow)."""
    structure_id = request.args.get("structure_id", type=int)
    return ConseillerListSchema().dump(people.list_conseillers(current_user, structure_id))


@bp.get("/<int:conseiller_id>")
@roles_required()
def show(conseiller_id):
    """The fiche of one conseiller in the user's scope."""
    return ConseillerSchema().dump(scopes.conseiller(current_user, conseiller_id))
