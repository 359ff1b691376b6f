"""SQLAlchemy models, one module per aggregate."""

from server.models.account import (
    Invitation,
    LoginFailure,
    RevokedSession,
    RevokedToken,
    Role,
    User,
)
from server.models.appareil import Appareil
from server.models.audit import Audit
from server.models.coordination import CraCoordination
from server.models.cra import Cra, CraOperation, CraOperationRefusee, LieuActivite
from server.models.maintenance import Maintenance
from server.models.partenaire import ClientApi
from server.models.people import Conseiller, Coordination, Emploi, Structure
from server.models.push import EnvoiPush, PushSubscription, Rappel, RappelPreferences
from server.models.ressourcerie import Document
from server.models.statistique import cra_stat_jour, cra_stat_organisme
from server.models.territory import Commune, CommuneCodePostal, Departement, Region

__all__ = [
    "Appareil",
    "Audit",
    "ClientApi",
    "Commune",
    "CommuneCodePostal",
    "Conseiller",
    "Coordination",
    "Cra",
    "CraCoordination",
    "CraOperation",
    "CraOperationRefusee",
    "Departement",
    "Document",
    "Emploi",
    "EnvoiPush",
    "LieuActivite",
    "PushSubscription",
    "Rappel",
    "RappelPreferences",
    "Invitation",
    "LoginFailure",
    "Maintenance",
    "Region",
    "RevokedSession",
    "RevokedToken",
    "Role",
    "Structure",
    "User",
    "cra_stat_jour",
    "cra_stat_organisme",
]
