"""The CRA schema: every field and cross-field rule of the form, one French message per field."""

import json
import uuid
from datetime import UTC, date, datetime

import pytest
from marshmallow import ValidationError

from server.models import Cra, CraCoordination, LieuActivite
from server.schemas.coordinations import CraCoordinationSchema, coordination_copy
from server.schemas.cras import CraSchema, cra_copy
from server.services import territoires
from tests.cra_payloads import TODAY, atelier_payload, cra_payload

LIEU = LieuActivite(
    id=7,
    conseiller_id=1,
    nom="Médiathèque",
    code_postal="69100",
    code_commune="69266",
    ville="Villeurbanne",
)


def load(payload, today=TODAY):
    return CraSchema(lieux={7: LIEU}, today=today, communes=territoires.commune_connue).load(
        payload
    )


def errors_of(payload, today=TODAY):
    with pytest.raises(ValidationError) as caught:
        load(payload, today)
    return caught.value.normalized_messages()


def test_valid_individual_cra_is_flattened_for_the_database(app):
    loaded = load(cra_payload())
    assert loaded["age_de18a35ans"] == 1 and loaded["statut_sansEmploi"] == 1
    assert loaded["nom_commune"] == "Lyon" and loaded["date"] == date(2026, 11, 2)


def test_valid_atelier_with_free_text_organisme(app):
    loaded = load(atelier_payload())
    assert loaded["suivi_redirection"] == 2
    assert [o["nom"] for o in loaded["organismes"]] == ["CAF", "Maison du Vélo"]


def test_official_commune_name_replaces_what_the_client_sent(app):
    assert load(cra_payload(nom_commune="UNDEFINED"))["nom_commune"] == "Lyon"


def test_rattachement_takes_the_commune_of_the_lieu(app):
    loaded = load(
        cra_payload(canal="rattachement", lieu_activite_id=7, code_postal=None, code_commune=None)
    )
    assert (loaded["code_commune"], loaded["nom_commune"]) == ("69266", "Villeurbanne")


RULES = [
    ("date before the programme", {"date": "2019-12-31"}, "date", "01/01/2020"),
    ("date in the future", {"date": "2026-11-24"}, "date", "futur"),
    ("unknown canal", {"canal": "plage"}, "canal", "liste"),
    ("rattachement without lieu", {"canal": "rattachement"}, "lieu_activite_id", "lieu"),
    ("lieu of someone else", {"lieu_activite_id": 99}, "lieu_activite_id", "vôtres"),
    ("no commune", {"code_commune": None}, "code_commune", "commune"),
    ("unknown commune", {"code_commune": "99999"}, "code_commune", "inconnue"),
    (
        "postal code of another commune",
        {"code_postal": "42000"},
        "code_postal",
        "ne correspond pas",
    ),
    ("individuel with 2 people", {"nb_participants": 2}, "nb_participants", "1 personne"),
    (
        "ponctuel with 3 people",
        {"activite": "ponctuel", "nb_participants": 3},
        "nb_participants",
        "1 personne",
    ),
    (
        "more than 100 participants",
        {"activite": "collectif", "nb_participants": 101},
        "nb_participants",
        "entre 1 et 100",
    ),
    ("no theme", {"themes": []}, "themes", "au moins un thème"),
    ("legacy theme", {"themes": ["smartphone"]}, "themes", "liste"),
    ("theme twice", {"themes": ["budget", "budget"]}, "themes", "une fois"),
    (
        "sous-thème without its theme",
        {"sous_themes": {"sante": ["espace-sante"]}},
        "sous_themes",
        "thème",
    ),
    ("annotation too short", {"annotation": "ab"}, "annotation", "entre 3 et 35"),
    ("annotation too long", {"annotation": "x" * 36}, "annotation", "entre 3 et 35"),
    ("unknown duration", {"duree": "2h"}, "duree", "liste"),
    ("1h+ without minutes", {"duree": "60+"}, "duree_minutes", "par pas de 15"),
    (
        "minutes off the 15 grid",
        {"duree": "60+", "duree_minutes": 70},
        "duree_minutes",
        "par pas de 15",
    ),
    ("more than 8 hours", {"duree": "60+", "duree_minutes": 495}, "duree_minutes", "8h00"),
    ("minutes with a short bucket", {"duree_minutes": 60}, "duree_minutes", "1h ou plus"),
    ("unknown field", {"pirate": 1}, "pirate", "Champ inconnu"),
    ("text as a number", {"nb_participants": "1"}, "nb_participants", "entier"),
]


@pytest.mark.parametrize(
    "case, changes, field, message_part", RULES, ids=[rule[0] for rule in RULES]
)
def test_rule_refuses_with_a_french_message_on_the_field(app, case, changes, field, message_part):
    errors = errors_of(cra_payload(**changes))
    assert field in errors, errors
    assert message_part in str(errors[field])


