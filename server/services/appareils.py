"""Devices and their sync state: what each app reports in its pushes, the conseiller's own
devices, and the support's view (sync/PROTOCOL.md, « Devices »)."""

import uuid
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from marshmallow import EXCLUDE, ValidationError
from sqlalchemy import ColumnElement, CursorResult, and_, delete, func, or_, select, true

from server.errors import ApiError, field_errors
from server.extensions import db
from server.models import Appareil, Conseiller, Role, Structure, User
from server.models.appareil import MAX_ERREUR
from server.models.types import utcnow
from server.schemas.appareils import RapportAppareilSchema
from server.services import scopes, sql, tableur

NOT_FOUND = "Appareil introuvable."
PAGE = 50
JOURS_PAR_DEFAUT = 7  # the structure's count of devices gone quiet, when no N is chosen
INVALID_REPORT = "Informations de l'appareil invalides : mettez à jour l'application."


def rapport(body) -> dict | None:
    """The device's report in a push body, or None when the app gave no device id (an older
    app: served as before). 422 with French messages when a field is not what it says."""
    if not isinstance(body, dict):
        return None
    try:
        report = RapportAppareilSchema(unknown=EXCLUDE).load(
            {key: body[key] for key in ("appareil_id", "version", "en_attente") if key in body}
        )
    except ValidationError as error:
        raise ApiError(422, INVALID_REPORT, field_errors(error.normalized_messages())) from error
    return report if report["appareil_id"] is not None else None


def _upsert(conseiller_id: int, report: dict, libelle: str | None, changes: dict) -> None:
    """Insert or update the device's row with what it reported and `changes`; the label is
    kept when this request gave none."""
    values = {
        "conseiller_id": conseiller_id,
        "appareil_id": report["appareil_id"],
        "libelle": libelle,
        "version": report["version"],
        "en_attente": report["en_attente"],
        **changes,
    }
    insert = sql.dialect().insert(Appareil.__table__).values(premier_contact=utcnow(), **values)
    update = {key: insert.excluded[key] for key in ("version", "en_attente", *changes)}
    update["libelle"] = func.coalesce(insert.excluded.libelle, Appareil.__table__.c.libelle)
    db.session.execute(
        insert.on_conflict_do_update(index_elements=["conseiller_id", "appareil_id"], set_=update)
    )


def noter_synchro(
    conseiller_id: int, report: dict | None, libelle: str | None, refus: list[str]
) -> None:
    """A push answered 200, in its transaction: its time is the device's last sync; with
    items refused (`refus`: their messages), that same time is its last error."""
    if report is None:
        return
    now = utcnow()
    changes: dict = {"derniere_synchro": now}
    if refus:
        pluriel = "s" if len(refus) > 1 else ""
        message = f"{len(refus)} opération{pluriel} refusée{pluriel} : {refus[0]}"
        changes.update(derniere_erreur=message[:MAX_ERREUR], derniere_erreur_at=now)
    _upsert(conseiller_id, report, libelle, changes)


def noter_refus(conseiller_id: int, report: dict | None, libelle: str | None, message: str) -> None:
    """A push refused whole (not a batch, too large): the device's last error, committed on
    its own since the request fails."""
    if report is None:
        return
    now = utcnow()
    _upsert(
        conseiller_id,
        report,
        libelle,
        {"derniere_erreur": message[:MAX_ERREUR], "derniere_erreur_at": now},
    )
    db.session.commit()


def version_servie() -> dict:
    """The app's version this server serves (the digest its devices report) and the date of
    its sources (None when unknown), as the static build stamped them (pages/assets.py)."""
    return {
        "version": current_app.config["APP_VERSION"],
        "date": current_app.config["APP_VERSION_DATE"],
    }


# --- the conseiller's own devices -----------------------------------------------------------


def _conseiller_id(user: User) -> int:
    if user.conseiller_id is None:
        raise ApiError(403)
    return user.conseiller_id


def mes_appareils(user: User) -> list[Appareil]:
    """The user's devices, the last heard of first."""
    return list(
        db.session.scalars(
            select(Appareil)
            .where(Appareil.conseiller_id == _conseiller_id(user))
            .order_by(Appareil.derniere_synchro.desc().nulls_last(), Appareil.id)
        )
    )


def oublier(user: User, appareil_id: uuid.UUID) -> None:
    """Forget one of the user's devices (it comes back at its next push); someone else's is
    answered as a missing one."""
    removed = cast(
        CursorResult,
        db.session.execute(
            delete(Appareil).where(
                Appareil.conseiller_id == _conseiller_id(user), Appareil.appareil_id == appareil_id
            )
        ),
    )
    if not removed.rowcount:
        raise ApiError(404, NOT_FOUND)
    db.session.commit()


# --- the support's view ---------------------------------------------------------------------


def en_erreur() -> ColumnElement[bool]:
    """SQL condition: the device's last request ended in an error (Appareil.en_erreur)."""
    return and_(
        Appareil.derniere_erreur_at.is_not(None),
        or_(
            Appareil.derniere_synchro.is_(None),
            Appareil.derniere_erreur_at >= Appareil.derniere_synchro,
        ),
    )


