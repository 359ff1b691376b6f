"""What the pilotage pages show around the statistics reports: a structure's conseillers, a
coordinator's team, the territorial table in the order asked for.

Scopes come from perimetres.py and scopes.py, counts from statistiques.py: nothing here
computes an indicator.
"""

from sqlalchemy import select

from server.extensions import db
from server.models import Conseiller, User
from server.services import people, perimetres, rapports, scopes, statistiques, territoires


def _lignes(conseillers, perimetre, periode) -> list[dict]:
    cras = statistiques.cras_par_conseiller(perimetre, periode)
    return [{"conseiller": conseiller, "cras": cras.get(conseiller.id, 0)}
            for conseiller in conseillers]


def conseillers_de_structure(user: User, structure_id: int, args: dict) -> dict:
    """A structure's conseillers with their CRAs stamped with it over the period."""
    perimetre = perimetres.perimetre(user, "structure", str(structure_id))
    periode = perimetres.periode(args.get("du"), args.get("au"))
    conseillers = people.list_conseillers(user, structure_id)["items"]
    return {"structure": scopes.structure(user, structure_id), "perimetre": perimetre,
            "du": periode.du, "au": periode.au,
            "lignes": _lignes(conseillers, perimetre, periode)}


def equipe(user: User, coordinateur_id: int, args: dict) -> dict:
    """A coordinator's team with each member's CRAs over the period."""
    perimetre = perimetres.perimetre(user, "equipe", str(coordinateur_id))
    periode = perimetres.periode(args.get("du"), args.get("au"))
    conseillers = db.session.scalars(
        select(Conseiller).where(Conseiller.id.in_(perimetre.conseiller_ids),
                                 scopes.conseiller_condition(user))
        .order_by(Conseiller.nom, Conseiller.prenom))
    return {"perimetre": perimetre, "coordinateur_id": coordinateur_id,
            "du": periode.du, "au": periode.au,
            "lignes": _lignes(conseillers, perimetre, periode)}


def tableau_territorial(user: User, args: dict) -> dict:
    """The territorial table the user may see, sorted on a column (by code by default)."""
    tableau = rapports.territoires(user, args)
    tri, decroissant = args.get("tri", "code"), args.get("ordre") == "desc"
    if tri != "code":  # by code is the table's own order, official codes (2A, 971) included
        key = ((lambda line: territoires.normalize(line["nom"])) if tri == "nom"
               else (lambda line: line[tri]))
        tableau["items"] = sorted(tableau["items"], key=key)
    if decroissant:
        tableau["items"] = tableau["items"][::-1]
    return {**tableau, "tri": tri, "ordre": "desc" if decroissant else "asc"}


def communes_du_filtre(code_postal: str | None) -> list:
    """The communes a postal code serves, to choose one in the statistics filter."""
    return territoires.communes_of_code_postal(code_postal) if code_postal else []

