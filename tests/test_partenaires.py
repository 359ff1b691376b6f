"""The partner API: a client's key, its scope, its rights, revocation, the anonymised feed's
pages and content, the rate limit; and the admin's page that manages the clients."""

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import ClientApi
from server.models.types import utcnow
from server.services import partenaires
from tests.cra_payloads import atelier_payload, cra_payload, create_op, delete_op
from tests.test_maintenance import open_pages
from tests.test_pilotage import form_token

STATS, FEED = "/api/partenaires/statistiques", "/api/partenaires/activites"
MARSEILLE = {"code_postal": "13001", "code_commune": "13055", "nom_commune": "Marseille"}
VILLEURBANNE = {"code_postal": "69100", "code_commune": "69266", "nom_commune": "Villeurbanne"}
HOSTILE = "<script>Jean Dupont</script>"  # 28 characters: fits an annotation


@pytest.fixture
def world(make_structure, make_user, client, login):
    """Structures A (Lyon) and B (Villeurbanne), both in the Rhône (69, région 84), C
    (Marseille, 13, région 93), a conseiller in each; 3 CRAs in A, 2 in B, 1 in C, every one
    with a hostile annotation and a typed organisme."""
    structures = {
        "a": make_structure("Mairie de Lyon", "69123", "69001"),
        "b": make_structure("Médiathèque de Villeurbanne", "69266", "69100"),
        "c": make_structure("CCAS de Marseille", "13055", "13001"),
    }
    people = {key: make_user("conseiller", structure=s) for key, s in structures.items()}
    communes = {"a": {}, "b": VILLEURBANNE, "c": MARSEILLE}
    for key, count in (("a", 3), ("b", 2), ("c", 1)):
        operations = [
            create_op(
                atelier_payload(
                    date=f"2026-11-{day + 2:02d}",
                    annotation=HOSTILE,
                    organismes=[{"nom": "CAF", "nombre": 1}, {"nom": HOSTILE, "nombre": 1}],
                    **communes[key],
                )
            )
            for day in range(count)
        ]
        response = client.post(
            "/api/sync/push", json={"operations": operations}, headers=login(people[key])
        )
        assert {r["status"] for r in response.json["results"]} == {"applied"}, response.json
    return {"structures": structures, "people": people, "admin": make_user("admin")}


@pytest.fixture
def make_client(world):
    """make_client(perimetre, droits=both, **scope) -> the Authorization headers of a new
    client."""

    def make(perimetre="national", droits=("statistiques", "activites"), **scope):
        data = {
            "nom": f"Client {perimetre}",
            "perimetre": perimetre,
            "region_code": None,
            "departement_code": None,
            "structure_id": None,
            "droits": list(droits),
            **scope,
        }
        client_api, key = partenaires.creer(world["admin"], data)
        return {"Authorization": f"Bearer {key}"}

    return make


def feed(client, headers, **args) -> list[dict]:
    """Every row of the feed, page after page."""
    rows, cursor = [], None
    while True:
        query = {**args, **({"curseur": cursor} if cursor else {})}
        response = client.get(FEED, query_string=query, headers=headers)
        assert response.status_code == 200, response.json
        rows += response.json["items"]
        cursor = response.json["curseur_suivant"]
        if cursor is None:
            return rows


# --- scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "perimetre, scope, cras",
    [
        ("national", {}, 6),
        ("region", {"region_code": "84"}, 5),
        ("departement", {"departement_code": "69"}, 5),
        ("departement", {"departement_code": "13"}, 1),
        ("structure", {"structure_id": "b"}, 2),
    ],
)
def test_a_client_sees_only_its_scope_in_statistics_and_feed(
    client, world, make_client, perimetre, scope, cras
):
    if "structure_id" in scope:
        scope = {"structure_id": world["structures"][scope["structure_id"]].id}
    headers = make_client(perimetre, **scope)
    stats = client.get(STATS, headers=headers, query_string={"du": "2026-11-01"})
    assert stats.status_code == 200, stats.json
    assert stats.json["indicateurs"]["general"]["cra_enregistres"] == cras
    assert stats.json["perimetre"]["type"] == perimetre
    assert len(feed(client, headers)) == cras


