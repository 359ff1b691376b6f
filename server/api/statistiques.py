"""Statistics for the logged-in user."""

from flask import Blueprint, request
from flask_jwt_extended import current_user

from server.api import roles_required
from server.api.openapi import documented
from server.schemas.statistiques import PeriodeArgsSchema, StatistiquesSchema
from server.services import statistiques

bp = Blueprint("statistiques", __name__, url_prefix="/statistiques")


@bp.get("/conseiller")
@documented(query=PeriodeArgsSchema, response=StatistiquesSchema)
@roles_required("conseiller", "coordinateur")
def conseiller():
    """"Mes statistiques": key figures of the user's own CRAs over a period."""
    args = PeriodeArgsSchema().load(request.args)
    return StatistiquesSchema().dump(statistiques.conseiller(current_user, args["du"], args["au"]))
