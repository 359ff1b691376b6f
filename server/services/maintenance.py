"""The maintenance switch: while it is on, the API refuses writes (503 with Retry-After) and
the apps keep their outbox until it is off; reads, login and logout keep working."""

from server.errors import ApiError
from server.extensions import db
from server.models import Maintenance, User
from server.models.maintenance import DEFAULT_RETRY_AFTER
from server.models.types import utcnow
from server.services import audit

DEFAULT_MESSAGE = "Le service est en maintenance : vos saisies seront envoyées à sa fin."


def etat() -> Maintenance:
    """The switch as it is (off, with default values, when never used)."""
    return db.session.get(Maintenance, 1) or Maintenance(
        id=1, active=False, message="", retry_after=DEFAULT_RETRY_AFTER
    )


def en_cours() -> Maintenance | None:
    """The maintenance under way, if any."""
    row = db.session.get(Maintenance, 1)
    return row if row is not None and row.active else None


def basculer(
    active: bool,
    message: str = "",
    retry_after: int = DEFAULT_RETRY_AFTER,
    par: User | None = None,
) -> Maintenance:
    """Turn maintenance on (with its message) or off; `par` is None from the command line."""
    row = db.session.get(Maintenance, 1)
    if row is None:
        row = Maintenance(id=1)
        db.session.add(row)
    row.active = active
    if active:
        row.message = message.strip() or DEFAULT_MESSAGE
        row.retry_after = retry_after
    row.changed_at = utcnow()
    row.changed_by_id = par.id if par is not None else None
    audit.noter("maintenance", par, f"activée : {row.message}" if active else "terminée")
    db.session.commit()
    return row


def refus(row: Maintenance) -> ApiError:
    """The 503 answered to a write during maintenance, in the one error envelope."""
    return ApiError(503, row.message, headers={"Retry-After": str(row.retry_after)})
