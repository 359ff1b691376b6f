"""Who may see what: the one place that answers it, used by every endpoint.

Refusals: a role that may never see a kind of resource gets 403; an object of a kind the role
may see but outside its scope gets the same 404 as a missing one, so existence never leaks.
"""

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from server.errors import ApiError
from server.extensions import db
from server.models import (
    Conseiller,
    Coordination,
    Cra,
    Departement,
    Emploi,
    LieuActivite,
    Role,
    Structure,
    User,
)
from server.models.coordination import CraCoordination

NOT_FOUND = "Ressource introuvable."

# A conseiller's own records, by kind, and the column whose date marks one gone.
_GONE = {Cra: "deleted_at", CraCoordination: "deleted_at", LieuActivite: "archived_at"}


def own_records(model, conseiller_id) -> ColumnElement[bool]:
    """SQL condition: the conseiller's own records of this kind (CRAs, coordination CRAs,
    lieux d'activité), the deleted or archived ones excluded. `conseiller_id` may be a column
    (a correlated condition)."""
    return and_(model.conseiller_id == conseiller_id, getattr(model, _GONE[model]).is_(None))


def own_record(model, conseiller_id: int, record_id, message: str = NOT_FOUND):
    """One of the conseiller's own records of this kind (neither deleted nor archived), else
    404 with the message: someone else's is answered as a missing one."""
    record = db.session.get(model, record_id)
    if (
        record is None
        or record.conseiller_id != conseiller_id
        or getattr(record, _GONE[model]) is not None
    ):
        raise ApiError(404, message)
    return record


def _forbidden() -> ApiError:
    return ApiError(403)


def structures_in_territory(user: User):
    """Ids of the structures located in a prefet's département or région."""
    query = select(Structure.id)
    if user.departement_code:
        return query.where(Structure.departement_code == user.departement_code)
    return query.where(Structure.region_code == user.region_code)


def conseiller_condition(user: User) -> ColumnElement[bool]:
    """SQL condition on Conseiller selecting those this user may see: people only, never the
    owner of a structure's archived CRAs (services/archives), which no list shows."""
    return and_(Conseiller.archive.is_(False), _people_condition(user))


def _people_condition(user: User) -> ColumnElement[bool]:
    if user.role is Role.ADMIN:
        return true()
    if user.role is Role.CONSEILLER:
        return Conseiller.id == user.conseiller_id
    if user.role is Role.COORDINATEUR:
        team = select(Coordination.conseiller_id).where(
            Coordination.coordinateur_id == user.conseiller_id
        )
        return or_(Conseiller.id == user.conseiller_id, Conseiller.id.in_(team))
    if user.role is Role.STRUCTURE:
        # Former employees too: a structure keeps seeing the work done for it.
        employed = select(Emploi.conseiller_id).where(Emploi.structure_id == user.structure_id)
        return or_(Conseiller.structure_id == user.structure_id, Conseiller.id.in_(employed))
    if user.role is Role.PREFET:
        structures = structures_in_territory(user)
        employed = select(Emploi.conseiller_id).where(Emploi.structure_id.in_(structures))
        return or_(Conseiller.structure_id.in_(structures), Conseiller.id.in_(employed))
    return false()


def structure_condition(user: User) -> ColumnElement[bool]:
    """SQL condition on Structure selecting those this user may see; 403 for other roles."""
    if user.role is Role.ADMIN:
        return true()
    if user.role is Role.STRUCTURE:
        return Structure.id == user.structure_id
    if user.role is Role.PREFET:
        return Structure.id.in_(structures_in_territory(user))
    raise _forbidden()


def conseiller(user: User, conseiller_id: int | None) -> Conseiller:
    """A conseiller this user may see, else 404."""
    found = db.session.scalar(
        select(Conseiller).where(Conseiller.id == conseiller_id, conseiller_condition(user))
    )
    if found is None:
        raise ApiError(404, NOT_FOUND)
    return found


def structure(user: User, structure_id: int) -> Structure:
    """A structure this user may see, else 404 (403 for roles that never see structures)."""
    condition = structure_condition(user)
    found = db.session.scalar(select(Structure).where(Structure.id == structure_id, condition))
    if found is None:
        raise ApiError(404, NOT_FOUND)
    return found


def may_list_conseillers(user: User) -> None:
    """Lists of conseillers are for those who follow others; a conseiller gets 403."""
    if user.role is Role.CONSEILLER:
        raise _forbidden()


def may_see_territory(
    user: User, departement_code: str | None = None, region_code: str | None = None
) -> None:
    """Territorial figures: admin and structures everywhere, a prefet only on their ground."""
    if user.role in (Role.ADMIN, Role.STRUCTURE):
        return
    if user.role is not Role.PREFET:
        raise _forbidden()
    if region_code is not None:
        allowed = user.region_code == region_code
    else:
        dep = db.session.get(Departement, departement_code or "")
        allowed = dep is not None and (
            user.departement_code == dep.code
            or (user.region_code is not None and user.region_code == dep.region_code)
        )
    if not allowed:
        raise ApiError(404, NOT_FOUND)
