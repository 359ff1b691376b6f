"""The partner API's clients, managed by the national team: list, create (the key shown
once), revoke."""

from flask import redirect, render_template, request, url_for
from flask_jwt_extended import current_user
from marshmallow import ValidationError

from server.errors import ApiError, field_errors
from server.models.partenaire import DROITS, PERIMETRES
from server.pages.pilotage import bp
from server.pages.session import login_required
from server.schemas.partenaires import ClientApiFormSchema
from server.services import partenaires

CHAMPS = ("nom", "perimetre", "region_code", "departement_code", "structure_id")


def _par_champ(errors) -> dict[str, list[str]]:
    """Errors under the form's field names (a right refused: under "droits", not "droits.0")."""
    merged: dict[str, list[str]] = {}
    for path, messages in field_errors(errors).items():
        merged.setdefault(path.split(".")[0], []).extend(messages)
    return merged


def _page(status: int = 200, erreurs: dict | None = None, valeurs: dict | None = None, **extra):
    page = render_template(
        "pilotage/partenaires.html",
        erreurs=erreurs or {},
        valeurs=valeurs or {"droits": list(DROITS)},
        droits=DROITS,
        perimetres=PERIMETRES,
        revoque=request.args.get("fait") == "revoque",
        **extra,
        **partenaires.page_gestion(),
    )
    return page, status


@bp.route("/pilotage/partenaires", methods=["GET", "POST"])
@login_required("admin")
def partenaires_api():
    """The partner API's clients; the form posted creates one and shows its key, once."""
    if request.method == "GET":
        return _page()
    valeurs = {key: request.form.get(key, "").strip() for key in CHAMPS}
    valeurs["droits"] = request.form.getlist("droits")
    try:
        data = ClientApiFormSchema().load({k: v for k, v in valeurs.items() if v})
        client, cle = partenaires.creer(current_user, data)
    except ValidationError as error:
        return _page(422, _par_champ(error.normalized_messages()), valeurs)
    except ApiError as error:
        if not error.errors:
            raise
        return _page(error.status, _par_champ(error.errors), valeurs)
    return _page(201, nouveau=client, cle=cle)


@bp.route("/pilotage/partenaires/<id:client_id>/revocation", methods=["GET", "POST"])
@login_required("admin")
def revocation_partenaire(client_id):
    """Revoke a client, once confirmed on this page: its key is refused from now on."""
    if request.method == "POST":
        partenaires.revoquer(client_id)
        return redirect(url_for("pilotage.partenaires_api", fait="revoque"), 303)
    client = partenaires.client_api(client_id)
    return render_template(
        "pilotage/revocation_partenaire.html",
        client=client,
        perimetre=partenaires.libelle_perimetre(client),
    )
