"""A conseiller's lieux d'activité: one principal and up to 15 others."""

import uuid

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from server.errors import ApiError
from server.extensions import db
from server.models import Cra, LieuActivite, User
from server.models.types import utcnow
from server.services import scopes, territoires
from server.services.cras import conseiller_of

MAX_LIEUX = 16
NOT_FOUND = "Lieu d'activité introuvable."


def _active(conseiller_id: int):
    return select(LieuActivite).where(scopes.own_records(LieuActivite, conseiller_id))


def list_lieux(user: User) -> list[LieuActivite]:
    """The user's lieux, the principal first, then by name."""
    conseiller = conseiller_of(user)
    return list(
        db.session.scalars(
            _active(conseiller.id).order_by(LieuActivite.principal.desc(), LieuActivite.nom)
        )
    )


def _own(user: User, lieu_id: int) -> LieuActivite:
    return scopes.own_record(LieuActivite, conseiller_of(user).id, lieu_id, NOT_FOUND)


def _apply(lieu: LieuActivite, data: dict) -> None:
    commune = territoires.commune(data["code_commune"])
    if commune is None:
        raise ApiError(422, errors={"code_commune": ["Commune inconnue."]})
    if not territoires.commune_has_code_postal(commune.code, data["code_postal"]):
        raise ApiError(
            422,
            errors={
                "code_postal": [
                    f"Le code postal {data['code_postal']} ne correspond pas à {commune.nom}."
                ]
            },
        )
    for name, value in data.items():
        setattr(lieu, name, value)
    lieu.code_commune, lieu.ville = commune.code, commune.nom


def _keep_one_principal(conseiller_id: int, lieu: LieuActivite) -> None:
    others = list(db.session.scalars(_active(conseiller_id).where(LieuActivite.id != lieu.id)))
    if lieu.principal:
        for other in others:
            other.principal = False
    elif not any(other.principal for other in others):
        lieu.principal = True  # there is always a principal lieu


def _made_by(conseiller_id: int, client_id: uuid.UUID | None) -> LieuActivite | None:
    """The lieu a phone's creation already made (archived ones included), if any."""
    if client_id is None:
        return None
    return db.session.scalars(
        select(LieuActivite).where(
            LieuActivite.conseiller_id == conseiller_id, LieuActivite.client_id == client_id
        )
    ).first()


def create(user: User, data: dict) -> LieuActivite:
    """Add a lieu; the first one, or one marked principal, becomes the principal. Idempotent on
    the phone's client_id: a replay (a lost answer, a retry) returns the lieu already made,
    unchanged."""
    conseiller = conseiller_of(user)
    known = _made_by(conseiller.id, data.get("client_id"))
    if known is not None:
        return known
    count = db.session.scalar(select(func.count()).select_from(_active(conseiller.id).subquery()))
    if (count or 0) >= MAX_LIEUX:
        raise ApiError(422, "Vous avez déjà un lieu principal et 15 autres lieux d'activité.")
    lieu = LieuActivite(conseiller_id=conseiller.id)
    _apply(lieu, data)
    db.session.add(lieu)
    try:
        db.session.flush()
    except IntegrityError:
        # The same creation committed meanwhile (a retry racing the first attempt).
        db.session.rollback()
        known = _made_by(conseiller.id, data.get("client_id"))
        if known is None:
            raise
        return known
    _keep_one_principal(conseiller.id, lieu)
    db.session.commit()
    return lieu


def edit(user: User, lieu_id: int, data: dict) -> LieuActivite:
    """Change a lieu; CRAs keep pointing at it."""
    lieu = _own(user, lieu_id)
    # client_id is the phone's name for the lieu at its creation, never changed.
    _apply(lieu, {name: value for name, value in data.items() if name != "client_id"})
    _keep_one_principal(lieu.conseiller_id, lieu)
    db.session.commit()
    return lieu


def delete(user: User, lieu_id: int) -> None:
    """Remove a lieu; archived rather than deleted when CRAs refer to it."""
    lieu = _own(user, lieu_id)
    used = db.session.scalar(select(exists().where(Cra.lieu_activite_id == lieu.id)))
    if used:
        lieu.archived_at = utcnow()
    else:
        db.session.delete(lieu)
    if lieu.principal:
        successor = db.session.scalars(
            _active(lieu.conseiller_id).where(LieuActivite.id != lieu.id).order_by(LieuActivite.nom)
        ).first()
        if successor is not None:
            successor.principal = True
        lieu.principal = False if used else lieu.principal
    db.session.commit()
