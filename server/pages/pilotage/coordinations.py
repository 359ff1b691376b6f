"""The coordinators' CRA: what their teams did, as a page and its downloads."""

from flask import render_template, url_for
from marshmallow import EXCLUDE

from server.pages.pilotage import bp, filtres_de_page
from server.pages.session import login_required
from server.schemas.statistiques import PeriodeSchema
from server.services import coordinations

# --- the coordinators' CRA -----------------------------------------------------------------------


@bp.get("/pilotage/coordinations")
@login_required("admin")
def cra_coordinateurs():
    """The coordinators' CRA: national counts over the period, their CSV and Excel exports."""
    args, erreurs = filtres_de_page(PeriodeSchema(unknown=EXCLUDE))
    comptes = coordinations.national(args)
    periode = {"du": comptes["du"].isoformat(), "au": comptes["au"].isoformat()}
    exports = [
        {
            "format": extension,
            "libelle": libelle,
            "url": url_for("api.coordinations.national_export", extension=extension, **periode),
        }
        for extension, libelle in (
            ("csv", "Comptes nationaux (CSV)"),
            ("xlsx", "Comptes et CRA un par ligne (Excel)"),
        )
    ]
    return render_template(
        "pilotage/coordinations.html", erreurs=erreurs, comptes=comptes, exports=exports
    )
