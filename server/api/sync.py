"""The sync protocol over HTTP (sync/PROTOCOL.md)."""

from flask import Blueprint, request
from flask_jwt_extended import current_user

from server.api.http import json_payload, roles_required
from server.api.openapi import documented
from server.errors import ApiError
from server.schemas.sync import PullArgsSchema, PullSchema, PushResultSchema, PushSchema
from server.services import cras
from sync import protocol

bp = Blueprint("sync", __name__, url_prefix="/sync")


@bp.post("/push")
@documented(body=PushSchema, response=PushResultSchema)
@roles_required("conseiller", "coordinateur")
def push():
    """Apply a batch of CRA operations; one result per operation."""
    if (request.content_length or 0) > protocol.MAX_BODY_BYTES:
        raise ApiError(413, protocol.MSG_TOO_MANY)
    # The results are already shaped by sync/ (PushResultSchema documents them).
    return cras.push(current_user, json_payload(), request.content_length or 0)


@bp.get("/pull")
@documented(query=PullArgsSchema, response=PullSchema, errors=(400,))
@roles_required("conseiller", "coordinateur")
def pull():
    """The user's CRA changes since a cursor, tombstones included."""
    args = PullArgsSchema().load(request.args)
    return PullSchema().dump(cras.pull(current_user, args["cursor"], args["limit"]))
