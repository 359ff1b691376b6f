"""The partner API: a client's key (`Authorization: Bearer <identifiant>.<secret>`, created by
the admin on /pilotage/partenaires), read-only, each view needing one right."""

from functools import wraps

from flask import Blueprint, g, request

from server.api.openapi import documented
from server.schemas.partenaires import ActivitesArgsSchema, ActivitesSchema
from server.schemas.statistiques import PeriodeArgsSchema, StatistiquesSchema
from server.services import partenaires

bp = Blueprint("partenaires", __name__, url_prefix="/partenaires")


def droit_requis(droit: str):
    """A valid, active client key (401), within its rate limit (429), with this right (403)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            client = partenaires.authentifier(request.headers.get("Authorization"))
            partenaires.compter_requete(client)
            partenaires.autoriser(client, droit)
            g.client_api = client
            return view(*args, **kwargs)

        wrapper.droit = droit  # read by the OpenAPI description (client key, x-droit)
        return wrapper

    return decorator


@bp.get("/statistiques")
@documented(query=PeriodeArgsSchema, response=StatistiquesSchema)
@droit_requis("statistiques")
def statistiques():
    """Every indicator of the client's scope over a period (right « statistiques »)."""
    args = PeriodeArgsSchema().load(request.args)
    return StatistiquesSchema().dump(partenaires.statistiques(g.client_api, args))


@bp.get("/activites")
@documented(query=ActivitesArgsSchema, response=ActivitesSchema)
@droit_requis("activites")
def activites():
    """The scope's anonymised activity, one row per CRA, page by page (right « activites »)."""
    args = ActivitesArgsSchema().load(request.args)
    return ActivitesSchema().dump(partenaires.activites(g.client_api, args))
