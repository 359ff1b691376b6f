"""Open data: the monthly activity dataset (secret applied) and its Table Schema, for anyone."""

from flask import Blueprint, current_app

from server.api.http import download
from server.api.openapi import documented
from server.services import donnees_ouvertes

bp = Blueprint("donnees_ouvertes", __name__, url_prefix="/donnees-ouvertes")


@bp.get(f"/{donnees_ouvertes.NOM_FICHIER}")
@documented(files=("text/csv",))
def fichier():
    """The CRAs per month, département, activité, canal, thème and durée (CSV, no login);
    cells of fewer than 5 CRAs are kept secret (see schema.json)."""
    return download(donnees_ouvertes.fichier_csv())


@bp.get("/schema.json")
@documented(files=("application/json",))
def schema():
    """The dataset's Table Schema, as schema.data.gouv.fr publishes them."""
    # The site's public address, as in the e-mails: not the Host header the request came with.
    return donnees_ouvertes.schema(current_app.config["PUBLIC_URL"].rstrip("/"))
