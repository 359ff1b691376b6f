"""The journal of sensitive actions (who, what, when), listed for the national team and kept
AUDIT_RETENTION_DAYS days (« flask audit purger », daily, removes older entries).

noter() adds an entry to the caller's unit of work: it is committed with the action it
records, or not at all."""

from datetime import timedelta
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, delete, func, select

from server.errors import ApiError
from server.extensions import db
from server.models import Audit, Role, User
from server.models.audit import ACTIONS
from server.models.types import utcnow

PAGE = 50


def noter(action: str, acteur: User | None, cible: str, adresse: str | None = None) -> None:
    """Record an action in the session (the caller commits); acteur None: the command line."""
    assert action in ACTIONS
    db.session.add(
        Audit(
            at=utcnow(),
            action=action,
            acteur_id=acteur.id if acteur is not None else None,
            acteur=acteur.email if acteur is not None else None,
            cible=cible[:500],
            adresse=adresse,
        )
    )


def journal(user: User, args: dict) -> dict:
    """One page of the journal, newest first, filtered by action (the national team only)."""
    if user.role is not Role.ADMIN:
        raise ApiError(403)
    query = select(Audit)
    if args.get("action"):
        query = query.where(Audit.action == args["action"])
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE))
    page = min(args.get("page", 1), pages)
    rows = db.session.scalars(
        query.order_by(Audit.at.desc(), Audit.id.desc()).offset((page - 1) * PAGE).limit(PAGE)
    )
    return {"items": list(rows), "total": total, "page": page, "per_page": PAGE}


def purger() -> int:
    """Remove the entries older than the retention; how many were removed."""
    limite = utcnow() - timedelta(days=current_app.config["AUDIT_RETENTION_DAYS"])
    removed = cast(CursorResult, db.session.execute(delete(Audit).where(Audit.at < limite)))
    db.session.commit()
    return removed.rowcount
