"""The conseiller's own CRAs: history with filters, one CRA, the operations on it."""

import uuid

from flask import Blueprint, request
from flask_jwt_extended import current_user

from server.api.http import roles_required
from server.api.openapi import documented
from server.schemas.cras import (
    CraHistoriqueSchema,
    CraPageSchema,
    CraQueryArgsSchema,
    CraSchema,
)
from server.services import cras

bp = Blueprint("cras", __name__, url_prefix="/cras")


@bp.get("")
@documented(query=CraQueryArgsSchema, response=CraPageSchema)
@roles_required("conseiller", "coordinateur")
def history():
    """Own CRAs, 30 per page, filtered and sorted, with the total count."""
    args = CraQueryArgsSchema().load(request.args)
    return CraPageSchema().dump(cras.history(current_user, args))


@bp.get("/<uuid:cra_id>")
@documented(response=CraSchema)
@roles_required("conseiller", "coordinateur")
def show(cra_id: uuid.UUID):
    """One of the user's own CRAs."""
    return CraSchema().dump(cras.own_cra(current_user, cra_id))


@bp.get("/<uuid:cra_id>/historique")
@documented(response=CraHistoriqueSchema)
@roles_required("conseiller", "coordinateur")
def operations(cra_id: uuid.UUID):
    """What became of each operation the user sent for one of their CRAs, oldest first."""
    return CraHistoriqueSchema().dump({"items": cras.historique(current_user, cra_id)})
