"""The pilotage pages, server-rendered with the DSFR: structures, coordinators, prefets and the
national team follow the CRAs of what they may see; national statistics are public.

Every page loads its query string, calls a service (which checks role and scope through
perimetres.py and scopes.py) and renders a template; errors are French pages (errors.py).
"""

from datetime import datetime
from functools import wraps
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_jwt_extended import current_user
from marshmallow import EXCLUDE, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from server.api.statistiques import SCOPES
from server.errors import ApiError, is_page
from server.models.ressourcerie import STATUTS, THEMATIQUES
from server.pages import navigation, session
from server.pages.session import login_required
from server.schemas.pilotage import TerritoiresPageArgsSchema
from server.schemas.ressourcerie import (
    DecisionSchema,
    DocumentFormSchema,
    DocumentQueryArgsSchema,
)
from server.schemas.statistiques import PeriodeArgsSchema, PeriodeSchema
from server.services import (
    accounts,
    coordinations,
    graphiques,
    people,
    perimetres,
    pilotage,
    rapports,
)
from server.services import ressourcerie as documents
from server.services.tableur import PARIS, jj_mm_aaaa

STATIC = Path(__file__).resolve().parent.parent / "static" / "pilotage"
EXPORTS = (
    ("resume.csv", "Résumé (CSV)"),
    ("cras.csv", "Une ligne par CRA (CSV)"),
    ("xlsx", "Classeur (Excel)"),
    ("pdf", "Rapport imprimable (PDF)"),
)

bp = Blueprint("pilotage", __name__, static_folder=STATIC, static_url_path="/pilotage/static")


@bp.app_template_filter("date_fr")
def date_fr(day) -> str:
    """05/01/2022 (a moment: its day in Paris); "non renseignée" for no date."""
    if isinstance(day, datetime) and day.tzinfo is not None:
        day = day.astimezone(PARIS)
    return jj_mm_aaaa(day) if day else "non renseignée"


@bp.app_template_filter("taille")
def taille(octets: int) -> str:
    """A file's size: 34 Ko, 1,2 Mo."""
    if octets < 2**20:
        return f"{graphiques.nombre(max(1, round(octets / 2**10)))} Ko"
    return f"{graphiques.nombre(round(octets / 2**20, 1))} Mo"


@bp.app_template_filter("thematique")
def thematique(cle: str) -> str:
    """A thématique's name."""
    return THEMATIQUES.get(cle, cle)


@bp.app_template_filter("statut_document")
def statut_document(cle: str) -> str:
    """What became of a document: "En attente de publication"…"""
    return STATUTS[cle]


@bp.app_template_filter("nombre")
def nombre(value) -> str:
    """12 345 (thin space); text such as "62,5 %" as is."""
    return graphiques.nombre(value) if isinstance(value, int | float) else value


@bp.app_context_processor
def page_context() -> dict:
    """What the layout needs: the logged-in user, the session's CSRF value, the menu."""
    user = g.get("utilisateur")
    return {
        "utilisateur": user,
        "csrf_token": g.get("csrf_token"),
        "navigation": navigation.menu(user),
    }


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
    # Outside the pilotage pages (a mistyped address of the app), the way back is the app.
    application = not is_page(request.path)
    return render_template(
        "pilotage/erreur.html", status=status, message=message, application=application
    ), status


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
    if parts.scheme or parts.netloc or "\\" in target or not is_page(parts.path):
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
                tokens = accounts.login(
                    request.form.get("email", ""),
                    request.form.get("password", ""),
                    request.remote_addr,
                )
            except ApiError as error:
                erreur, status = error.message, error.status
            else:
                return session.open_session(redirect(_next_page()), tokens)
    nonce, jeton = session.login_form_token()
    page = render_template(
        "pilotage/connexion.html",
        jeton=jeton,
        erreur=erreur,
        notice=session.NOTICES.get(request.args.get("motif", "")),
        email=request.form.get("email"),
        suivant=_next_page(),
    )
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
    args, erreurs = _filters(PeriodeSchema(unknown=EXCLUDE))
    return render_template(
        "pilotage/equipe.html",
        erreurs=erreurs,
        **pilotage.equipe(current_user, coordinateur_id, args),
    )


@bp.get("/pilotage/territoires")
@login_required("structure", "prefet", "admin")
def territoires():
    """The territorial table by département or région, sorted, with its CSV export."""
    args, erreurs = _filters(TerritoiresPageArgsSchema(unknown=EXCLUDE))
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
    args, erreurs = _filters(PeriodeArgsSchema(unknown=EXCLUDE))
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


# --- the ressourcerie --------------------------------------------------------------------------

LECTEURS = tuple(role.value for role in documents.READERS)
FAIT = {  # ?fait=… after a change, for the notice of the page it goes back to
    "publie": "Le document est publié : il est dans la ressourcerie.",
    "propose": (
        "Votre proposition est envoyée : elle sera publiée dès que l'équipe nationale "
        "l'aura acceptée."
    ),
    "refuse": "La proposition est refusée : elle ne sera pas publiée.",
    "supprime": "Le document est supprimé de la ressourcerie.",
}
DEPOT_FIELDS = ("titre", "description", "thematique", "tags")