def silencieux(jours: int, now: datetime) -> ColumnElement[bool]:
    """SQL condition: no sync for `jours` days (or never) while its outbox held operations."""
    return and_(
        Appareil.en_attente > 0,
        or_(
            Appareil.derniere_synchro.is_(None),
            Appareil.derniere_synchro < now - timedelta(days=jours),
        ),
    )


def version_ancienne(actuelle: str | None) -> ColumnElement[bool]:
    """SQL condition: the device runs another version than the one the server serves (the
    versions are digests, not ordered: any other is older, save during a deployment)."""
    return or_(Appareil.version.is_(None), Appareil.version != actuelle)


def _visibles(user: User) -> ColumnElement[bool]:
    """The devices the user may count: every one for the admin, those of the structure's
    conseillers (current and former: scopes.conseiller_condition) for a structure."""
    if user.role is Role.ADMIN:
        return true()
    if user.role is Role.STRUCTURE:
        return Appareil.conseiller_id.in_(
            select(Conseiller.id).where(scopes.conseiller_condition(user))
        )
    raise ApiError(403)


def _conditions(args: dict, actuelle: str | None, now: datetime) -> list:
    conditions = []
    if args.get("jours"):
        conditions.append(silencieux(args["jours"], now))
    if args.get("en_erreur"):
        conditions.append(en_erreur())
    if args.get("version_ancienne"):
        conditions.append(version_ancienne(actuelle))
    return conditions


def comptes(user: User, jours: int | None, actuelle: str | None) -> dict:
    """Counts of the devices the user may see: all, gone quiet while holding operations, in
    error, on an older version; and the conseillers with a device gone quiet."""
    scope, now = _visibles(user), utcnow()
    quiet = silencieux(jours or JOURS_PAR_DEFAUT, now)

    def count(*conditions, what=None):
        counted = func.count(what) if what is not None else func.count()
        return (
            db.session.scalar(select(counted).select_from(Appareil).where(scope, *conditions)) or 0
        )

    return {
        "jours": jours or JOURS_PAR_DEFAUT,
        "appareils": count(),
        "silencieux": count(quiet),
        "conseillers_silencieux": count(quiet, what=func.distinct(Appareil.conseiller_id)),
        "en_erreur": count(en_erreur()),
        "version_ancienne": count(version_ancienne(actuelle)),
    }


def _rows(args: dict, actuelle: str | None):
    now = utcnow()
    return (
        select(Appareil, Conseiller, Structure)
        .join(Conseiller, Conseiller.id == Appareil.conseiller_id)
        .outerjoin(Structure, Structure.id == Conseiller.structure_id)
        .where(*_conditions(args, actuelle, now))
        .order_by(Appareil.derniere_synchro.asc().nulls_first(), Appareil.id)
    )


def _ligne(appareil: Appareil, conseiller: Conseiller, structure, actuelle) -> dict:
    return {
        "appareil": appareil,
        "conseiller": f"{conseiller.prenom} {conseiller.nom}",
        "email": conseiller.email_pro,
        "structure": structure.nom if structure is not None else None,
        "a_jour": appareil.version is not None and appareil.version == actuelle,
    }


def support(user: User, args: dict) -> dict:
    """The support page: for the admin, one page of devices filtered, with the counts; for a
    structure, the counts of its conseillers' devices only; 403 for the other roles."""
    actuelle = version_servie()["version"]
    if user.role is not Role.ADMIN:
        return {"comptes": comptes(user, args.get("jours"), actuelle)}
    query = _rows(args, actuelle)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE))
    page = min(args.get("page", 1), pages)
    rows = db.session.execute(query.offset((page - 1) * PAGE).limit(PAGE))
    return {
        "comptes": comptes(user, args.get("jours"), actuelle),
        "items": [_ligne(a, c, s, actuelle) for a, c, s in rows],
        "total": total,
        "page": page,
        "per_page": PAGE,
    }


EN_TETE = [
    "Conseiller",
    "E-mail professionnel",
    "Structure",
    "Appareil",
    "Identifiant de l'appareil",
    "Version",
    "Version à jour",
    "Opérations en attente",
    "Dernier envoi réussi",
    "Dernière erreur",
    "Date de la dernière erreur",
    "En erreur",
]


def support_csv(user: User, args: dict) -> dict:
    """The admin's filtered list of devices as CSV, through the one spreadsheet writer."""
    if user.role is not Role.ADMIN:
        raise ApiError(403)
    actuelle = version_servie()["version"]

    def lignes():
        yield EN_TETE
        for appareil, conseiller, structure in db.session.execute(_rows(args, actuelle)):
            ligne = _ligne(appareil, conseiller, structure, actuelle)
            yield [
                ligne["conseiller"],
                ligne["email"],
                ligne["structure"],
                appareil.libelle,
                str(appareil.appareil_id),
                appareil.version,
                "oui" if ligne["a_jour"] else "non",
                appareil.en_attente,
                appareil.derniere_synchro,
                appareil.derniere_erreur,
                appareil.derniere_erreur_at,
                "oui" if appareil.en_erreur else "non",
            ]

    return {
        "filename": "appareils.csv",
        "mimetype": "text/csv; charset=utf-8",
        "body": tableur.csv_flux(lignes()),
    }
