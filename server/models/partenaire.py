"""The partner API's clients: départements, networks and hubs pulling data into their tools."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UtcDateTime, utcnow

DROITS = {
    "statistiques": "Statistiques du périmètre",
    "activites": "Activité anonymisée (une ligne par CRA)",
}
PERIMETRES = {
    "national": "National",
    "region": "Région",
    "departement": "Département",
    "structure": "Structure",
}


class ClientApi(db.Model):
    """A partner's key: a public identifiant and a secret of which only the sha256 is kept
    (shown once, at creation); a scope, rights, and the fixed window of its rate limit."""

    __tablename__ = "client_api"
    id: Mapped[int] = mapped_column(primary_key=True)
    identifiant: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    nom: Mapped[str] = mapped_column(String(200))
    perimetre: Mapped[str] = mapped_column(String(20))  # a key of PERIMETRES
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    departement_code: Mapped[str | None] = mapped_column(ForeignKey("departement.code"))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"), index=True)
    droits: Mapped[list] = mapped_column(JSON)  # keys of DROITS
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The rate limit's current window: when it opened and the requests counted in it.
    fenetre_debut: Mapped[datetime | None] = mapped_column(UtcDateTime())
    requetes: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        CheckConstraint(
            "perimetre IN ('national', 'region', 'departement', 'structure')",
            name="ck_client_api_perimetre",
        ),
    )
