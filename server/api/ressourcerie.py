"""The ressourcerie: PDF documents to browse, search, download, propose and publish."""

from flask import Blueprint, current_app, request
from flask_jwt_extended import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from server.api.http import download, json_body, roles_required
from server.api.openapi import documented, items_of
from server.schemas.ressourcerie import (
    DecisionSchema,
    DocumentFormSchema,
    DocumentPageSchema,
    DocumentQueryArgsSchema,
    DocumentSchema,
    TagSchema,
    ThematiqueSchema,
)
from server.services import ressourcerie

bp = Blueprint("ressourcerie", __name__, url_prefix="/ressourcerie")


def upload() -> tuple[dict, object]:
    """The form fields and the file of a multipart upload, under the ressourcerie's own size
    limit (larger than the API's), with a French 413 beyond it."""
    limit = current_app.config["RESSOURCERIE_MAX_BYTES"]
    request.max_content_length = limit + ressourcerie.FORM_MARGIN
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        raise ressourcerie.trop_gros(limit) from None
    return DocumentFormSchema().load(form.to_dict()), files.get("fichier")


@bp.get("/documents")
@documented(query=DocumentQueryArgsSchema, response=DocumentPageSchema)
@roles_required()
def index():
    """Documents by thématique, tag or words; newest first, 30 per page."""
    args = DocumentQueryArgsSchema().load(request.args)
    return DocumentPageSchema().dump(ressourcerie.liste(current_user, args))


@bp.post("/documents")
@documented(form=DocumentFormSchema, response=DocumentSchema, status=201)
@roles_required("admin", "conseiller", "coordinateur")
def create():
    """Add a PDF: published by an admin, proposed by a conseiller or a coordinator."""
    data, fichier = upload()
    return DocumentSchema().dump(ressourcerie.deposer(current_user, data, fichier)), 201


@bp.get("/documents/<id:document_id>")
@documented(response=DocumentSchema)
@roles_required()
def show(document_id):
    """One document's description."""
    return DocumentSchema().dump(ressourcerie.document(current_user, document_id))


@bp.get("/documents/<id:document_id>/fichier")
@documented(files=("application/pdf",))
@roles_required()
def fichier(document_id):
    """The document's PDF."""
    return download(ressourcerie.fichier(current_user, document_id))


@bp.post("/documents/<id:document_id>/decision")
@documented(body=DecisionSchema, response=DocumentSchema)
@roles_required("admin")
def decide(document_id):
    """Publish or refuse a proposed document."""
    data = json_body(DecisionSchema())
    return DocumentSchema().dump(ressourcerie.decider(current_user, document_id, data["decision"]))


@bp.delete("/documents/<id:document_id>")
@documented(status=204)
@roles_required("admin")
def delete(document_id):
    """Remove a document and its file."""
    ressourcerie.supprimer(current_user, document_id)
    return "", 204


@bp.get("/tags")
@documented(response=items_of(TagSchema))
@roles_required()
def tags():
    """Every tag of the published documents, most used first."""
    return {"items": TagSchema(many=True).dump(ressourcerie.tags(current_user))}


@bp.get("/thematiques")
@documented(response=items_of(ThematiqueSchema))
@roles_required()
def thematiques():
    """The thématiques and their number of published documents."""
    return {"items": ThematiqueSchema(many=True).dump(ressourcerie.thematiques(current_user))}


@bp.get("/archive.zip")
@documented(files=("application/zip",))
@roles_required()
def archive():
    """Every published document in one zip, streamed."""
    return download(ressourcerie.archive(current_user))
