"""The ressourcerie: PDF documents shared with the conseillers (seeds 000 §3 and 001)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.cra import JSON_DOCUMENT
from server.models.types import UtcDateTime, utcnow

# The thématiques of the original ressourcerie, as its screens name them (seed 000).
THEMATIQUES = {
    "courriel": "Courriel",
    "contenus-numeriques": "Créer et gérer ses contenus numériques",
    "echanger": "Échanger avec ses proches",
    "accompagner-enfant": "Accompagner son enfant",
    "emploi": "Emploi",
    "equipement": "Prendre en main un équipement",
    "demarches": "Démarches en ligne",
    "bureautique": "Bureautique",
    "fiches-cnil": "Fiches CNIL",
    "mobile": "Mobile",
    "espace-conseiller": "Espace Conseiller",
}
# What became of a document, as its proposer reads it.
STATUTS = {
    "propose": "En attente de publication",
    "publie": "Publié",
    "refuse": "Refusé par un administrateur",
}


class Document(db.Model):
    """A PDF of the ressourcerie; its file lives in the storage (services/stockage.py)."""

    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    titre: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000), default="")
    thematique: Mapped[str] = mapped_column(String(40))
    tags: Mapped[list] = mapped_column(JSON_DOCUMENT, default=list)
    # Lower case, no accents: title, description, tags and thématique, for the search.
    texte_recherche: Mapped[str] = mapped_column(String(2000))
    fichier: Mapped[str] = mapped_column(String(100))  # the storage's key
    nom_fichier: Mapped[str] = mapped_column(String(200))
    taille: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    statut: Mapped[str] = mapped_column(String(10), default="propose")
    propose_par_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decide_par_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    publie_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_document_statut_publie_at", "statut", "publie_at"),)
