"""Structures and conseillers as seen through the scopes; who may invite whom."""

from datetime import date

from sqlalchemy import func, or_, select

from server.errors import ApiError
from server.extensions import db
from server.models import Conseiller, Departement, Emploi, Region, Role, Structure, User
from server.services import confidentialite, scopes


def list_conseillers(user: User, structure_id: int | None = None) -> dict:
    """The conseillers this user may see, optionally those of one structure, each with the
    fields the user may see of them."""
    scopes.may_list_conseillers(user)
    query = select(Conseiller).where(scopes.conseiller_condition(user))
    if structure_id is not None:
        scopes.structure(user, structure_id)
        query = query.where(Conseiller.structure_id == structure_id)
    items = list(db.session.scalars(query.order_by(Conseiller.nom, Conseiller.prenom)))
    return {"total": len(items), "items": [confidentialite.vue(user, c) for c in items]}


def conseillers_de_la_periode(
    user: User, structure_id: int, du: date, au: date, avec_cras=()
) -> list[confidentialite.Vue]:
    """A structure's conseillers for a period: those it employs now, then those who left it but
    worked for it during the period (a contract overlapping it, or CRAs stamped with it, whose
    ids `avec_cras` gives), so that their "CRA saisis" add up to the structure's statistics."""
    scopes.structure(user, structure_id)
    contrat = select(Emploi.conseiller_id).where(
        Emploi.structure_id == structure_id,
        Emploi.date_debut <= au,
        or_(Emploi.date_fin.is_(None), Emploi.date_fin >= du),
    )
    query = select(Conseiller).where(
        scopes.conseiller_condition(user),
        or_(
            Conseiller.structure_id == structure_id,
            Conseiller.id.in_(contrat),
            Conseiller.id.in_(list(avec_cras)),
        ),
    )
    found = db.session.scalars(query.order_by(Conseiller.nom, Conseiller.prenom, Conseiller.id))
    items = sorted(found, key=lambda c: c.structure_id != structure_id)  # stable: by name
    return [confidentialite.vue(user, c) for c in items]


def depart(conseiller: Conseiller | confidentialite.Vue, structure_id: int) -> date | None:
    """When a conseiller who no longer works for a structure left it: the end of their last
    contract there (None while they work there, or when no contract says it)."""
    if conseiller.structure_id == structure_id:
        return None
    fins = [
        emploi.date_fin
        for emploi in conseiller.emplois
        if emploi.structure_id == structure_id and emploi.date_fin is not None
    ]
    return max(fins, default=None)


def fiche_conseiller(user: User, conseiller_id: int) -> confidentialite.Vue:
    """One conseiller in the user's scope, with the fields the user may see (else 404)."""
    return confidentialite.vue(user, scopes.conseiller(user, conseiller_id))


def list_structures(user: User) -> dict:
    """The structures this user may see."""
    condition = scopes.structure_condition(user)
    items = list(db.session.scalars(select(Structure).where(condition).order_by(Structure.nom)))
    return {"total": len(items), "items": items}


def count_structures() -> int:
    """How many structures exist (the demo seed checks it before seeding)."""
    return db.session.execute(select(func.count()).select_from(Structure)).scalar_one()


def check_may_invite(inviter: User, data: dict) -> dict:
    """Admins invite anyone; a structure invites its own conseillers and colleagues.

    Returns the account links for the new user.
    """
    role = Role(data["role"])
    links = {
        key: data.get(key)
        for key in ("conseiller_id", "structure_id", "departement_code", "region_code")
    }
    if inviter.role is Role.STRUCTURE:
        if role is Role.STRUCTURE:
            if links["structure_id"] != inviter.structure_id:
                raise ApiError(403, "Vous ne pouvez inviter que des membres de votre structure.")
        elif role in (Role.CONSEILLER, Role.COORDINATEUR):
            scopes.conseiller(inviter, links["conseiller_id"])
        else:
            raise ApiError(403, "Seule l'équipe nationale peut créer ce type de compte.")
    elif inviter.role is not Role.ADMIN:
        raise ApiError(403)
    keep = {
        Role.CONSEILLER: ("conseiller_id",),
        Role.COORDINATEUR: ("conseiller_id",),
        Role.STRUCTURE: ("structure_id",),
        Role.PREFET: ("departement_code", "region_code"),
        Role.ADMIN: (),
    }[role]
    links = {key: value for key, value in links.items() if key in keep and value is not None}
    _check_links_exist(links)
    return links


def _check_links_exist(links: dict) -> None:
    models = {
        "conseiller_id": Conseiller,
        "structure_id": Structure,
        "departement_code": Departement,
        "region_code": Region,
    }
    for key, value in links.items():
        if db.session.get(models[key], value) is None:
            raise ApiError(422, "Référence introuvable.", {key: ["Référence introuvable."]})
    if "conseiller_id" in links and db.session.scalar(
        select(User.id).where(User.conseiller_id == links["conseiller_id"])
    ):
        raise ApiError(
            409,
            "Ce conseiller a déjà un compte.",
            {"conseiller_id": ["Ce conseiller a déjà un compte."]},
        )
