"""Statistics for the logged-in user."""

import hashlib

from flask import Blueprint, Response, request
from flask_jwt_extended import current_user

from server.api import roles_required
from server.api.openapi import documented
from server.schemas.statistiques import PeriodeArgsSchema, StatistiquesSchema
from server.services import graphiques, statistiques

bp = Blueprint("statistiques", __name__, url_prefix="/statistiques")


@bp.get("/conseiller")
@documented(query=PeriodeArgsSchema, response=StatistiquesSchema)
@roles_required("conseiller", "coordinateur")
def conseiller():
    """"Mes statistiques": every indicator of the user's own CRAs over a period, and charts."""
    args = PeriodeArgsSchema().load(request.args)
    return StatistiquesSchema().dump(statistiques.conseiller(current_user, args["du"], args["au"]))


@bp.get("/conseiller/graphiques/<nom>.<any(svg, png):extension>")
@documented(query=PeriodeArgsSchema)
@roles_required("conseiller", "coordinateur")
def conseiller_graphique(nom, extension):
    """One chart of "Mes statistiques", as an SVG or PNG image (ETag, 304 when unchanged)."""
    args = PeriodeArgsSchema().load(request.args)
    image = statistiques.conseiller_graphique(current_user, nom, extension, args["du"],
                                              args["au"])
    response = Response(image, mimetype=graphiques.FORMATS[extension])
    response.set_etag(hashlib.sha256(image).hexdigest())
    # Only this user's figures; revalidated each time since a new CRA changes them.
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response.make_conditional(request)
