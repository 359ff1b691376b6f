"""Valid CRA payloads to build tests from."""

import uuid
from datetime import date


def cra_payload(**changes) -> dict:
    """A valid individual CRA in Lyon, à distance, changed by keyword."""
    payload = {
        "date": "2026-11-02",
        "canal": "distance",
        "lieu_activite_id": None,
        "code_postal": "69001",
        "code_commune": "69123",
        "nom_commune": "Lyon",
        "activite": "individuel",
        "nb_participants": 1,
        "nb_recurrents": 0,
        "age": {"moins12ans": 0, "de12a18ans": 0, "de18a35ans": 1, "de35a60ans": 0, "plus60ans": 0},
        "statut": {"etudiant": 0, "sansEmploi": 1, "enEmploi": 0, "retraite": 0, "heterogene": 0},
        "themes": ["courriel"],
        "sous_themes": {},
        "annotation": None,
        "duree": "30-60",
        "duree_minutes": None,
        "suivi": {"individuel": 0, "atelier": 0, "redirection": 0},
        "organismes": [],
    }
    payload.update(changes)
    return payload


def atelier_payload(**changes) -> dict:
    """A valid atelier of 5 people, 2 of them already met."""
    return cra_payload(
        **{
            "activite": "collectif",
            "nb_participants": 5,
            "nb_recurrents": 2,
            "age": {
                "moins12ans": 0,
                "de12a18ans": 1,
                "de18a35ans": 1,
                "de35a60ans": 1,
                "plus60ans": 2,
            },
            "statut": {
                "etudiant": 1,
                "sansEmploi": 1,
                "enEmploi": 1,
                "retraite": 2,
                "heterogene": 0,
            },
            "themes": ["sante", "securite"],
            "sous_themes": {"sante": ["espace-sante"]},
            "duree": "60+",
            "duree_minutes": 90,
            "suivi": {"individuel": 1, "atelier": 1, "redirection": 2},
            "organismes": [{"nom": "CAF", "nombre": 1}, {"nom": "Maison du Vélo", "nombre": 1}],
            **changes,
        }
    )


def create_op(cra=None, cra_id=None, **extra) -> dict:
    return {
        "op_id": str(uuid.uuid4()),
        "type": "create",
        "cra_id": cra_id or str(uuid.uuid4()),
        "cra": cra or cra_payload(),
        "client_time": "2026-11-02T10:00:00+01:00",
        **extra,
    }


def update_op(cra_id, base, cra=None) -> dict:
    return {
        "op_id": str(uuid.uuid4()),
        "type": "update",
        "cra_id": cra_id,
        "base": base,
        "cra": cra or cra_payload(),
    }


def delete_op(cra_id, base) -> dict:
    return {"op_id": str(uuid.uuid4()), "type": "delete", "cra_id": cra_id, "base": base}


TODAY = date(2026, 11, 23)
