"""The territorial table and the statistics pages of every scope, the public national one
included, with their downloads."""

from flask import render_template, url_for
from flask_jwt_extended import current_user
from marshmallow import EXCLUDE

from server.api.statistiques import SCOPES
from server.pages import session
from server.pages.pilotage import EXPORTS, bp, filtres_de_page
from server.pages.session import login_required
from server.schemas.pilotage import TerritoiresPageArgsSchema
from server.schemas.statistiques import PeriodeArgsSchema
from server.services import donnees_ouvertes, perimetres, pilotage, rapports


@bp.get("/pilotage/territoires")
@login_required("structure", "prefet", "admin")
def territoires():
    """The territorial table by département or région, sorted, with its CSV export."""
    args, erreurs = filtres_de_page(TerritoiresPageArgsSchema(unknown=EXCLUDE))
    tableau = pilotage.tableau_territorial(current_user, args)
    export = url_for(
        "api.statistiques.territoires_export",
        maille=tableau["maille"],
        du=tableau["du"].isoformat(),
        au=tableau["au"].isoformat(),
    )
    return render_template(
        "pilotage/territoires.html",
        erreurs=erreurs,
        **tableau,
        exports=[{"format": "territoires.csv", "libelle": "Tableau (CSV)", "url": export}],
    )


def _export_links(user, type_: str, ident: str, report: dict) -> list[dict]:
    """The report's downloads: same period and commune; CRA rows only for those who may."""
    query = {"du": report["du"].isoformat(), "au": report["au"].isoformat()}
    perimetre = report["perimetre"]
    query.update(
        {
            key: getattr(perimetre, key)
            for key in ("code_postal", "code_commune")
            if getattr(perimetre, key)
        }
    )
    scope = {} if type_ == "national" else {"type_": type_, "ident": ident}
    endpoint = "national_export" if type_ == "national" else "scope_export"
    rows = perimetres.lignes_autorisees(user, perimetre)
    return [
        {
            "format": format_,
            "libelle": libelle,
            "url": url_for(f"api.statistiques.{endpoint}", format_=format_, **scope, **query),
        }
        for format_, libelle in EXPORTS
        if rows or format_ != "cras.csv"
    ]


def _statistics_page(user, type_: str, ident: str, chart_endpoint: str):
    args, erreurs = filtres_de_page(PeriodeArgsSchema(unknown=EXCLUDE))
    report = rapports.rapport_de(user, type_, ident, args, chart_endpoint)
    commune = {
        "code_postal": args["code_postal"],
        "code_commune": args["code_commune"],
        "communes": pilotage.communes_du_filtre(args["code_postal"]),
    }
    return render_template(
        "pilotage/statistiques.html",
        rapport=report,
        erreurs=erreurs,
        commune=commune,
        exports=_export_links(user, type_, ident, report),
        seuil_secret=donnees_ouvertes.SEUIL,
    )


@bp.get(f"/pilotage/statistiques/<{SCOPES}:type_>/<ident>")
@login_required()
def statistiques(type_, ident):
    """Statistics of a conseiller, a team, a structure, a département or a région the user
    may see: key figures, charts with their numbers as text, exports."""
    return _statistics_page(current_user, type_, ident, "api.statistiques.scope_graphique")


@bp.get("/pilotage/statistiques/national")
@login_required()
def national():
    """National statistics, for logged-in users."""
    return _statistics_page(current_user, "national", "", "api.statistiques.national_graphique")


@bp.get("/statistiques")
def public():
    """National statistics for anyone, no login needed."""
    session.optional_user()
    return _statistics_page(None, "national", "", "api.statistiques.national_graphique")
