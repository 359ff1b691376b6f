"""Reminders on the conseiller's phone: settings, this device's subscription, a test."""

from flask import Blueprint, request
from flask_jwt_extended import current_user

from server.api.http import json_body, roles_required
from server.api.openapi import documented
from server.schemas.rappels import (
    AbonnementResultSchema,
    AbonnementSchema,
    ClePubliqueSchema,
    EndpointSchema,
    EssaiResultSchema,
    RappelsSchema,
    RenouvellementSchema,
)
from server.services import push, rappels

bp = Blueprint("rappels", __name__, url_prefix="/rappels")
ROLES = ("conseiller", "coordinateur")


@bp.get("")
@documented(response=RappelsSchema)
@roles_required(*ROLES)
def show():
    """The user's reminder settings, the server's key and the number of subscribed devices."""
    return RappelsSchema().dump(rappels.settings(current_user))


@bp.put("")
@documented(body=RappelsSchema, response=RappelsSchema)
@roles_required(*ROLES)
def save():
    """Turn reminders on or off; choose days, time and time zone."""
    data = json_body(RappelsSchema())
    return RappelsSchema().dump(rappels.save_settings(current_user, data))


@bp.get("/cle-publique")
@documented(response=ClePubliqueSchema)
def public_key():
    """The server's VAPID public key (the service worker asks without a session)."""
    return ClePubliqueSchema().dump({"cle_publique": push.public_key()})


@bp.put("/abonnement")
@documented(body=AbonnementSchema, response=AbonnementResultSchema, errors=(409,))
@roles_required(*ROLES)
def subscribe():
    """Store this device's push subscription (sent again at every start of the app)."""
    data = json_body(AbonnementSchema())
    result = rappels.subscribe(current_user, data, request.headers.get("User-Agent"))
    return AbonnementResultSchema().dump(result)


@bp.delete("/abonnement")
@documented(query=EndpointSchema, status=204)
@roles_required(*ROLES)
def unsubscribe():
    """Forget this device's subscription."""
    args = EndpointSchema().load(request.args)
    rappels.unsubscribe(current_user, args["endpoint"])
    return "", 204


@bp.post("/abonnement/renouvellement")
@documented(body=RenouvellementSchema, status=204, errors=(404,))
def renew():
    """Replace a subscription the browser renewed; the old endpoint and auth secret prove it."""
    data = json_body(RenouvellementSchema())
    rappels.renew(data["ancien"], data["nouveau"])
    return "", 204


@bp.post("/essai")
@documented(body=EndpointSchema, response=EssaiResultSchema, errors=(404, 409, 429))
@roles_required(*ROLES)
def test():
    """Send a test notification to this device now."""
    data = json_body(EndpointSchema())
    return EssaiResultSchema().dump(rappels.send_test(current_user, data["endpoint"]))
