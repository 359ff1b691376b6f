"""Employer structures, conseillers, their employment periods and coordination teams."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.territory import Commune
from server.models.types import UtcDateTime, utcnow


class Structure(db.Model):
    """An employer (mairie, association, company...) with its granted posts."""

    __tablename__ = "structure"
    id: Mapped[int] = mapped_column(primary_key=True)
    nom: Mapped[str] = mapped_column(String(200))
    siret: Mapped[str | None] = mapped_column(String(14), unique=True)
    adresse: Mapped[str] = mapped_column(String(250), default="")
    code_postal: Mapped[str] = mapped_column(String(5))
    code_commune: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    # Copied from the commune when it is set: territorial queries filter on them directly.
    departement_code: Mapped[str] = mapped_column(ForeignKey("departement.code"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    dotation: Mapped[int] = mapped_column(default=1)
    # The structure's ObjectId in the original Espace Coop: what its archived CRAs name.
    origine_id: Mapped[str | None] = mapped_column(String(24), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    commune: Mapped[Commune] = relationship(lazy="joined")


class Conseiller(db.Model):
    """A Conseiller numérique; a coordinateur is a conseiller with a team."""

    __tablename__ = "conseiller"
    id: Mapped[int] = mapped_column(primary_key=True)
    prenom: Mapped[str] = mapped_column(String(100))
    nom: Mapped[str] = mapped_column(String(100))
    email_pro: Mapped[str | None] = mapped_column(String(254), unique=True)
    email_perso: Mapped[str | None] = mapped_column(String(254))
    telephone_pro: Mapped[str | None] = mapped_column(String(20))
    telephone_perso: Mapped[str | None] = mapped_column(String(20))
    sexe: Mapped[str | None] = mapped_column(String(10))  # "femme", "homme", "autre"
    date_naissance: Mapped[date | None] = mapped_column(Date)
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"), index=True)
    date_recrutement: Mapped[date | None] = mapped_column(Date)
    date_fin_formation: Mapped[date | None] = mapped_column(Date)
    certifie: Mapped[bool] = mapped_column(Boolean, default=False)
    # Last number of this conseiller's CRA change sequence (see sync/PROTOCOL.md, pull).
    sync_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The conseiller's ObjectId in the original Espace Coop: what their archived CRAs name.
    origine_id: Mapped[str | None] = mapped_column(String(24), unique=True, index=True)
    # Not a person: the owner of a structure's archived CRAs whose conseiller is unknown here
    # (services/archives). It has no account, and scopes.conseiller_condition hides it.
    archive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    structure: Mapped[Structure | None] = relationship(lazy="joined")
    emplois: Mapped[list["Emploi"]] = relationship(
        back_populates="conseiller", order_by="Emploi.date_debut", lazy="selectin"
    )
    compte: Mapped["User | None"] = relationship(  # noqa: F821  (server.models.account)
        "User",
        primaryjoin="User.conseiller_id == Conseiller.id",
        viewonly=True,
        uselist=False,
        lazy="selectin",
    )

    @property
    def active(self) -> bool:
        """Activé: the conseiller chose their password and can fill CRAs."""
        return self.compte is not None and self.compte.activated_at is not None

    @property
    def coordinateur(self) -> bool:
        return self.compte is not None and self.compte.role.value == "coordinateur"

    def structure_at(self, day: date) -> int | None:
        """The employer structure on a given day (the last contract covering it)."""
        found = None
        for emploi in self.emplois:
            if emploi.date_debut <= day and (emploi.date_fin is None or day <= emploi.date_fin):
                found = emploi.structure_id
        return found if found is not None else self.structure_id


class Emploi(db.Model):
    """A contract of a conseiller with a structure: who employed whom, when."""

    __tablename__ = "emploi"
    id: Mapped[int] = mapped_column(primary_key=True)
    conseiller_id: Mapped[int] = mapped_column(
        ForeignKey("conseiller.id", ondelete="CASCADE"), index=True
    )
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"), index=True)
    date_debut: Mapped[date] = mapped_column(Date)
    date_fin: Mapped[date | None] = mapped_column(Date)
    conseiller: Mapped[Conseiller] = relationship(back_populates="emplois")
    structure: Mapped[Structure] = relationship()


class Coordination(db.Model):
    """Membership of a conseiller in a coordinateur's team."""

    __tablename__ = "coordination"
    coordinateur_id: Mapped[int] = mapped_column(
        ForeignKey("conseiller.id", ondelete="CASCADE"), primary_key=True
    )
    conseiller_id: Mapped[int] = mapped_column(
        ForeignKey("conseiller.id", ondelete="CASCADE"), primary_key=True, index=True
    )
