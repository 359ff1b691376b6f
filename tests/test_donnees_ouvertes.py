"""The open dataset: monthly counts per département, small counts kept secret, its schema."""

import csv
import io
import re
from datetime import date

import pytest

from server.services import donnees_ouvertes
from tests.cra_payloads import atelier_payload, cra_payload, create_op, delete_op

TODAY = date(2026, 12, 7)
LYON = {"code_commune": "69123", "code_postal": "69001"}
PARIS_14 = {"code_commune": "75114", "code_postal": "75014"}
MARSEILLE_1 = {"code_commune": "13201", "code_postal": "13001"}


@pytest.fixture
def activite(push):
    """CRAs of a conseiller of Lyon, most of them in Lyon, some in Paris and Marseille."""

    def individuel(day, **changes):
        return create_op(cra_payload(date=day, **changes))

    deleted = individuel("2026-10-09", **LYON)
    operations = [
        *(individuel(f"2026-10-0{n}", **LYON) for n in range(1, 7)),  # a cell of 6
        *(individuel("2026-10-10", activite="ponctuel", **LYON) for _ in range(2)),  # secret
        *(individuel("2026-10-11", themes=["internet"], **LYON) for _ in range(3)),  # secret
        *(individuel("2026-10-12", **PARIS_14) for _ in range(5)),  # counted in Paris
        individuel("2026-10-13", **MARSEILLE_1),  # alone in its département: dropped
        *(create_op(atelier_payload(date="2026-11-05", **LYON)) for _ in range(5)),
        *(individuel("2026-12-01", **LYON) for _ in range(5)),  # the current month
        deleted,
    ]
    push(*operations)
    push(delete_op(deleted["cra_id"], base=deleted["op_id"]))


def test_cells_under_the_threshold_are_merged_into_a_secret_row_or_dropped(app, activite):
    rows = list(donnees_ouvertes.lignes(TODAY))
    assert rows == [
        ["2026-10", "69", "Rhône", "individuel", "distance", "courriel", "30-60", 6, 6],
        ["2026-10", "69", "Rhône", "secret", "secret", "secret", "secret", 5, 5],
        ["2026-10", "75", "Paris", "individuel", "distance", "courriel", "30-60", 5, 5],
        ["2026-11", "69", "Rhône", "collectif", "distance", "sante", "60-120", 5, 25],
        ["2026-11", "69", "Rhône", "collectif", "distance", "securite", "60-120", 5, 25],
    ]
    assert all(row[7] >= donnees_ouvertes.SEUIL for row in rows)


def test_a_secret_row_needs_five_cras_not_five_themes_of_fewer(app, push):
    """One CRA of five thèmes fills five cells of 1: no row may come of it."""
    themes = ["courriel", "internet", "sante", "securite", "budget"]
    push(create_op(cra_payload(date="2026-10-01", themes=themes, **LYON)))
    assert list(donnees_ouvertes.lignes(TODAY)) == []
    push(*(create_op(cra_payload(date="2026-10-02", **LYON)) for _ in range(3)))
    assert list(donnees_ouvertes.lignes(TODAY)) == []  # 4 CRAs behind 8 theme cells
    push(create_op(cra_payload(date="2026-10-03", activite="ponctuel", **LYON)))
    assert list(donnees_ouvertes.lignes(TODAY)) == [
        ["2026-10", "69", "Rhône", "secret", "secret", "secret", "secret", 9, 9]
    ]


def test_the_current_month_is_published_once_over(app, activite):
    rows = list(donnees_ouvertes.lignes(date(2027, 1, 1)))
    assert ["2026-12", "69", "Rhône", "individuel", "distance", "courriel", "30-60", 5, 5] in rows


def test_the_csv_is_public_and_follows_its_schema(client, activite, monkeypatch):
    monkeypatch.setattr(donnees_ouvertes.perimetres, "today_paris", lambda: TODAY)
    response = client.get(f"/api/donnees-ouvertes/{donnees_ouvertes.NOM_FICHIER}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert donnees_ouvertes.NOM_FICHIER in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    schema = client.get("/api/donnees-ouvertes/schema.json").json
    fields = {field["name"]: field for field in schema["fields"]}
    assert rows[0] == list(fields) == list(donnees_ouvertes.CHAMPS)
    assert len(rows) == 6
    keys = set()
    for row in rows[1:]:
        values = dict(zip(rows[0], row, strict=True))
        for name, value in values.items():
            constraints = fields[name]["constraints"]
            assert value, name
            if "enum" in constraints:
                assert value in constraints["enum"], (name, value)
            if "pattern" in constraints:
                assert re.fullmatch(constraints["pattern"], value), (name, value)
            if fields[name]["type"] == "integer":
                assert int(value) >= constraints["minimum"]
            if fields[name]["type"] == "yearmonth":
                assert re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value)
        keys.add(tuple(values[name] for name in schema["primaryKey"]))
    assert len(keys) == len(rows) - 1


def test_the_schema_is_a_table_schema_for_data_gouv_fr(client):
    schema = client.get("/api/donnees-ouvertes/schema.json", headers={"Host": "evil.example"}).json
    assert schema["$schema"] == "https://frictionlessdata.io/schemas/table-schema.json"
    assert schema["path"] == "http://testserver/api/donnees-ouvertes/schema.json"
    assert schema["resources"][0]["path"].endswith(donnees_ouvertes.NOM_FICHIER)
    types = {"string", "integer", "yearmonth"}
    assert all(field["type"] in types and field["description"] for field in schema["fields"])
    assert set(schema["primaryKey"]) <= {field["name"] for field in schema["fields"]}
    assert "moins de 5 CRA" in schema["description"]
    activite = next(field for field in schema["fields"] if field["name"] == "activite")
    assert activite["constraints"]["enum"] == ["collectif", "individuel", "ponctuel", "secret"]


def test_the_public_statistics_page_offers_the_dataset_and_its_schema(client):
    page = client.get("/statistiques")
    assert page.status_code == 200
    links = re.search(r"<ul[^>]*data-donnees-ouvertes>(.*?)</ul>", page.text, re.S).group(1)
    assert f'href="/api/donnees-ouvertes/{donnees_ouvertes.NOM_FICHIER}" download' in links
    assert 'href="/api/donnees-ouvertes/schema.json"' in links


def test_the_file_is_made_once_an_hour_and_revalidated_by_its_etag(
    client, activite, push, monkeypatch
):
    """Anyone may download it, and it reads every CRA: made once per hour, then served."""
    monkeypatch.setattr(donnees_ouvertes.perimetres, "today_paris", lambda: TODAY)
    url = f"/api/donnees-ouvertes/{donnees_ouvertes.NOM_FICHIER}"
    first = client.get(url)
    assert first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    # Five more CRAs of October in Lyon: not in the file before the hour is over.
    push(*(create_op(cra_payload(date="2026-10-20", **LYON)) for _ in range(5)))
    assert client.get(url).data == first.data
    later = donnees_ouvertes.time.time() + donnees_ouvertes.FRAICHEUR.total_seconds()
    monkeypatch.setattr(donnees_ouvertes.time, "time", lambda: later)
    fresh = client.get(url)
    assert fresh.data != first.data and fresh.headers["ETag"] != first.headers["ETag"]
    assert b"2026-10;69;" in fresh.data
