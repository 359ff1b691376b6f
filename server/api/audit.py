"""The journal of sensitive actions, for the national team."""

from flask import Blueprint, request
from flask_jwt_extended import current_user

from server.api.http import roles_required
from server.api.openapi import documented
from server.schemas.audit import AuditPageSchema, JournalArgsSchema
from server.services import audit

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("")
@documented(query=JournalArgsSchema, response=AuditPageSchema)
@roles_required("admin")
def journal():
    """The journal, 50 entries per page, newest first, filtered by action (admin)."""
    args = JournalArgsSchema().load(request.args)
    return AuditPageSchema().dump(audit.journal(current_user, args))
