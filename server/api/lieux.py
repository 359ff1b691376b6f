"""The conseiller's lieux d'activité."""

from flask import Blueprint
from flask_jwt_extended import current_user

from server.api.http import json_body, roles_required
from server.api.openapi import documented
from server.schemas.lieux import LieuActiviteListSchema, LieuActiviteSchema
from server.services import lieux

bp = Blueprint("lieux", __name__, url_prefix="/lieux")


@bp.get("")
@documented(response=LieuActiviteListSchema)
@roles_required("conseiller", "coordinateur")
def index():
    """The user's lieux, the principal first."""
    return LieuActiviteListSchema().dump({"items": lieux.list_lieux(current_user)})


@bp.post("")
@documented(body=LieuActiviteSchema, response=LieuActiviteSchema, status=201)
@roles_required("conseiller", "coordinateur")
def create():
    """Add a lieu d'activité; a replayed client_id gets the same answer, the lieu it made."""
    data = json_body(LieuActiviteSchema())
    return LieuActiviteSchema().dump(lieux.create(current_user, data)), 201


@bp.put("/<id:lieu_id>")
@documented(body=LieuActiviteSchema, response=LieuActiviteSchema)
@roles_required("conseiller", "coordinateur")
def edit(lieu_id):
    """Change a lieu d'activité."""
    data = json_body(LieuActiviteSchema())
    return LieuActiviteSchema().dump(lieux.edit(current_user, lieu_id, data))


@bp.delete("/<id:lieu_id>")
@documented(status=204)
@roles_required("conseiller", "coordinateur")
def delete(lieu_id):
    """Remove a lieu d'activité."""
    lieux.delete(current_user, lieu_id)
    return "", 204
