"""The pilotage pages, server-rendered with the DSFR: structures, coordinators, prefets and the
national team follow the CRAs of what they may see; national statistics are public.

Every page loads its query string, calls a service (which checks role and scope through
perimetres.py and scopes.py) and renders a template; errors are French pages (errors.py).

One blueprint ("pilotage"), its views by area: connexion.py (login, logout, each role's first
page), personnes.py (a structure's conseillers, a fiche, a coordinator's team), statistiques.py
(the territorial table and every statistics page, public included), ressourcerie.py,
coordinations.py (the coordinators' CRA), appareils.py (devices and their sync),
exploitation.py (the maintenance switch), partenaires.py
(the partner API's clients); filtres.py holds the templates' French filters.
"""

from pathlib import Path

from flask import Blueprint, g, render_template, request
from marshmallow import ValidationError

from server.errors import is_page
from server.pages import navigation, session
from server.services import maintenance

STATIC = Path(__file__).resolve().parents[2] / "static" / "pilotage"
EXPORTS = (
    ("resume.csv", "Résumé (CSV)"),
    ("cras.csv", "Une ligne par CRA (CSV)"),
    ("xlsx", "Classeur (Excel)"),
    ("pdf", "Rapport imprimable (PDF)"),
)

bp = Blueprint("pilotage", __name__, static_folder=STATIC, static_url_path="/pilotage/static")


@bp.app_context_processor
def page_context() -> dict:
    """What the layout needs: the logged-in user, the session's CSRF value, the menu, the
    maintenance under way (not asked for on the page of a server failure)."""
    user = g.get("utilisateur")
    return {
        "utilisateur": user,
        "csrf_token": g.get("csrf_token"),
        "navigation": navigation.menu(user),
        "maintenance": None if g.get("panne") else maintenance.en_cours(),
    }


@bp.after_request
def private(response):
    """Pages show personal data, often on shared computers: never stored by the browser."""
    if request.endpoint != "pilotage.static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def error_page(status: int, message: str):
    """An error as a French page (errors.py sends the pages' errors here)."""
    if status >= 500:
        g.panne = True  # after a failure, ask the database nothing
    elif "utilisateur" not in g:
        session.optional_user()
    if status == 404:  # the same words whether it does not exist or is out of reach
        message = "La page demandée n'existe pas, ou ne vous est pas accessible."
    # Outside the pilotage pages (a mistyped address of the app), the way back is the app.
    application = not is_page(request.path)
    return render_template(
        "pilotage/erreur.html", status=status, message=message, application=application
    ), status


def filtres_de_page(schema) -> tuple[dict, dict]:
    """The page's filters from its query string, and French messages for those refused (left
    out: the page then shows its defaults rather than an error)."""
    values = {key: value.strip() for key, value in request.args.items() if value.strip()}
    try:
        return schema.load(values), {}
    except ValidationError as error:
        messages = error.normalized_messages()
    kept = {key: value for key, value in values.items() if key not in messages}
    try:
        return schema.load(kept), messages
    except ValidationError:
        return schema.load({}), messages


# The views register themselves on the blueprint.
from server.pages.pilotage import (  # noqa: E402
    appareils,
    connexion,
    coordinations,
    exploitation,
    filtres,
    partenaires,
    personnes,
    ressourcerie,
    statistiques,
)

__all__ = [
    "appareils",
    "bp",
    "connexion",
    "coordinations",
    "error_page",
    "exploitation",
    "filtres",
    "partenaires",
    "personnes",
    "ressourcerie",
    "statistiques",
]
