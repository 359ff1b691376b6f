"""The journal of sensitive actions: who did what, when (services/audit.py)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UtcDateTime, utcnow


class Audit(db.Model):
    """One sensitive action. The actor's e-mail is kept as text: the journal outlives an
    account; none for the command line."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(30), index=True)  # a key of audit.ACTIONS
    acteur_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    acteur: Mapped[str | None] = mapped_column(String(254))
    cible: Mapped[str] = mapped_column(String(500))
    adresse: Mapped[str | None] = mapped_column(String(45))
