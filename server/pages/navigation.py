"""The pilotage pages' navigation: each role's home and menu (roles.md)."""

from flask import request, url_for

from server.models import Role, User


def home(user: User) -> str:
    """Where a role lands after login."""
    if user.role is Role.STRUCTURE:
        return url_for("pilotage.structure", structure_id=user.structure_id)
    if user.role is Role.COORDINATEUR:
        return url_for("pilotage.equipe", coordinateur_id=user.conseiller_id)
    if user.role in (Role.PREFET, Role.ADMIN):
        return url_for("pilotage.territoires")
    return url_for("pilotage.national")


def _statistiques(type_: str, ident) -> str:
    return url_for("pilotage.statistiques", type_=type_, ident=ident)


def _links(user: User) -> list[tuple[str, str]]:
    national = ("Statistiques nationales", url_for("pilotage.national"))
    territoires = ("Statistiques par territoire", url_for("pilotage.territoires"))
    ressourcerie = ("Ressourcerie", url_for("pilotage.ressourcerie"))
    if user.role is Role.STRUCTURE:
        return [
            ("Mes conseillers", home(user)),
            ("Statistiques de la structure", _statistiques("structure", user.structure_id)),
            territoires,
            national,
            ressourcerie,
            ("Appareils de mes conseillers", url_for("pilotage.appareils_page")),
        ]
    if user.role is Role.COORDINATEUR:
        return [
            ("Mon équipe", home(user)),
            ("Statistiques de l'équipe", _statistiques("equipe", user.conseiller_id)),
            ("Mes statistiques", _statistiques("conseiller", user.conseiller_id)),
            national,
            ressourcerie,
        ]
    if user.role is Role.PREFET:
        territoire = (
            _statistiques("departement", user.departement_code)
            if user.departement_code
            else _statistiques("region", user.region_code)
        )
        return [territoires, ("Statistiques de mon territoire", territoire), national]
    if user.role is Role.ADMIN:
        return [
            territoires,
            national,
            ressourcerie,
            ("Gestion de la ressourcerie", url_for("pilotage.gestion_ressourcerie")),
            ("CRA des coordinateurs", url_for("pilotage.cra_coordinateurs")),
            ("Appareils et synchronisation", url_for("pilotage.appareils_page")),
            ("Maintenance", url_for("pilotage.maintenance_page")),
            ("Journal des actions", url_for("pilotage.journal")),
            ("API partenaires", url_for("pilotage.partenaires_api")),
        ]
    return [
        ("Mes statistiques", _statistiques("conseiller", user.conseiller_id)),
        national,
        ressourcerie,
    ]


def menu(user: User | None) -> list[dict]:
    """The menu of a role, the current page marked; the public pages' for anyone else."""
    links = (
        _links(user)
        if user is not None
        else [("Statistiques nationales", url_for("pilotage.public"))]
    )
    return [
        {"libelle": libelle, "url": url, "actif": url == request.path} for libelle, url in links
    ]