def test_a_structure_client_gets_its_structure_rows_only(client, world, make_client):
    rows = feed(client, make_client("structure", structure_id=world["structures"]["b"].id))
    assert {row["code_commune"] for row in rows} == {"69266"}
    rows = feed(client, make_client("departement", departement_code="13"))
    assert {row["code_commune"] for row in rows} == {"13055"}


# --- what a row holds -----------------------------------------------------------------------------


def test_the_feed_holds_no_free_text_no_person_and_no_id(client, world, make_client):
    response = client.get(FEED, headers=make_client())
    text = response.get_data(as_text=True)
    assert len(response.json["items"]) == 6
    assert "Dupont" not in text and "script" not in text
    for person in world["people"].values():
        fiche = person.conseiller
        for value in (fiche.nom, fiche.prenom, fiche.email_pro, person.email):
            assert value not in text
    row = response.json["items"][0]
    assert set(row) == {
        "date",
        "code_commune",
        "code_postal",
        "canal",
        "activite",
        "nb_participants",
        "nb_recurrents",
        "ages",
        "statuts",
        "themes",
        "sous_themes",
        "duree",
        "duree_minutes",
        "suivi",
    }
    assert row["activite"] == "collectif" and row["nb_participants"] == 5
    assert row["suivi"] == {"individuel": 1, "atelier": 1, "redirection": 2}
    assert row["ages"]["plus60ans"] == 2 and row["themes"] == ["sante", "securite"]


def test_statistics_count_typed_organismes_under_autres(client, world, make_client):
    response = client.get(STATS, headers=make_client(), query_string={"du": "2026-11-01"})
    assert response.status_code == 200
    assert "Dupont" not in response.get_data(as_text=True)
    assert response.json["graphiques"] == []
    reorientations = response.json["indicateurs"]["reorientations"]
    assert [(line["libelle"], line["nombre"]) for line in reorientations] == [
        ("CAF", 6),
        ("Autres", 6),
    ]


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("limite", [1, 4, 7])
def test_pages_follow_each_other_without_loss_or_duplicate(
    client, world, make_client, login, limite
):
    # More CRAs on the same days: the order within a day is the internal key's.
    operations = [create_op(cra_payload(date="2026-11-03")) for _ in range(9)]
    client.post(
        "/api/sync/push", json={"operations": operations}, headers=login(world["people"]["a"])
    )
    headers = make_client()
    first = client.get(FEED, headers=headers, query_string={"limite": 100}).json
    assert len(first["items"]) == 15 and first["curseur_suivant"] is None
    rows = feed(client, headers, limite=limite)
    assert rows == first["items"]
    assert [row["date"] for row in rows] == sorted(row["date"] for row in rows)


def test_a_cursor_is_refused_when_tampered_with_or_from_another_client(client, world, make_client):
    headers, other = make_client(), make_client()
    cursor = client.get(FEED, headers=headers, query_string={"limite": 2}).json["curseur_suivant"]
    assert cursor
    for wrong, who in ((cursor[:-2] + "xx", headers), (cursor, other), ("abc", headers)):
        response = client.get(FEED, headers=who, query_string={"curseur": wrong})
        assert response.status_code == 422
        assert response.json["errors"] == {"curseur": [partenaires.CURSEUR_INVALIDE]}


