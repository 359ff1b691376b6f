"""The devices a conseiller's app runs on, and what each last told of its sync (issue 18)."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UtcDateTime, utcnow

MAX_LIBELLE = 80
MAX_VERSION = 40
MAX_ERREUR = 500


class Appareil(db.Model):
    """One installed app of a conseiller, known by the id it made at install: its label, app
    version and outbox count as last reported, its last sync answered and its last error."""

    __tablename__ = "appareil"
    id: Mapped[int] = mapped_column(primary_key=True)
    conseiller_id: Mapped[int] = mapped_column(
        ForeignKey("conseiller.id", ondelete="CASCADE"), index=True
    )
    appareil_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # made by the app at install
    libelle: Mapped[str | None] = mapped_column(String(MAX_LIBELLE))
    version: Mapped[str | None] = mapped_column(String(MAX_VERSION))
    # Operations the outbox still held besides those of the last request that reached us.
    en_attente: Mapped[int | None] = mapped_column(Integer)
    premier_contact: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    derniere_synchro: Mapped[datetime | None] = mapped_column(UtcDateTime())
    derniere_erreur: Mapped[str | None] = mapped_column(String(MAX_ERREUR))
    derniere_erreur_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("conseiller_id", "appareil_id"),)

    @property
    def en_erreur(self) -> bool:
        """Its last request that reached us ended in an error (a refused item, or a request
        refused whole): nothing answered cleanly since."""
        if self.derniere_erreur_at is None:
            return False
        return self.derniere_synchro is None or self.derniere_erreur_at >= self.derniere_synchro