ATELIER_RULES = [
    ("ages do not add up", {"age": {"plus60ans": 1}}, "age", "(1) doit être égale"),
    ("statuts do not add up", {"statut": {"retraite": 6}}, "statut", "(6) doit être égale"),
    ("more récurrents than participants", {"nb_recurrents": 6}, "nb_recurrents", "dépasser"),
    (
        "more follow-ups than participants",
        {"suivi": {"individuel": 4, "atelier": 0, "redirection": 2}},
        "suivi",
        "dépasser",
    ),
    (
        "organismes do not add up to redirections",
        {"organismes": [{"nom": "CAF", "nombre": 1}]},
        "organismes",
        "égale au nombre",
    ),
    (
        "same organisme twice",
        {"organismes": [{"nom": "CAF", "nombre": 1}, {"nom": "CAF", "nombre": 1}]},
        "organismes",
        "une fois",
    ),
    ("negative count", {"age": {"moins12ans": -1}}, "age", "entre 0 et 100"),
]


@pytest.mark.parametrize(
    "case, changes, field, message_part", ATELIER_RULES, ids=[rule[0] for rule in ATELIER_RULES]
)
def test_breakdown_rules(app, case, changes, field, message_part):
    errors = errors_of(atelier_payload(**changes))
    assert field in errors, errors
    assert message_part in str(errors[field])


def test_every_problem_is_reported_at_once(app):
    errors = errors_of(cra_payload(date="2030-01-01", themes=[], annotation="x"))
    assert {"date", "themes", "annotation"} <= set(errors)


def test_today_is_the_conseillers_today(app):
    """At 01:00 in Paris on the 24th it is still the 23rd in Réunion... and the reverse."""
    assert load(cra_payload(date="2026-11-24"), today=date(2026, 11, 24))
    assert "date" in errors_of(cra_payload(date="2026-11-24"), today=date(2026, 11, 23))


# --- the copies the sync returns -----------------------------------------------------------

COPIED = [
    cra_payload(),
    atelier_payload(annotation="  Atelier CAF  "),
    cra_payload(
        canal="rattachement",
        lieu_activite_id=7,
        code_postal=None,
        code_commune=None,
        themes=["equipement informatique", "budget"],
        sous_themes={"equipement informatique": ["telephone", "ordinateur"]},
        duree="60+",
        duree_minutes=480,
        date="2020-01-01",
    ),
    cra_payload(
        activite="ponctuel",
        canal="domicile",
        code_postal="42100",
        code_commune="42218",
        nom_commune="?",
        duree="0-30",
    ),
]
STAMPS = [  # (received_at, updated_at, deleted_at, version)
    (datetime(2026, 11, 2, 9, 0, tzinfo=UTC), datetime(2026, 11, 2, 9, 0, tzinfo=UTC), None, 1),
    (
        datetime(2026, 11, 2, 9, 0, 0, 1, tzinfo=UTC),
        datetime(2026, 11, 3, 17, 45, 12, 345678, tzinfo=UTC),
        datetime(2026, 11, 3, 17, 45, 12, 345678, tzinfo=UTC),
        7,
    ),
]


def same_json(left, right) -> bool:
    """Equal, keys in the same order at every level (what the client receives)."""
    return json.dumps(left, ensure_ascii=False) == json.dumps(right, ensure_ascii=False)


@pytest.mark.parametrize("stamps", STAMPS)
@pytest.mark.parametrize("payload", COPIED)
def test_the_compiled_copy_is_the_schemas_dump(app, payload, stamps):
    received_at, updated_at, deleted_at, version = stamps
    row = Cra(
        **load(payload),
        id=uuid.uuid4(),
        conseiller_id=1,
        head=uuid.uuid4(),
        version=version,
        seq=3,
        received_at=received_at,
        updated_at=updated_at,
        deleted_at=deleted_at,
    )
    assert same_json(cra_copy(row), CraSchema().dump(row))


def test_the_compiled_copy_of_stored_rows_is_the_schemas_dump(
    app, client, login, make_user, make_structure
):
    from server.extensions import db
    from tests.cra_payloads import create_op
    from tests.test_coordinations import rapport

    headers = login(make_user("coordinateur", structure=make_structure()))
    operations = [
        create_op(cra_payload()),
        create_op(atelier_payload()),
        create_op(rapport(), objet="cra_coordination"),
        create_op(rapport(evenements=[], accompagnements=[]), objet="cra_coordination"),
    ]
    response = client.post("/api/sync/push", json={"operations": operations}, headers=headers)
    assert [r["status"] for r in response.json["results"]] == ["applied"] * 4
    db.session.expire_all()
    cras, reports = db.session.query(Cra).all(), db.session.query(CraCoordination).all()
    assert len(cras) == 2 and len(reports) == 2
    for row in cras:
        assert same_json(cra_copy(row), CraSchema().dump(row))
    for row in reports:
        assert same_json(coordination_copy(row), CraCoordinationSchema().dump(row))