def test_deleted_cras_leave_the_feed_and_the_statistics(client, world, make_client, login):
    headers = make_client()
    create = create_op()
    push = {"headers": login(world["people"]["c"])}
    client.post("/api/sync/push", json={"operations": [create]}, **push)
    assert len(feed(client, headers)) == 7
    delete = delete_op(create["cra_id"], base=create["op_id"])
    deleted = client.post("/api/sync/push", json={"operations": [delete]}, **push)
    assert deleted.json["results"][0]["status"] == "applied", deleted.json
    assert len(feed(client, headers)) == 6
    stats = client.get(STATS, headers=headers, query_string={"du": "2026-11-01"}).json
    assert stats["indicateurs"]["general"]["cra_enregistres"] == 6


def test_the_period_limits_the_feed(client, world, make_client):
    rows = feed(client, make_client(), du="2026-11-03", au="2026-11-03")
    assert {row["date"] for row in rows} == {"2026-11-03"} and len(rows) == 2


# --- keys, rights, revocation --------------------------------------------------------------------


@pytest.mark.parametrize("droit, refused", [("statistiques", FEED), ("activites", STATS)])
def test_each_right_is_enforced(client, world, make_client, droit, refused):
    headers = make_client(droits=(droit,))
    allowed = STATS if refused == FEED else FEED
    assert client.get(allowed, headers=headers).status_code == 200
    response = client.get(refused, headers=headers)
    assert response.status_code == 403
    assert response.json["code"] == 403 and "n'a pas le droit" in response.json["message"]


def test_wrong_keys_and_user_tokens_are_refused(client, world, make_client, login):
    key = make_client()["Authorization"].removeprefix("Bearer ")
    identifiant, secret = key.split(".")
    wrong = [
        None,
        f"Bearer {identifiant}.{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}",
        f"Bearer {identifiant}",
        f"Basic {key}",
        f"Bearer cp_0000000000000000.{secret}",
        "Bearer \x00",
        login(world["people"]["a"])["Authorization"],
    ]
    for authorization in wrong:
        headers = {"Authorization": authorization} if authorization else {}
        response = client.get(STATS, headers=headers)
        assert response.status_code == 401, authorization
        assert response.json["message"] == partenaires.CLE_REFUSEE


def test_a_revoked_client_is_refused(client, world, make_client):
    headers = make_client()
    assert client.get(STATS, headers=headers).status_code == 200
    client_api = db.session.scalar(select(ClientApi))
    partenaires.revoquer(client_api.id)
    for path in (STATS, FEED):
        assert client.get(path, headers=headers).status_code == 401


def test_only_the_secret_s_hash_is_stored(world, make_client):
    key = make_client()["Authorization"].removeprefix("Bearer ")
    secret = key.split(".")[1]
    client_api = db.session.scalar(select(ClientApi))
    stored = json.dumps([str(getattr(client_api, c.name)) for c in ClientApi.__table__.columns])
    assert secret not in stored and len(client_api.secret_hash) == 64


# --- rate limit ----------------------------------------------------------------------------------


def test_requests_beyond_the_limit_wait_for_the_next_window(app, client, world, make_client):
    app.config["PARTENAIRES_REQUETES_PAR_MINUTE"] = 3
    headers, other = make_client(), make_client()
    assert [client.get(STATS, headers=headers).status_code for _ in range(3)] == [200] * 3
    client_api = db.session.scalar(select(ClientApi).order_by(ClientApi.id))
    client_api.fenetre_debut = utcnow() - timedelta(seconds=45)  # the window ends in 15 s
    db.session.commit()
    refused = client.get(FEED, headers=headers)
    assert refused.status_code == 429 and refused.json["code"] == 429
    # RFC 9110's Retry-After: whole seconds until the window ends, as the message says.
    seconds = int(refused.headers["Retry-After"])
    assert 10 <= seconds <= 15
    assert refused.json["message"] == (
        f"Trop de requêtes pour cette clé : réessayez dans {seconds} seconde(s)."
    )
    assert client.get(STATS, headers=other).status_code == 200  # its own window
    client_api.fenetre_debut = utcnow() - timedelta(seconds=61)
    db.session.commit()
    assert client.get(STATS, headers=headers).status_code == 200


