"""The coordinators' CRAs: a coordinator's list, the agency's national counts and exports.

Reports are written through the sync protocol (objet "cra_coordination"), not here.
"""

import uuid

from flask import Blueprint, request
from flask_jwt_extended import current_user

from server.api.http import download, roles_required
from server.api.openapi import documented
from server.schemas.coordinations import (
    ComptesNationauxSchema,
    CraCoordinationPageSchema,
    CraCoordinationSchema,
    PageArgsSchema,
)
from server.schemas.statistiques import PeriodeSchema
from server.services import coordinations, exports

bp = Blueprint("coordinations", __name__, url_prefix="/coordinations")


@bp.get("")
@documented(query=PageArgsSchema, response=CraCoordinationPageSchema)
@roles_required("coordinateur")
def index():
    """The coordinator's own coordination CRAs, newest first, 30 per page."""
    args = PageArgsSchema().load(request.args)
    return CraCoordinationPageSchema().dump(coordinations.liste(current_user, args["page"]))


@bp.get("/<uuid:cra_id>")
@documented(response=CraCoordinationSchema)
@roles_required("coordinateur")
def show(cra_id: uuid.UUID):
    """One of the coordinator's own coordination CRAs."""
    return CraCoordinationSchema().dump(coordinations.un(current_user, cra_id))


@bp.get("/national")
@documented(query=PeriodeSchema, response=ComptesNationauxSchema)
@roles_required("admin")
def national():
    """National counts of the coordination CRAs dated in the period (default: all)."""
    args = PeriodeSchema().load(request.args)
    return ComptesNationauxSchema().dump(coordinations.national(args))


@bp.get("/national/export.<any(csv, xlsx):extension>")
@documented(query=PeriodeSchema, files=("text/csv", exports.FORMATS["xlsx"]))
@roles_required("admin")
def national_export(extension):
    """The national counts as CSV, or as an Excel workbook with one row per report."""
    args = PeriodeSchema().load(request.args)
    return download(coordinations.export(args, extension))
