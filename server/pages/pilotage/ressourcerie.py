"""The ressourcerie: documents to read, to propose, and the admins' decisions."""

from functools import wraps

from flask import current_app, redirect, render_template, request, url_for
from flask_jwt_extended import current_user
from marshmallow import EXCLUDE, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from server.errors import ApiError
from server.pages.pilotage import bp, filtres_de_page
from server.pages.session import login_required
from server.schemas.ressourcerie import DecisionSchema, DocumentFormSchema, DocumentQueryArgsSchema
from server.services import pilotage
from server.services import ressourcerie as documents

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
    args, erreurs = filtres_de_page(
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
    args, _ = filtres_de_page(DocumentQueryArgsSchema(only=("page",), unknown=EXCLUDE))
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
