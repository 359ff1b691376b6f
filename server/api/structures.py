"""Structures visible to the logged-in user."""

from flask import Blueprint
from flask_jwt_extended import current_user

from server.api.http import roles_required
from server.api.openapi import documented
from server.schemas.structures import StructureListSchema, StructureSchema
from server.services import people, scopes

bp = Blueprint("structures", __name__, url_prefix="/structures")


@bp.get("")
@documented(response=StructureListSchema)
@roles_required()
def index():
    """The structures in the user's scope."""
    return StructureListSchema().dump(people.list_structures(current_user))


@bp.get("/<id:structure_id>")
@documented(response=StructureSchema)
@roles_required()
def show(structure_id):
    """One structure in the user's scope."""
    return StructureSchema().dump(scopes.structure(current_user, structure_id))
