"""/referentiel.json: the CRA form's keys, labels and limits, one source for the app."""

import json
from functools import cache

from server.models import coordination, cra
from server.schemas.coordinations import MAX_HEURES
from server.schemas.cras import FIRST_DAY, MAX_PARTICIPANTS

# The hints under each activity type in the original form (../shared/reference/cra.md).
ACTIVITES_AIDE = {
    "collectif": "Ateliers, accompagnements menés avec plusieurs personnes.",
    "individuel": "Lorsqu'une seule personne est accompagnée.",
    "ponctuel": "Conseils et services ponctuels, informels, que vous estimez comme étant du "
    "temps de travail.",
}


def referentiel() -> dict:
    """The document, its keys in the order of the form."""
    return {
        "canaux": cra.CANAUX,
        "activites": cra.ACTIVITES,
        "activites_aide": ACTIVITES_AIDE,
        "ages": cra.AGES,
        "statuts": cra.STATUTS,
        "themes": {
            key: {"label": label, "stats_label": stats_label}
            for key, (label, stats_label) in cra.THEMES.items()
        },
        "sous_themes": cra.SOUS_THEMES,
        "durees": cra.DUREES,
        "suivis": cra.SUIVIS,
        "organismes": list(cra.ORGANISMES),
        "types_acces": cra.TYPES_ACCES,
        # The coordinators' CRA (server/schemas/coordinations.py has the last word).
        "coordination": {
            "types_evenement": coordination.TYPES_EVENEMENT,
            "organisateurs": coordination.ORGANISATEURS,
            "types_structure": coordination.TYPES_STRUCTURE,
            "natures_partenariat": coordination.NATURES_PARTENARIAT,
            "types_accompagnement": coordination.TYPES_ACCOMPAGNEMENT,
            "problematiques": coordination.PROBLEMATIQUES,
            "actions": coordination.ACTIONS,
            "heures_max": MAX_HEURES,
        },
        # The same limits as CraSchema (server/schemas/cras.py), which has the last word.
        "limites": {
            "participants_max": MAX_PARTICIPANTS,
            "annotation_min": 3,
            "annotation_max": 35,
            "duree_minutes_min": 60,
            "duree_minutes_max": 480,
            "duree_minutes_pas": 15,
            "premiere_date": FIRST_DAY.isoformat(),
        },
    }


@cache
def referentiel_json() -> bytes:
    """The document as served: Flask's JSON provider would sort the keys, whose order matters."""
    return json.dumps(referentiel(), ensure_ascii=False, separators=(",", ":")).encode()
