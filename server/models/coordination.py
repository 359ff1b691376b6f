"""The coordinators' own activity report (CRA coordinateur, ../shared/reference/coordinateur.md).

Keys are short and stable (they are stored); labels are what the form shows. It travels through
the same sync protocol as the CRA (operations whose "objet" is "cra_coordination").
"""

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.cra import JSON_DOCUMENT
from server.models.types import UtcDateTime, utcnow

TYPES_EVENEMENT = {
    "grand-public": "Grand public",
    "national": "National",
    "inclusion-numerique": "Inclusion numérique",
    "nec-local": "NEC local",
    "autre": "Autre",
}
TYPES_STRUCTURE = {
    "commune": "Commune",
    "epci": "EPCI",
    "departement": "Département",
    "region": "Région",
    "association": "Association",
    "entreprise": "Entreprise",
    "hub": "Hub",
    "etat": "État",
    "groupement": "Groupement",
    "autre": "Autre",
}
ORGANISATEURS = {"ma-structure": "Ma structure", **TYPES_STRUCTURE}
NATURES_PARTENARIAT = {
    "parcours-usager": "Parcours usager",
    "subvention": "Subvention",
    "coordination-departementale": "Coordination départementale",
    "rendez-vous-elu": "Rendez-vous élu",
    "autre": "Autre",
}
TYPES_ACCOMPAGNEMENT = {
    "structure": "Une structure",
    "mediateur": "Un(e) médiateur(rice) numérique",
}
# The seeds name these sections without listing their choices: ours, from the programme's
# day-to-day, to be confirmed with the national team.
PROBLEMATIQUES = {
    "recrutement": "Recrutement",
    "formation": "Formation",
    "outils": "Outils et ressources",
    "cra": "Saisie des CRA",
    "organisation": "Organisation de l'activité",
    "financement": "Financement",
    "partenariats": "Mise en réseau, partenariats",
    "autre": "Autre",
}
ACTIONS = {
    "entretien": "Rendez-vous, entretien",
    "visite": "Visite sur site",
    "mise-en-relation": "Mise en relation",
    "atelier": "Formation, atelier",
    "ressources": "Partage de ressources",
    "financement": "Appui à un financement",
    "autre": "Autre",
}
SECTIONS = {
    "evenements": "Événements",
    "partenariats": "Partenariats",
    "accompagnements": "Accompagnements",
}


class CraCoordination(db.Model):
    """One coordination report; sections are lists (an empty one: "nothing to add")."""

    __tablename__ = "cra_coordination"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # made on the device
    conseiller_id: Mapped[int] = mapped_column(ForeignKey("conseiller.id"))  # the coordinator
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    # content
    date: Mapped[date] = mapped_column(Date)
    evenements: Mapped[list] = mapped_column(JSON_DOCUMENT, default=list)
    partenariats: Mapped[list] = mapped_column(JSON_DOCUMENT, default=list)
    accompagnements: Mapped[list] = mapped_column(JSON_DOCUMENT, default=list)
    communication_heures: Mapped[float] = mapped_column(default=0)  # hours per week
    # server stamps, as on Cra
    head: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(default=1)
    seq: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    client_time: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        Index("ix_cra_coordination_conseiller_seq", "conseiller_id", "seq"),
        Index("ix_cra_coordination_date", "date"),
    )


COORDINATION_CONTENT = (
    "date",
    "evenements",
    "partenariats",
    "accompagnements",
    "communication_heures",
)
