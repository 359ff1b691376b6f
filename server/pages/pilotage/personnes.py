"""A structure's conseillers (former ones included), a conseiller's fiche, a coordinator's
team."""

from flask import render_template
from flask_jwt_extended import current_user
from marshmallow import EXCLUDE

from server.pages.pilotage import bp, filtres_de_page
from server.pages.session import login_required
from server.schemas.statistiques import PeriodeSchema
from server.services import people, pilotage


@bp.get("/pilotage/structures/<id:structure_id>")
@login_required("structure", "prefet", "admin")
def structure(structure_id):
    """A structure's conseillers: recrutement, formation, certification, activé, CRA saisis."""
    args, erreurs = filtres_de_page(PeriodeSchema(unknown=EXCLUDE))
    return render_template(
        "pilotage/structure.html",
        erreurs=erreurs,
        **pilotage.conseillers_de_structure(current_user, structure_id, args),
    )


@bp.get("/pilotage/conseillers/<id:conseiller_id>")
@login_required("structure", "prefet", "admin")
def conseiller(conseiller_id):
    """A conseiller's fiche détail, with a link to their statistics."""
    return render_template(
        "pilotage/conseiller.html", conseiller=people.fiche_conseiller(current_user, conseiller_id)
    )


@bp.get("/pilotage/equipes/<id:coordinateur_id>")
@login_required("coordinateur", "admin")
def equipe(coordinateur_id):
    """A coordinator's team: each member's CRA saisis and activation."""
    args, erreurs = filtres_de_page(PeriodeSchema(unknown=EXCLUDE))
    return render_template(
        "pilotage/equipe.html",
        erreurs=erreurs,
        **pilotage.equipe(current_user, coordinateur_id, args),
    )
