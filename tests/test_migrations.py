"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.extensions import db
from server.services import territoires


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migration_check_notices_a_model_change(app):
    """The comparison above would fail if a model gained a column the migrations lack."""
    from sqlalchemy import Column, Integer, MetaData, Table

    changed = MetaData()
    for table in db.metadata.tables.values():
        table.to_metadata(changed)
    Table("region", changed, Column("extra", Integer), extend_existing=True)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, changed)
    assert any(diff[0] == "add_column" and diff[3].name == "extra" for diff in differences)


def test_the_operation_log_gains_its_objet_with_existing_rows_filled(
    app, client, login, make_user, make_structure
):
    """Migrating a database whose log predates the objet column: each operation is told to
    be a coordination CRA's when its record is one, else a CRA's."""
    import os
    import uuid

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select, text

    from server.models import CraOperation
    from tests.cra_payloads import create_op, update_op
    from tests.test_coordinations import coordination_op

    cra, report = create_op(), coordination_op()
    edit = update_op(cra["cra_id"], base=cra["op_id"])
    headers = login(make_user("coordinateur", structure=make_structure()))
    response = client.post(
        "/api/sync/push", json={"operations": [cra, report, edit]}, headers=headers
    )
    assert [result["status"] for result in response.json["results"]] == ["applied"] * 3
    directory = os.path.join(app.root_path, "migrations")
    # Going down forgets which commune each arrondissement belongs to; the territories are
    # shared by every test: put those links back after the way up (a full import costs ~10 s).
    attached = db.session.execute(
        text(
            "SELECT code, type, rattachement_code FROM commune "
            "WHERE rattachement_code IS NOT NULL OR type <> 'commune-actuelle'"
        )
    ).all()
    db.session.remove()
    downgrade(directory=directory, revision="9a3f6b2c4d18")
    try:
        with db.engine.connect() as connection:
            columns = connection.execute(text("SELECT * FROM cra_operation")).keys()
        assert "objet" not in columns
    finally:
        upgrade(directory=directory)
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE commune SET type = :type, rattachement_code = :rattache "
                    "WHERE code = :code"
                ),
                [{"code": c, "type": t, "rattache": r} for c, t, r in attached],
            )
    logged = dict(db.session.execute(select(CraOperation.op_id, CraOperation.objet)).all())
    assert logged == {
        uuid.UUID(cra["op_id"]): "cra",
        uuid.UUID(edit["op_id"]): "cra",
        uuid.UUID(report["op_id"]): "cra_coordination",
    }


def test_down_and_up_again_the_arrondissements_keep_their_cras_and_get_their_commune_back(
    app, client, login, make_user, make_structure, runner
):
    """Going down keeps the arrondissements as plain communes (a CRA may name one); the
    release's `territoires import --if-empty` attaches them again after the way up."""
    import os

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from tests.cra_payloads import cra_payload, create_op

    cra = cra_payload(code_commune="75114", code_postal="75014")
    headers = login(make_user("conseiller", structure=make_structure()))
    response = client.post("/api/sync/push", json={"operations": [create_op(cra)]}, headers=headers)
    assert [result["status"] for result in response.json["results"]] == ["applied"]
    directory = os.path.join(app.root_path, "migrations")
    db.session.remove()
    downgrade(directory=directory, revision="b3e7d1a5c9f2")
    try:
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT * FROM commune WHERE code = '75114'"))
            assert "rattachement_code" not in rows.keys() and len(rows.all()) == 1
    finally:
        upgrade(directory=directory)
        forgotten = territoires.commune("75114").rattachement_code
        result = runner.invoke(args=["territoires", "import", "--if-empty"])
    assert forgotten is None
    assert "Territoires chargés" in result.output
    assert territoires.commune("75114").rattachement_code == "75056"