# --- the admin's page ----------------------------------------------------------------------------


def test_the_admin_creates_a_client_sees_its_key_once_and_revokes_it(app, client, world):
    admin = open_pages(app, world["admin"])
    page = admin.get("/pilotage/partenaires")
    assert page.status_code == 200 and "Aucun client" in page.text
    token = form_token(page)
    created = admin.post(
        "/pilotage/partenaires",
        data={
            "csrf_token": token,
            "nom": "Conseil départemental du Rhône",
            "perimetre": "departement",
            "departement_code": "69",
            "droits": ["activites"],
        },
    )
    assert created.status_code == 201
    key = re.search(r'value="(cp_[0-9a-f]{16}\.[A-Za-z0-9_-]{43})"', created.text).group(1)
    assert created.headers["Cache-Control"] == "no-store"
    headers = {"Authorization": f"Bearer {key}"}
    assert len(feed(client, headers)) == 5
    assert client.get(STATS, headers=headers).status_code == 403
    listing = admin.get("/pilotage/partenaires").text
    assert key.split(".")[1] not in listing and key.split(".")[0] in listing
    assert "Rhône" in listing
    client_api = db.session.scalar(select(ClientApi))
    confirmation = admin.get(f"/pilotage/partenaires/{client_api.id}/revocation")
    assert "Voulez-vous vraiment révoquer" in unescape(confirmation.text)
    assert client.get(FEED, headers=headers).status_code == 200  # nothing revoked yet
    revoked = admin.post(
        f"/pilotage/partenaires/{client_api.id}/revocation", data={"csrf_token": token}
    )
    assert revoked.status_code == 303
    assert "Révoqué le" in admin.get(revoked.location).text
    assert client.get(FEED, headers=headers).status_code == 401


def test_the_creation_form_names_its_mistakes(app, world):
    admin = open_pages(app, world["admin"])
    token = form_token(admin.get("/pilotage/partenaires"))
    for data, field_message in (
        ({"nom": "Rhône", "perimetre": "departement"}, "Précisez le périmètre"),
        ({"nom": "Rhône", "perimetre": "departement", "departement_code": "00"}, "inconnu"),
        ({"nom": "Rhône", "perimetre": "structure", "structure_id": "999"}, "Structure inconnue"),
        ({"nom": "Rhône", "perimetre": "national", "droits": ["tout"]}, "Droit inconnu"),
    ):
        response = admin.post(
            "/pilotage/partenaires", data={"csrf_token": token, "droits": ["activites"], **data}
        )
        assert response.status_code == 422, data
        assert field_message in unescape(response.text), data
    assert db.session.scalar(select(ClientApi)) is None
    assert admin.get("/pilotage/partenaires/999/revocation").status_code == 404


def test_only_the_admin_manages_clients_and_forms_need_the_csrf_value(app, world):
    conseiller = open_pages(app, world["people"]["a"])
    assert conseiller.get("/pilotage/partenaires").status_code == 403
    admin = open_pages(app, world["admin"])
    forged = admin.post(
        "/pilotage/partenaires",
        data={"nom": "Rhône", "perimetre": "national", "droits": ["activites"]},
    )
    assert forged.status_code == 403
    assert db.session.scalar(select(ClientApi)) is None


def test_a_hostile_client_name_is_shown_as_text(app, world):
    name = '<script>alert(1)</script> =HYPERLINK("http://x")'
    client_api, _ = partenaires.creer(
        world["admin"],
        {"nom": name, "perimetre": "national", "region_code": None, "departement_code": None}
        | {"structure_id": None, "droits": ["activites"]},
    )
    admin = open_pages(app, world["admin"])
    for path in ("/pilotage/partenaires", f"/pilotage/partenaires/{client_api.id}/revocation"):
        page = admin.get(path).text
        assert "<script>alert(1)" not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt; =HYPERLINK(&#34;http://x&#34;)" in page, path
