"""Which fields of a person each viewer may see: the one place that says it (RGPD minimisation).

scopes.py decides *whom* a user may see; this module decides *what* of them. Personal contact
data and birth dates are for the person themselves, their current employer structure and the
national team (shared/reference/roles.md); everyone else in scope (a coordinator for their team,
a prefet for their territory, a former employer) sees professional data only. Structures are
organisations: none of their fields is personal.

Consumers never read a hidden field: the API, the pages and the exports get a `vue()` of the
person, on which a hidden field does not exist (marshmallow leaves the key out, Jinja sees it
undefined).
"""

from server.models import Conseiller, Role, User

PERSONNELS: dict[type, frozenset[str]] = {
    Conseiller: frozenset({"email_perso", "telephone_perso", "date_naissance"}),
    # The login address may be a private one: shown to its owner, employer and the agency.
    User: frozenset({"email"}),
}


def employeur_de(sujet: Conseiller | User) -> int | None:
    """The structure a person works for now (a former employer is not it)."""
    if isinstance(sujet, Conseiller):
        return sujet.structure_id
    if sujet.conseiller is not None:
        return sujet.conseiller.structure_id
    return sujet.structure_id


def voit_personnel(viewer: User, sujet: Conseiller | User) -> bool:
    """May this viewer see the subject's personal contact data and birth date?"""
    if viewer.role is Role.ADMIN:
        return True
    if isinstance(sujet, Conseiller):
        if viewer.conseiller_id is not None and viewer.conseiller_id == sujet.id:
            return True
    elif viewer.id == sujet.id:
        return True
    return (
        viewer.role is Role.STRUCTURE
        and viewer.structure_id is not None
        and viewer.structure_id == employeur_de(sujet)
    )


def caches(viewer: User, sujet: Conseiller | User) -> frozenset[str]:
    """The subject's fields this viewer may not see."""
    if voit_personnel(viewer, sujet):
        return frozenset()
    return PERSONNELS.get(type(sujet), frozenset())


def professionnels(model: type, *noms: str) -> tuple[str, ...]:
    """Names of columns a consumer shows to every viewer in scope (exports): refuses a
    personal one, so that adding one to an export is an error, not a leak."""
    personnels = PERSONNELS.get(model, frozenset()) & set(noms)
    if personnels:
        raise ValueError(f"personal fields of {model.__name__}: {sorted(personnels)}")
    return noms


class Vue:
    """A person as a viewer may see them: the model's attributes, without the hidden ones."""

    __slots__ = ("_sujet", "_caches")

    def __init__(self, sujet, caches: frozenset[str]):
        self._sujet = sujet
        self._caches = caches

    def __getattr__(self, name):
        if name in self._caches:
            raise AttributeError(name)
        return getattr(self._sujet, name)


def vue(viewer: User, sujet: Conseiller | User) -> Vue:
    """The subject as this viewer may see them."""
    return Vue(sujet, caches(viewer, sujet))
