"""The pages every public service site carries, linked from every footer (the pilotage pages'
and the conseillers' app): the accessibility statement, the legal notice and what personal data
the service keeps. Public, no login; a logged-in user keeps their menu."""

from flask import Blueprint, render_template

from server.pages import session

bp = Blueprint("legal", __name__)

# The level the statement declares, shown in every footer: no RGAA audit has been made yet,
# and without one the law asks a site to say "non conforme".
CONFORMITE = "non conforme"


@bp.app_context_processor
def footer_context() -> dict:
    """What every footer says of the site's accessibility."""
    return {"conformite": CONFORMITE}


@bp.get("/accessibilite")
def accessibilite():
    """The accessibility statement (DSFR model of the déclaration d'accessibilité)."""
    session.optional_user()
    return render_template("legal/accessibilite.html")


@bp.get("/mentions-legales")
def mentions_legales():
    """Who publishes and hosts the service."""
    session.optional_user()
    return render_template("legal/mentions_legales.html")


@bp.get("/donnees-personnelles")
def donnees_personnelles():
    """What personal data the service collects, who sees what, for how long, and the rights."""
    session.optional_user()
    return render_template("legal/donnees_personnelles.html")
