"""The sync protocol over HTTP (sync/PROTOCOL.md)."""

from flask import Blueprint, current_app, request
from flask_jwt_extended import current_user
from werkzeug.exceptions import RequestEntityTooLarge

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
    # The bound also holds for a chunked body (no Content-Length): the stream gives at most
    # one byte more than a batch may carry, which tells an over-long body.
    request.max_content_length = protocol.MAX_BODY_BYTES + 1
    try:
        size = len(request.get_data(cache=True))
    except RequestEntityTooLarge as error:
        raise ApiError(413, protocol.MSG_TOO_MANY) from error
    if size > protocol.MAX_BODY_BYTES:
        raise ApiError(413, protocol.MSG_TOO_MANY)
    # The results are shaped by sync/ (PushResultSchema documents them) and already encoded.
    answer = cras.push(current_user, json_payload(), size)
    return current_app.response_class(answer, mimetype="application/json")


@bp.get("/pull")
@documented(query=PullArgsSchema, response=PullSchema, errors=(400,))
@roles_required("conseiller", "coordinateur")
def pull():
    """The user's CRA changes since a cursor, tombstones included."""
    args = PullArgsSchema().load(request.args)
    return PullSchema().dump(cras.pull(current_user, args["cursor"], args["limit"]))
