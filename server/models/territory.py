"""Régions, départements and communes, loaded from @etalab/decoupage-administratif."""

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db


class Region(db.Model):
    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    nom: Mapped[str] = mapped_column(String(80))


class Departement(db.Model):
    __tablename__ = "departement"
    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    nom: Mapped[str] = mapped_column(String(80))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    region: Mapped[Region] = relationship(lazy="joined")


# The kinds of INSEE codes a conseiller may pick (the package's `type`): current communes, and
# the parts some of them are made of, each attached to its commune actuelle.
COMMUNE_ACTUELLE = "commune-actuelle"
ARRONDISSEMENT = "arrondissement-municipal"  # Paris, Lyon, Marseille: with their own postal codes
DELEGUEE = "commune-deleguee"  # part of a commune nouvelle
ASSOCIEE = "commune-associee"
TYPES_COMMUNE = (COMMUNE_ACTUELLE, ARRONDISSEMENT, DELEGUEE, ASSOCIEE)


class Commune(db.Model):
    """A code of the official geography: a commune actuelle, or an arrondissement municipal or
    commune déléguée / associée attached to one (`rattachement_code`), whose statistics it
    adds to. A commune déléguée / associée has no postal code of its own in the package: it is
    served by those of its commune (territoires.codes_postaux)."""

    __tablename__ = "commune"
    code: Mapped[str] = mapped_column(String(5), primary_key=True)  # INSEE code, 2A/2B kept
    nom: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(
        String(24), default=COMMUNE_ACTUELLE, server_default=COMMUNE_ACTUELLE
    )
    # Not a foreign key: only `flask territoires import` writes it, from the same file; and
    # SQLite could not drop the column again on a downgrade (the table is every CRA's).
    rattachement_code: Mapped[str | None] = mapped_column(String(5), index=True)
    # Lower case, no accents, "saint" → "st": what a prefix search compares against.
    nom_recherche: Mapped[str] = mapped_column(String(80))
    departement_code: Mapped[str] = mapped_column(ForeignKey("departement.code"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    population: Mapped[int] = mapped_column(default=0)
    departement: Mapped[Departement] = relationship(lazy="joined")
    codes_postaux: Mapped[list["CommuneCodePostal"]] = relationship(
        lazy="selectin", order_by="CommuneCodePostal.code_postal"
    )

    __table_args__ = (Index("ix_commune_nom_recherche", "nom_recherche"),)


class CommuneCodePostal(db.Model):
    """A postal code of a commune; a postal code may serve several communes and the reverse."""

    __tablename__ = "commune_code_postal"
    code_postal: Mapped[str] = mapped_column(String(5), primary_key=True)
    commune_code: Mapped[str] = mapped_column(
        ForeignKey("commune.code"), primary_key=True, index=True
    )
