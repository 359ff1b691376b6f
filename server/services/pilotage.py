"""What the pilotage pages show around the statistics reports: a structure's conseillers, a
coordinator's team, the territorial table in the order asked for; and around the ressourcerie
(services/ressourcerie.py): its page and its management.

Scopes come from perimetres.py and scopes.py, counts from statistiques.py: nothing here
computes an indicator.
"""

from sqlalchemy import select

from server.errors import ApiError
from server.extensions import db
from server.models import Conseiller, Role, User
from server.services import (
    people,
    perimetres,
    rapports,
    ressourcerie,
    scopes,
    statistiques,
    territoires,
)


def _lignes(conseillers, perimetre, periode) -> list[dict]:
    cras = statistiques.cras_par_conseiller(perimetre, periode)
    return [
        {"conseiller": conseiller, "cras": cras.get(conseiller.id, 0)} for conseiller in conseillers
    ]


def conseillers_de_structure(user: User, structure_id: int, args: dict) -> dict:
    """A structure's conseillers of the period, those who left it included (with the date they
    left), each with their CRAs stamped with it over the period, and the total of these CRAs:
    the structure's "CRA enregistrés" for the same period."""
    perimetre = perimetres.perimetre(user, "structure", str(structure_id))
    periode = perimetres.periode(args.get("du"), args.get("au"))
    cras = statistiques.cras_par_conseiller(perimetre, periode)
    conseillers = people.conseillers_de_la_periode(user, structure_id, periode.du, periode.au, cras)
    lignes = [
        {
            "conseiller": conseiller,
            "cras": cras.get(conseiller.id, 0),
            "parti": conseiller.structure_id != structure_id,
            "depart": people.depart(conseiller, structure_id),
        }
        for conseiller in conseillers
    ]
    return {
        "perimetre": perimetre,
        "du": periode.du,
        "au": periode.au,
        "lignes": lignes,
        "total": sum(ligne["cras"] for ligne in lignes),
    }


def equipe(user: User, coordinateur_id: int, args: dict) -> dict:
    """A coordinator's team with each member's CRAs over the period."""
    perimetre = perimetres.perimetre(user, "equipe", str(coordinateur_id))
    periode = perimetres.periode(args.get("du"), args.get("au"))
    conseillers = db.session.scalars(
        select(Conseiller)
        .where(Conseiller.id.in_(perimetre.conseiller_ids or ()), scopes.conseiller_condition(user))
        .order_by(Conseiller.nom, Conseiller.prenom)
    )
    return {
        "perimetre": perimetre,
        "coordinateur_id": coordinateur_id,
        "du": periode.du,
        "au": periode.au,
        "lignes": _lignes(conseillers, perimetre, periode),
    }


def tableau_territorial(user: User, args: dict) -> dict:
    """The territorial table the user may see, sorted on a column (by code by default)."""
    tableau = rapports.territoires(user, args)
    tri, ordre = args["tri"], args["ordre"]  # the page's schema gives their defaults
    if tri != "code":  # by code is the table's own order, official codes (2A, 971) included
        key = (
            (lambda line: territoires.normalize(line["nom"]))
            if tri == "nom"
            else (lambda line: line[tri])
        )
        tableau["items"] = sorted(tableau["items"], key=key)
    if ordre == "desc":
        tableau["items"] = tableau["items"][::-1]
    return {**tableau, "tri": tri, "ordre": ordre}


def communes_du_filtre(code_postal: str | None) -> list:
    """The communes a postal code serves, to choose one in the statistics filter."""
    return territoires.communes_of_code_postal(code_postal) if code_postal else []


TAGS_EN_VUE = 12  # the most used tags shown at once; "Afficher tous les tags" for the rest


def ressourcerie_page(user: User, args: dict) -> dict:
    """The ressourcerie page: the thématiques and tags with their counts, the published
    documents found (newest first: "Derniers ajouts" when nothing is filtered) and, for an
    author who proposes (admins publish from the management page), their own proposals
    awaiting a decision or refused."""
    tags = ressourcerie.tags(user)
    filtres = {key: args[key] for key in ("q", "thematique", "tag") if args.get(key)}
    auteur = user.role in ressourcerie.AUTHORS and user.role is not Role.ADMIN
    propositions = (
        [
            document
            for statut in ("propose", "refuse")
            for document in ressourcerie.liste(user, {"statut": statut})["items"]
        ]
        if auteur
        else []
    )
    return {
        "thematiques": ressourcerie.thematiques(user),
        "tags": tags[:TAGS_EN_VUE],
        "tous_les_tags": sorted(tags, key=lambda line: ressourcerie.plain(line["tag"]))
        if len(tags) > TAGS_EN_VUE
        else [],
        "filtres": filtres,
        "auteur": auteur,
        "propositions": propositions,
        "documents": ressourcerie.liste(user, {**args, "statut": "publie"}),
    }


def gestion_ressourcerie(user: User, page: int) -> dict:
    """What an admin decides on: the 30 newest proposals awaiting a decision with who proposed
    them, and a page of the published documents, newest first."""
    if user.role is not Role.ADMIN:
        raise ApiError(403)
    propositions = ressourcerie.liste(user, {"statut": "propose"})
    auteurs = dict(
        db.session.execute(
            select(User.id, User.email).where(
                User.id.in_([document.propose_par_id for document in propositions["items"]])
            )
        ).all()
    )
    return {
        "propositions": propositions,
        "auteurs": auteurs,
        "publies": ressourcerie.liste(user, {"statut": "publie", "page": page}),
        "thematiques": ressourcerie.thematiques(user),
    }
