"""The CRA (compte rendu d'activité), its operation log, and the conseillers' lieux d'activité.

Keys and labels are those of the original Espace Coop (../shared/reference/cra.md): users know
them and historical data uses them.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UtcDateTime, utcnow

JSON_DOCUMENT = JSON().with_variant(JSONB(), "postgresql")

CANAUX = {
    "rattachement": "Lieu d'activité",
    "autre lieu": "Autre lieu",
    "distance": "À distance",
    "domicile": "À domicile",
}
ACTIVITES = {
    "collectif": "Atelier collectif",
    "individuel": "Accompagnement individuel",
    "ponctuel": "Demande ponctuelle",
}
AGES = {
    "moins12ans": "Moins de 12 ans",
    "de12a18ans": "12 - 18 ans",
    "de18a35ans": "18 - 35 ans",
    "de35a60ans": "35 - 60 ans",
    "plus60ans": "Plus de 60 ans",
}
STATUTS = {
    "etudiant": "Scolarisé(e)",
    "sansEmploi": "Sans emploi",
    "enEmploi": "En emploi",
    "retraite": "Retraité",
    "heterogene": "Non renseigné ou hétérogène",
}
# key: (form label, statistics label)
THEMES = {
    "diagnostic": ("Diagnostic numérique", "Diagnostic numérique"),
    "equipement informatique": ("Prendre en main du matériel", "Prendre en main du matériel"),
    "budget": ("Budget", "Budget"),
    "vocabulaire": ("Culture numérique", "Culture numérique"),
    "internet": ("Comment naviguer sur Internet", "Naviguer sur Internet"),
    "trouver emploi": ("Emploi, formation", "Emploi et formation"),
    "courriel": ("Gérer ses courriels", "Courriels"),
    "echanger": ("Échanger avec ses proches", "Échanger avec ses proches"),
    "tpe/pme": ("Assister un professionnel", "Numérique et TPE/PME"),
    "securite": ("Sécuriser un équipement", "Sécuriser un équipement"),
    "contenus numeriques": ("Contenus numériques", "Gestion de contenus numériques"),
    "accompagner enfant": ("Accompagner un aidant", "Accompagner un aidant"),
    "fraude et harcelement": ("Prévenir les fraudes, le harcèlement", "Fraude et harcèlement"),
    "traitement texte": ("Bureautique", "Bureautique"),
    "scolaire": ("Scolaire", "Scolaire"),
    "sante": ("Santé", "Santé"),
    "demarche en ligne": ("Démarches administratives", "Démarche en ligne"),
}
SOUS_THEMES = {
    "equipement informatique": {
        "ordinateur": "Ordinateur",
        "tablette": "Tablette",
        "telephone": "Téléphone",
    },
    "accompagner enfant": {
        "parent": "Parent, proche",
        "social": "Travailleur social",
        "enseignant": "Enseignant",
    },
    "traitement texte": {"fourniture": "Fourniture (impression, scanner)"},
    "sante": {"espace-sante": "Mon espace santé"},
}
DUREES = {"0-30": "30 min. ou moins", "30-60": "30 min. à 1h", "60+": "1h ou plus"}
SUIVIS = {
    "individuel": "En individuel",
    "atelier": "En atelier",
    "redirection": "Redirection vers une structure",
}
ORGANISMES = (
    "ANTS",
    "Assistante sociale",
    "CAF",
    "CARSAT",
    "CCAS",
    "CEFS",
    "CIP",
    "CPAM",
    "DGFIP",
    "France Services",
    "Mairie",
    "Médiathèque",
    "Mission locale",
    "Pôle emploi",
    "Préfecture",
    "Sous-préfecture",
    "Service de police",
    "Gendarmerie",
    "Revendeur informatique",
    "Tiers-lieu / Fablab",
)
TYPES_ACCES = {"libre": "Accès libre", "rdv": "Sur rendez-vous", "prive": "Accès privé"}


class LieuActivite(db.Model):
    """A conseiller's place of work: one principal and up to 15 others."""

    __tablename__ = "lieu_activite"
    __table_args__ = (UniqueConstraint("conseiller_id", "client_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    conseiller_id: Mapped[int] = mapped_column(ForeignKey("conseiller.id"), index=True)
    # Made on the phone that added the lieu offline: a replayed creation finds the lieu it made.
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    nom: Mapped[str] = mapped_column(String(200))
    adresse: Mapped[str] = mapped_column(String(250), default="")
    code_postal: Mapped[str] = mapped_column(String(5))
    code_commune: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    ville: Mapped[str] = mapped_column(String(80))
    telephone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    site_web: Mapped[str | None] = mapped_column(String(300))
    siret: Mapped[str | None] = mapped_column(String(14))
    type_acces: Mapped[list] = mapped_column(JSON_DOCUMENT, default=list)
    horaires: Mapped[str | None] = mapped_column(String(500))
    itinerant: Mapped[bool] = mapped_column(default=False)
    principal: Mapped[bool] = mapped_column(default=False)
    # A lieu used by CRAs is archived, not deleted: history keeps pointing at it.
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Cra(db.Model):
    """One CRA. Content columns mirror the form; the rest is stamped by the server."""

    __tablename__ = "cra"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # made on the device
    conseiller_id: Mapped[int] = mapped_column(ForeignKey("conseiller.id"))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    # content
    date: Mapped[date] = mapped_column(Date)
    canal: Mapped[str] = mapped_column(String(20))
    lieu_activite_id: Mapped[int | None] = mapped_column(ForeignKey("lieu_activite.id"))
    code_postal: Mapped[str] = mapped_column(String(5))
    code_commune: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    nom_commune: Mapped[str] = mapped_column(String(80))
    activite: Mapped[str] = mapped_column(String(20))
    nb_participants: Mapped[int]
    nb_recurrents: Mapped[int] = mapped_column(default=0)
    age_moins12ans: Mapped[int] = mapped_column(default=0)
    age_de12a18ans: Mapped[int] = mapped_column(default=0)
    age_de18a35ans: Mapped[int] = mapped_column(default=0)
    age_de35a60ans: Mapped[int] = mapped_column(default=0)
    age_plus60ans: Mapped[int] = mapped_column(default=0)
    statut_etudiant: Mapped[int] = mapped_column(default=0)
    statut_sansEmploi: Mapped[int] = mapped_column(default=0)
    statut_enEmploi: Mapped[int] = mapped_column(default=0)
    statut_retraite: Mapped[int] = mapped_column(default=0)
    statut_heterogene: Mapped[int] = mapped_column(default=0)
    themes: Mapped[list] = mapped_column(JSON_DOCUMENT)
    sous_themes: Mapped[dict] = mapped_column(JSON_DOCUMENT, default=dict)
    annotation: Mapped[str | None] = mapped_column(String(35))
    duree: Mapped[str] = mapped_column(String(5))
    duree_minutes: Mapped[int | None]
    suivi_individuel: Mapped[int] = mapped_column(default=0)
    suivi_atelier: Mapped[int] = mapped_column(default=0)
    suivi_redirection: Mapped[int] = mapped_column(default=0)
    organismes: Mapped[list] = mapped_column(JSON_DOCUMENT, default=list)
    # server stamps
    head: Mapped[uuid.UUID] = mapped_column(Uuid)  # op_id of the last operation applied
    version: Mapped[int] = mapped_column(default=1)
    seq: Mapped[int] = mapped_column(BigInteger)  # position in the conseiller's change sequence
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    client_time: Mapped[str | None] = mapped_column(String(40))
    # An archived CRA's ObjectId in the original Espace Coop (services/archives); its id is
    # derived from it, which is what makes a second import of it add nothing.
    origine_id: Mapped[str | None] = mapped_column(String(24))

    __table_args__ = (
        Index("ix_cra_conseiller_seq", "conseiller_id", "seq"),
        Index("ix_cra_conseiller_date", "conseiller_id", "date"),
        Index("ix_cra_structure_date", "structure_id", "date"),
        Index("ix_cra_date", "date"),
        Index("ix_cra_commune_date", "code_commune", "date"),  # the statistics' commune filter
    )


class CraOperation(db.Model):
    """The log of applied operations: its primary key is what makes a replay harmless."""

    __tablename__ = "cra_operation"
    op_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # What the operation changed: "cra" or "cra_coordination" (sync.protocol.OBJETS); with
    # cra_id and conseiller_id, what tells a replay from an op_id reused for another record.
    objet: Mapped[str] = mapped_column(String(20), server_default="cra")
    cra_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    conseiller_id: Mapped[int] = mapped_column(ForeignKey("conseiller.id"))
    type: Mapped[str] = mapped_column(String(10))
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    client_time: Mapped[str | None] = mapped_column(String(40))
    # For the record's history (GET /api/cras/<id>/historique): the content fields an update
    # changed, and the label of the device that sent it, when it said (the push's "appareil").
    champs: Mapped[list | None] = mapped_column(JSON_DOCUMENT)
    appareil: Mapped[str | None] = mapped_column(String(80))


class CraOperationRefusee(db.Model):
    """An operation answered "rejected" or "conflict": kept apart from the log of applied ones,
    whose primary key tells a replay (a refused op_id may come again, and is refused again).
    Only for its sender's history of the record; a replay of the same refusal is kept once."""

    __tablename__ = "cra_operation_refusee"
    id: Mapped[int] = mapped_column(primary_key=True)
    op_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    objet: Mapped[str] = mapped_column(String(20))
    cra_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    conseiller_id: Mapped[int] = mapped_column(ForeignKey("conseiller.id"))
    type: Mapped[str] = mapped_column(String(10))
    statut: Mapped[str] = mapped_column(String(10))  # sync.protocol.REJECTED or CONFLICT
    message: Mapped[str | None] = mapped_column(String(500))
    errors: Mapped[dict | None] = mapped_column(JSON_DOCUMENT)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    client_time: Mapped[str | None] = mapped_column(String(40))
    appareil: Mapped[str | None] = mapped_column(String(80))

    __table_args__ = (
        Index("ix_cra_operation_refusee_conseiller_cra", "conseiller_id", "cra_id"),
        UniqueConstraint("op_id", "conseiller_id"),
    )


CONTENT_COLUMNS = tuple(
    column.name
    for column in Cra.__table__.columns
    if column.name
    not in {
        "id",
        "conseiller_id",
        "structure_id",
        "head",
        "version",
        "seq",
        "received_at",
        "updated_at",
        "deleted_at",
        "client_time",
        "origine_id",
    }
)
