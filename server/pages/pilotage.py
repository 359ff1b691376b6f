"""The pilotage pages, server-rendered with the DSFR: structures, coordinators, prefets and the
national team follow the CRAs of what they may see; national statistics are public.

Every page loads its query string, calls a service (which checks role and scope through
perimetres.py and scopes.py) and renders a template; errors are French pages (errors.py).
"""

from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, g, make_response, redirect, render_template, request, url_for
from flask_jwt_extended import current_user
from marshmallow import EXCLUDE, ValidationError

from server.errors import ApiError
from server.pages import navigation, session
from server.pages.session import login_required
from server.schemas.pilotage import TerritoiresPageArgsSchema
from server.schemas.statistiques import PeriodeArgsSchema, PeriodeSchema
from server.services import accounts, graphiques, perimetres, pilotage, rapports, scopes

STATIC = Path(__file__).resolve().parent.parent / "static" / "pilotage"
SCOPES = "any(conseiller, equipe, structure, departement, region)"
EXPORTS = (("resume.csv", "Résumé (CSV)"), ("cras.csv", "Une ligne par CRA (CSV)"),
           ("xlsx", "Classeur (Excel)"), ("pdf", "Rapport imprimable (PDF)"))

bp = Blueprint("pilotage", __name__, static_folder=STATIC, static_url_path="/pilotage/static")


@bp.app_template_filter("date_fr")
def date_fr(day) -> str:
    """05/01/2022; "non renseignée" for no date."""
    return day.strftime("%d/%m/%Y") if day else "non renseignée"


@bp.app_template_filter("nombre")
def nombre(value) -> str:
    """12 345 (thin space); text such as "62,5 %" as is."""
    return graphiques.nombre(value) if isinstance(value, int | float) else value


@bp.app_context_processor
def page_context() -> dict:
    """What the layout needs: the logged-in user, the session's CSRF value, the menu."""
    user = g.get("utilisateur")
    return {"utilisateur": user, "csrf_token": g.get("csrf_token"),
            "navigation": navigation.menu(user)}


@bp.after_request
def private(response):
    """Pages show personal data, often on shared computers: never stored by the browser."""
    if request.endpoint != "pilotage.static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def error_page(status: int, message: str):
    """An error as a French page (errors.py sends the pages' errors here)."""
    if "utilisateur" not in g and status < 500:  # after a failure, ask the database nothing
        session.optional_user()
    if status == 404:  # the same words whether it does not exist or is out of reach
        message = "La page demandée n'existe pas, ou ne vous est pas accessible."
    return render_template("pilotage/erreur.html", status=status, message=message), status


def _filters(schema) -> tuple[dict, dict]:
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


def _next_page() -> str:
    """Where to go after login: a pilotage page asked for, never another site."""
    target = request.form.get("suivant") or request.args.get("suivant") or ""
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or "\\" in target
            or not parts.path.startswith(("/pilotage/", "/statistiques"))):
        return url_for("pilotage.accueil")
    return target


@bp.route("/pilotage/connexion", methods=["GET", "POST"])
def connexion():
    """The login page: the app's accounts, lockout and messages, a login-CSRF token."""
    erreur, status = None, 200
    if request.method == "POST":
        if not session.login_form_is_genuine():
            erreur, status = "Le formulaire a expiré : veuillez réessayer.", 400
        else:
            try:
                tokens = accounts.login(request.form.get("email", ""),
                                        request.form.get("password", ""))
            except ApiError as error:
                erreur, status = error.message, error.status
            else:
                return session.open_session(redirect(_next_page()), tokens)
    nonce, jeton = session.login_form_token()
    page = render_template("pilotage/connexion.html", jeton=jeton, erreur=erreur,
                           notice=session.NOTICES.get(request.args.get("motif", "")),
                           email=request.form.get("email"), suivant=_next_page())
    return session.set_login_cookie(make_response(page, status), nonce)


@bp.post("/pilotage/deconnexion")
def deconnexion():
    """Log out (a form posting the session's CSRF value): tokens revoked, cookies cleared."""
    return session.close_session(redirect(url_for("pilotage.connexion", motif="deconnexion")))


@bp.get("/pilotage/")
@login_required()
def accueil():
    """Each role's first page."""
    return redirect(navigation.home(current_user))


@bp.get("/pilotage/structures/<id:structure_id>")
@login_required("structure", "prefet", "admin")
def structure(structure_id):
    """A structure's conseillers: recrutement, formation, certification, activé, CRA saisis."""
    args, erreurs = _filters(PeriodeSchema(unknown=EXCLUDE))
    return render_template("pilotage/structure.html", erreurs=erreurs,
                           **pilotage.conseillers_de_structure(current_user, structure_id, args))


@bp.get("/pilotage/conseillers/<id:conseiller_id>")
@login_required("structure", "prefet", "admin")
def conseiller(conseiller_id):
    """A conseiller's fiche détail, with a link to their statistics."""
    return render_template("pilotage/conseiller.html",
                           conseiller=scopes.conseiller(current_user, conseiller_id))


@bp.get("/pilotage/equipes/<id:coordinateur_id>")
@login_required("coordinateur", "admin")
def equipe(coordinateur_id):
    """A coordinator's team: each member's CRA saisis and activation."""
    args, erreurs = _filters(PeriodeSchema(unknown=EXCLUDE))
    return render_template("pilotage/equipe.html", erreurs=erreurs,
                           **pilotage.equipe(current_user, coordinateur_id, args))


@bp.get("/pilotage/territoires")
@login_required("structure", "prefet", "admin")
def territoires():
    """The territorial table by département or région, sorted, with its CSV export."""
    args, erreurs = _filters(TerritoiresPageArgsSchema(unknown=EXCLUDE))
    tableau = pilotage.tableau_territorial(current_user, args)
    export = url_for("api.statistiques.territoires_export", maille=tableau["maille"],
                     du=tableau["du"].isoformat(), au=tableau["au"].isoformat())
    return render_template("pilotage/territoires.html", erreurs=erreurs, **tableau, exports=[
        {"format": "territoires.csv", "libelle": "Tableau (CSV)", "url": export}])


def _export_links(user, type_: str, ident: str, report: dict) -> list[dict]:
    """The report's downloads: same period and commune; CRA rows only for those who may."""
    query = {"du": report["du"].isoformat(), "au": report["au"].isoformat()}
    perimetre = report["perimetre"]
    query.update({key: getattr(perimetre, key) for key in ("code_postal", "code_commune")
                  if getattr(perimetre, key)})
    scope = {} if type_ == "national" else {"type_": type_, "ident": ident}
    endpoint = "national_export" if type_ == "national" else "scope_export"
    rows = perimetres.lignes_autorisees(user, perimetre)
    return [{"format": format_, "libelle": libelle,
             "url": url_for(f"api.statistiques.{endpoint}", format_=format_, **scope, **query)}
            for format_, libelle in EXPORTS if rows or format_ != "cras.csv"]


def _statistics_page(user, type_: str, ident: str, chart_endpoint: str):
    args, erreurs = _filters(PeriodeArgsSchema(unknown=EXCLUDE))
    report = rapports.rapport_de(user, type_, ident, args, chart_endpoint)
    commune = {"code_postal": args["code_postal"], "code_commune": args["code_commune"],
               "communes": pilotage.communes_du_filtre(args["code_postal"])}
    return render_template("pilotage/statistiques.html", rapport=report, erreurs=erreurs,
                           commune=commune,
                           exports=_export_links(user, type_, ident, report))


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
