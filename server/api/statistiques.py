"""Statistics: "Mes statistiques", any scope the user may see, national ones, the territories."""

from flask import Blueprint, Response, request
from flask_jwt_extended import current_user, get_current_user, jwt_required

from server.api.http import download, roles_required
from server.api.openapi import documented
from server.schemas.statistiques import (
    PeriodeArgsSchema,
    StatistiquesSchema,
    TerritoiresArgsSchema,
    TerritoiresSchema,
)
from server.services import exports, graphiques, rapports

bp = Blueprint("statistiques", __name__, url_prefix="/statistiques")
SCOPES = "any(conseiller, equipe, structure, departement, region)"
CHART = "graphiques/<nom>.<any(svg, png):extension>"
EXPORT = "export/<any('resume.csv', 'cras.csv', xlsx, pdf):format_>"
IMAGES = tuple(graphiques.FORMATS.values())
EXPORTS = tuple(exports.FORMATS.values())


def image_response(etag: str, image: bytes, extension: str, public: bool = False) -> Response:
    """A chart, revalidated at each use: 304 while its figures (the ETag) are unchanged."""
    response = Response(image, mimetype=graphiques.FORMATS[extension])
    response.set_etag(etag)
    response.cache_control.no_cache = True
    if public:
        response.cache_control.public = True
    else:
        response.cache_control.private = True
    return response.make_conditional(request)


@bp.get("/conseiller")
@documented(query=PeriodeArgsSchema, response=StatistiquesSchema)
@roles_required("conseiller", "coordinateur")
def conseiller():
    """ "Mes statistiques": every indicator of the user's own CRAs over a period, and charts."""
    args = PeriodeArgsSchema().load(request.args)
    return StatistiquesSchema().dump(rapports.mes_statistiques(current_user, args))


@bp.get(f"/conseiller/{CHART}")
@documented(query=PeriodeArgsSchema, files=IMAGES)
@roles_required("conseiller", "coordinateur")
def conseiller_graphique(nom, extension):
    """One chart of "Mes statistiques", as an SVG or PNG image (ETag, 304 when unchanged)."""
    args = PeriodeArgsSchema().load(request.args)
    return image_response(*rapports.mon_graphique(current_user, nom, extension, args), extension)


@bp.get(f"/conseiller/{EXPORT}")
@documented(query=PeriodeArgsSchema, files=EXPORTS)
@roles_required("conseiller", "coordinateur")
def conseiller_export(format_):
    """ "Mes statistiques" exported: resume.csv, cras.csv (one row per CRA), xlsx or pdf."""
    args = PeriodeArgsSchema().load(request.args)
    return download(rapports.mon_export(current_user, format_, args))


@bp.get("/national")
@documented(query=PeriodeArgsSchema, response=StatistiquesSchema)
@jwt_required(optional=True)
def national():
    """National statistics, public: every indicator of every CRA over a period, and charts;
    organismes typed outside the official list named for the national team only."""
    args = PeriodeArgsSchema().load(request.args)
    return StatistiquesSchema().dump(
        rapports.rapport_de(
            get_current_user(), "national", "", args, "api.statistiques.national_graphique"
        )
    )


@bp.get(f"/national/{CHART}")
@documented(query=PeriodeArgsSchema, files=IMAGES)
def national_graphique(nom, extension):
    """One chart of the national statistics (public)."""
    args = PeriodeArgsSchema().load(request.args)
    return image_response(
        *rapports.graphique_de(None, "national", "", nom, extension, args), extension, public=True
    )


@bp.get(f"/national/{EXPORT}")
@documented(query=PeriodeArgsSchema, files=EXPORTS)
@jwt_required(optional=True)
def national_export(format_):
    """National statistics exported: the summary (CSV, PDF) for anyone; the CRA rows (cras.csv,
    the xlsx's CRA sheet) for the national team only."""
    args = PeriodeArgsSchema().load(request.args)
    return download(rapports.export_de(get_current_user(), "national", "", format_, args))


@bp.get(f"/<{SCOPES}:type_>/<ident>")
@documented(query=PeriodeArgsSchema, response=StatistiquesSchema)
@roles_required()
def scope(type_, ident):
    """Statistics of a conseiller, a coordinator's team, a structure, a département or a
    région the user may see (a structure: the CRAs stamped with it; a prefet: its territory)."""
    args = PeriodeArgsSchema().load(request.args)
    return StatistiquesSchema().dump(
        rapports.rapport_de(current_user, type_, ident, args, "api.statistiques.scope_graphique")
    )


@bp.get(f"/<{SCOPES}:type_>/<ident>/{CHART}")
@documented(query=PeriodeArgsSchema, files=IMAGES)
@roles_required()
def scope_graphique(type_, ident, nom, extension):
    """One chart of a scope the user may see."""
    args = PeriodeArgsSchema().load(request.args)
    return image_response(
        *rapports.graphique_de(current_user, type_, ident, nom, extension, args), extension
    )


@bp.get(f"/<{SCOPES}:type_>/<ident>/{EXPORT}")
@documented(query=PeriodeArgsSchema, files=EXPORTS)
@roles_required()
def scope_export(type_, ident, format_):
    """A scope's statistics exported: resume.csv (the vertical summary), cras.csv (one row per
    CRA, streamed), xlsx (summary and rows) or pdf (A4 report); rows only for those who may see
    each CRA of the scope."""
    args = PeriodeArgsSchema().load(request.args)
    return download(rapports.export_de(current_user, type_, ident, format_, args))


@bp.get("/territoires")
@documented(query=TerritoiresArgsSchema, response=TerritoiresSchema)
@roles_required("admin", "structure", "prefet")
def territoires():
    """The territorial table by département or région (a prefet: its own territory only)."""
    args = TerritoiresArgsSchema().load(request.args)
    return TerritoiresSchema().dump(rapports.territoires(current_user, args))


@bp.get("/territoires/export.csv")
@documented(query=TerritoiresArgsSchema, files=("text/csv",))
@roles_required("admin", "structure", "prefet")
def territoires_export():
    """The territorial table as CSV (`;`, UTF-8 with BOM)."""
    args = TerritoiresArgsSchema().load(request.args)
    return download(rapports.export_territoires(current_user, args))