def upload_limit(view):
    """A page receiving a PDF: the ressourcerie's size limit rather than the API's, and a body
    over it sent back to the form with a French message (unread, so nothing changes)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        limit = current_app.config["RESSOURCERIE_MAX_BYTES"]
        request.max_content_length = limit + documents.FORM_MARGIN
        try:
            return view(*args, **kwargs)
        except RequestEntityTooLarge:
            return redirect(url_for(request.endpoint, refus="taille", _anchor="depot"), 303)

    return wrapper


def _depot_form(erreurs: dict | None = None) -> dict:
    """The upload form: the values posted (the file is chosen again) and their errors."""
    limit = current_app.config["RESSOURCERIE_MAX_BYTES"]
    if erreurs is None:
        erreurs = (
            {"fichier": [documents.trop_gros(limit).message]}
            if request.args.get("refus") == "taille"
            else {}
        )
    valeurs = {key: request.form.get(key, "") for key in DEPOT_FIELDS}
    return {
        "erreurs": erreurs,
        "valeurs": valeurs,
        "taille_max": limit,
        "message_taille": documents.trop_gros(limit).message,
    }


def _deposer(page: str) -> tuple:
    """Add the posted PDF (published by an admin, proposed by the others): (the way back to
    the page with a notice, None, 303), or (None, the form with its French errors, status)."""
    if current_user.role not in documents.AUTHORS:  # before telling them what to correct
        raise ApiError(403)
    fichier = request.files.get("fichier")
    try:
        data = DocumentFormSchema().load(
            {key: request.form[key] for key in DEPOT_FIELDS if key in request.form}
        )
    except ValidationError as error:
        erreurs = error.normalized_messages()
        if fichier is None or not fichier.filename:
            erreurs["fichier"] = [documents.NO_FILE]
        return None, _depot_form(erreurs), 422
    try:
        document = documents.deposer(current_user, data, fichier)
    except ApiError as error:
        if not error.errors:  # not the form's fault (403…): an error page
            raise
        return None, _depot_form(error.errors), error.status
    return redirect(url_for(page, fait=document.statut), 303), None, 303


def _notice() -> str | None:
    """The notice of the change just made, if any."""
    return FAIT.get(request.args.get("fait", ""))


@bp.route("/pilotage/ressourcerie", methods=["GET", "POST"])
@upload_limit
@login_required(*LECTEURS)
def ressourcerie():
    """The ressourcerie: thématiques, tags, "Rechercher un document", "Derniers ajouts",
    downloads one by one or all at once; conseillers and coordinators propose a PDF here."""
    suite, depot, status = None, _depot_form(), 200
    if request.method == "POST":
        suite, depot, status = _deposer("pilotage.ressourcerie")
    if suite:
        return suite
    args, erreurs = _filters(
        DocumentQueryArgsSchema(only=("q", "thematique", "tag", "page"), unknown=EXCLUDE)
    )
    page = render_template(
        "pilotage/ressourcerie.html",
        erreurs=erreurs,
        depot=depot,
        notice=_notice(),
        args=args,
        **pilotage.ressourcerie_page(current_user, args),
    )
    return page, status


@bp.route("/pilotage/ressourcerie/gestion", methods=["GET", "POST"])
@upload_limit
@login_required("admin")
def gestion_ressourcerie():
    """The ressourcerie's management: publish a PDF, decide on the proposals, remove a
    document."""
    suite, depot, status = None, _depot_form(), 200
    if request.method == "POST":
        suite, depot, status = _deposer("pilotage.gestion_ressourcerie")
    if suite:
        return suite
    args, _ = _filters(DocumentQueryArgsSchema(only=("page",), unknown=EXCLUDE))
    page = render_template(
        "pilotage/gestion_ressourcerie.html",
        depot=depot,
        notice=_notice(),
        **pilotage.gestion_ressourcerie(current_user, args["page"]),
    )
    return page, status


@bp.post("/pilotage/ressourcerie/documents/<id:document_id>/decision")
@login_required("admin")
def decision_ressourcerie(document_id):
    """ "Publier" or "Refuser" a proposal."""
    decision = DecisionSchema().load({"decision": request.form.get("decision", "")})
    document = documents.decider(current_user, document_id, decision["decision"])
    return redirect(url_for("pilotage.gestion_ressourcerie", fait=document.statut), 303)


@bp.route("/pilotage/ressourcerie/documents/<id:document_id>/suppression", methods=["GET", "POST"])
@login_required("admin")
def suppression_ressourcerie(document_id):
    """Remove a document and its file, once confirmed on this page."""
    if request.method == "POST":
        documents.supprimer(current_user, document_id)
        return redirect(url_for("pilotage.gestion_ressourcerie", fait="supprime"), 303)
    return render_template(
        "pilotage/suppression_document.html", document=documents.document(current_user, document_id)
    )


# --- the coordinators' CRA -----------------------------------------------------------------------


@bp.get("/pilotage/coordinations")
@login_required("admin")
def cra_coordinateurs():
    """The coordinators' CRA: national counts over the period, their CSV and Excel exports."""
    args, erreurs = _filters(PeriodeSchema(unknown=EXCLUDE))
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
