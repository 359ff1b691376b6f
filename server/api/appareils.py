"""The conseiller's devices and what each last told of its sync."""

import uuid

from flask import Blueprint
from flask_jwt_extended import current_user

from server.api.http import roles_required
from server.api.openapi import documented
from server.schemas.appareils import AppareilsSchema
from server.services import appareils

bp = Blueprint("appareils", __name__, url_prefix="/appareils")
ROLES = ("conseiller", "coordinateur")


@bp.get("")
@documented(response=AppareilsSchema)
@roles_required(*ROLES)
def index():
    """The user's devices (label, version, last sync, pending operations, last error) and the
    version the server serves, with its date."""
    return AppareilsSchema().dump(
        {
            "items": appareils.mes_appareils(current_user),
            "version_servie": appareils.version_servie(),
        }
    )


@bp.delete("/<uuid:appareil_id>")
@documented(status=204, errors=(404,))
@roles_required(*ROLES)
def forget(appareil_id: uuid.UUID):
    """Forget one of the user's devices (it comes back with its next push)."""
    appareils.oublier(current_user, appareil_id)
    return "", 204
