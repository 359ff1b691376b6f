"""The journal of sensitive actions: who did what, when (services/audit.py)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UtcDateTime, utcnow

# The journal's actions (services/audit.py) and their French labels.
ACTIONS = {
    "connexion": "Connexion",
    "invitation": "Invitation (création d'un compte et de son rôle)",
    "activation": "Activation d'un compte invité",
    "export_lignes": "Export ligne à ligne de CRA",
    "ressourcerie_decision": "Décision sur une proposition de la ressourcerie",
    "ressourcerie_suppression": "Suppression d'un document de la ressourcerie",
    "maintenance": "Maintenance",
}


class Audit(db.Model):
    """One sensitive action. The actor's e-mail is kept as text: the journal outlives an
    account; none for the command line."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(30), index=True)  # a key of ACTIONS
    acteur_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    acteur: Mapped[str | None] = mapped_column(String(254))
    cible: Mapped[str] = mapped_column(String(500))
    adresse: Mapped[str | None] = mapped_column(String(45))
