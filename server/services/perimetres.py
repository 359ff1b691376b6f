"""Which CRAs a user's statistics count: a Perimetre for each scope a page, chart, API answer
or export names, built on server/services/scopes.py (who may see what).

Refusals follow scopes.py: 403 for a role that never sees a kind of scope, 404 for one out of
reach, as for a missing one.
"""

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select

from server.errors import ApiError
from server.extensions import db
from server.models import Coordination, Departement, Region, Role, Structure, User
from server.services import scopes, territoires
from server.services.cras import conseiller_of, today_for
from server.services.francais import PARIS
from server.services.statistiques import NATIONAL, PROGRAMME_START, Perimetre, Periode

TYPES = ("conseiller", "equipe", "structure", "departement", "region", "national")


def _nom(conseiller) -> str:
    return f"{conseiller.prenom} {conseiller.nom}"


def mes_statistiques(user: User) -> Perimetre:
    """The user's own CRAs ("Mes statistiques")."""
    conseiller = conseiller_of(user)
    return Perimetre(
        "conseiller", _nom(conseiller), str(conseiller.id), conseiller_ids=(conseiller.id,)
    )


def _id(ident: str) -> int:
    if not ident.isdigit() or int(ident) > 2**31 - 1:
        raise ApiError(404, scopes.NOT_FOUND)
    return int(ident)


def _conseiller(user: User, ident: str) -> Perimetre:
    conseiller = scopes.conseiller(user, _id(ident))
    perimetre = Perimetre("conseiller", _nom(conseiller), str(conseiller.id), (conseiller.id,))
    # A structure sees the work done for it, a prefet the work done in its territory.
    if user.role is Role.STRUCTURE:
        return replace(perimetre, structure_id=user.structure_id)
    if user.role is Role.PREFET:
        return replace(
            perimetre,
            departement_code=user.departement_code,
            region_code=None if user.departement_code else user.region_code,
        )
    return perimetre


def _equipe(user: User, ident: str) -> Perimetre:
    """A coordinator's team: their own, or any for the national team."""
    if user.role not in (Role.COORDINATEUR, Role.ADMIN):
        raise ApiError(403)
    coordinateur_id = _id(ident)
    if user.role is Role.COORDINATEUR and coordinateur_id != user.conseiller_id:
        raise ApiError(404, scopes.NOT_FOUND)
    coordinateur = scopes.conseiller(user, coordinateur_id)
    members = tuple(
        db.session.scalars(
            select(Coordination.conseiller_id)
            .where(Coordination.coordinateur_id == coordinateur_id)
            .order_by(Coordination.conseiller_id)
        )
    )
    return Perimetre(
        "equipe", f"équipe de {_nom(coordinateur)}", str(coordinateur_id), conseiller_ids=members
    )


def de_structure(structure: Structure) -> Perimetre:
    """A structure's scope (who may see it is the caller's check)."""
    return Perimetre("structure", structure.nom, str(structure.id), structure_id=structure.id)


def de_departement(departement: Departement) -> Perimetre:
    """A département's scope, named « Rhône (69) » (who may see it is the caller's check)."""
    return Perimetre(
        "departement",
        f"{departement.nom} ({departement.code})",
        departement.code,
        departement_code=departement.code,
    )


def de_region(region: Region) -> Perimetre:
    """A région's scope (who may see it is the caller's check)."""
    return Perimetre("region", region.nom, region.code, region_code=region.code)


def _structure(user: User, ident: str) -> Perimetre:
    return de_structure(scopes.structure(user, _id(ident)))


def _departement(user: User, code: str) -> Perimetre:
    departement = territoires.departement(code)
    if departement is None:
        raise ApiError(404, scopes.NOT_FOUND)
    scopes.may_see_territory(user, departement_code=departement.code)
    return de_departement(departement)


def _region(user: User, code: str) -> Perimetre:
    region = territoires.region(code)
    if region is None:
        raise ApiError(404, scopes.NOT_FOUND)
    scopes.may_see_territory(user, region_code=region.code)
    return de_region(region)


BUILDERS = {
    "conseiller": _conseiller,
    "equipe": _equipe,
    "structure": _structure,
    "departement": _departement,
    "region": _region,
}


def perimetre(user: User | None, type_: str, ident: str = "") -> Perimetre:
    """The scope named by a type and an identifier, as this user may see it.

    National statistics are public (user None); every other scope needs a user allowed to see
    it.
    """
    if type_ == "national":
        return NATIONAL
    if type_ not in BUILDERS:
        raise ApiError(404, scopes.NOT_FOUND)
    if user is None:
        raise ApiError(401)
    return BUILDERS[type_](user, ident)


def today_paris() -> date:
    """Today in metropolitan France."""
    return datetime.now(PARIS).date()


def periode(
    du: date | None, au: date | None, debut: date | None = None, today: date | None = None
) -> Periode:
    """The period asked for; by default from `debut` (the programme's start) to today."""
    au = au or today or today_paris()
    du = du or min(debut or PROGRAMME_START, au)
    return Periode(du, au)


def periode_mes_statistiques(user: User, du: date | None, au: date | None) -> Periode:
    """ "Mes statistiques" default: the 1st of the month → today, in the conseiller's time zone."""
    today = today_for(conseiller_of(user))
    return periode(du, au, debut=min(today, au or today).replace(day=1), today=today)


def may_see(user: User, maille: str, code: str) -> bool:
    """Whether a row of the territorial table (a département or a région) is for this user."""
    try:
        scopes.may_see_territory(user, **{f"{maille}_code": code})
    except ApiError:
        return False
    return True


def lignes_autorisees(user: User | None, perimetre: Perimetre) -> bool:
    """Whether the user may export the scope's CRAs one by one, not only its figures: those
    who may see each of them (roles.md). A structure sees territorial and national figures, not
    other structures' CRAs; national rows are for the national team."""
    if user is None:
        return False
    if perimetre.type in ("conseiller", "equipe", "structure"):
        return True  # the scope already holds only CRAs this user may see
    if perimetre.type == "national":
        return user.role is Role.ADMIN
    return user.role in (Role.ADMIN, Role.PREFET)
