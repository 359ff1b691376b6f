"""Devices and their sync, for the support: the admin's list with filters and CSV export, a
structure's counts for its conseillers."""

from flask import render_template, url_for
from flask_jwt_extended import current_user

from server.api.http import download
from server.models import Role
from server.pages.pilotage import bp, filtres_de_page
from server.pages.session import login_required
from server.schemas.appareils import SupportArgsSchema
from server.services import appareils


def _query(args: dict) -> dict:
    """The filters as a query string's values (the page links, the export)."""
    query = {"jours": args["jours"]} if args.get("jours") else {}
    query.update({key: "1" for key in ("en_erreur", "version_ancienne") if args.get(key)})
    return query


@bp.get("/pilotage/appareils")
@login_required("admin", "structure")
def appareils_page():
    """Devices gone quiet while holding CRAs, in error, on an older version: the admin's list,
    a structure's counts."""
    args, erreurs = filtres_de_page(SupportArgsSchema())
    query = _query(args)
    return render_template(
        "pilotage/appareils.html",
        support=appareils.support(current_user, args),
        args=args,
        query=query,
        erreurs=erreurs,
        admin=current_user.role is Role.ADMIN,
        version_servie=appareils.version_servie(),
        export=url_for("pilotage.appareils_csv", **query),
    )


@bp.get("/pilotage/appareils.csv")
@login_required("admin")
def appareils_csv():
    """The admin's filtered list of devices as CSV."""
    args, _ = filtres_de_page(SupportArgsSchema())
    return download(appareils.support_csv(current_user, args))
