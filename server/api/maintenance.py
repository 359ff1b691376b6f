"""The maintenance switch, and the guard that refuses the API's writes while it is on."""

from flask import Blueprint, current_app, request
from flask_jwt_extended import current_user

from server.api.http import WRITES, json_body, open_during_maintenance, roles_required
from server.api.openapi import documented
from server.schemas.maintenance import MaintenanceChangeSchema, MaintenanceSchema
from server.services import maintenance

bp = Blueprint("maintenance", __name__, url_prefix="/maintenance")


def refuse_writes():
    """Before each API view: a write during maintenance is a 503 with Retry-After (views
    marked open_during_maintenance excepted)."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method not in WRITES or getattr(view, "open_during_maintenance", False):
        return
    row = maintenance.en_cours()
    if row is not None:
        raise maintenance.refus(row)


@bp.get("")
@documented(response=MaintenanceSchema)
def show():
    """Whether the service is in maintenance, and its message (public)."""
    return MaintenanceSchema().dump(maintenance.etat())


@bp.put("")
@open_during_maintenance  # or maintenance could not end
@documented(body=MaintenanceChangeSchema, response=MaintenanceSchema)
@roles_required("admin")
def change():
    """Turn maintenance on with a message, or off (admin)."""
    data = json_body(MaintenanceChangeSchema())
    return MaintenanceSchema().dump(maintenance.basculer(par=current_user, **data))
