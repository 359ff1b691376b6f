"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.extensions import db


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
