"""Bulk writing of the demo CRAs and their operations: COPY on PostgreSQL, executemany on
SQLite, chunk by chunk, past the ORM."""

from contextlib import contextmanager
from itertools import islice

from sqlalchemy import JSON, Table, Text, column, insert, table
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from server.extensions import db
from server.models import Cra, CraOperation
from server.models.cra import AGES, STATUTS, SUIVIS
from server.services import sql
from server.services.demo.cras import Terrain, cra_rows, volumes_of

# Bulk writing -------------------------------------------------------------------------------

CRA_CHUNK = 50_000
CRA_COLUMNS = (
    "id",
    "conseiller_id",
    "structure_id",
    "date",
    "canal",
    "lieu_activite_id",
    "code_postal",
    "code_commune",
    "nom_commune",
    "activite",
    "nb_participants",
    "nb_recurrents",
    *(f"age_{key}" for key in AGES),
    *(f"statut_{key}" for key in STATUTS),
    "themes",
    "sous_themes",
    "annotation",
    "duree",
    "duree_minutes",
    *(f"suivi_{key}" for key in SUIVIS),
    "organismes",
    "head",
    "version",
    "seq",
    "received_at",
    "updated_at",
)
OPERATION_COLUMNS = ("op_id", "cra_id", "conseiller_id", "type", "applied_at")
_HEAD, _RECEIVED_AT = CRA_COLUMNS.index("head"), CRA_COLUMNS.index("received_at")
# The cra table with JSON columns typed as text, for rows whose JSON is encoded already.
CRA_ROWS_TABLE = table(
    "cra",
    *(
        column(c.name, Text() if isinstance(c.type, JSON) else c.type)
        for c in Cra.__table__.columns
        if c.name in CRA_COLUMNS
    ),
)


def _operation(cra_row: tuple) -> tuple:
    """The create operation the CRA's head names: the sync log then knows the CRA as synced."""
    return cra_row[_HEAD], cra_row[0], cra_row[1], "create", cra_row[_RECEIVED_AT]


def seed_cras(rng, terrains: list[Terrain], total: int) -> int:
    """Write `total` CRAs and their operations chunk by chunk; set each sync sequence."""
    volumes = volumes_of(rng, terrains, total)
    rows = cra_rows(rng, terrains, volumes)
    if sql.on_postgresql():
        with _indexes_and_foreign_keys_built_after(Cra.__table__, CraOperation.__table__):
            while _copy_chunk(islice(rows, CRA_CHUNK)):
                pass
    else:
        while _insert_chunk(islice(rows, CRA_CHUNK)):
            pass
    for terrain, volume in zip(terrains, volumes, strict=True):
        terrain.conseiller.sync_seq = volume
    return sum(volumes)


@contextmanager
def _indexes_and_foreign_keys_built_after(*tables: Table):
    """PostgreSQL's advice for populating tables: drop their foreign keys and secondary
    indexes, load, then recreate them: one join and one sort each instead of a lookup and an
    index insertion per row. DDL is transactional, so a failed seed leaves them all in place.
    """
    connection = db.session.connection()
    foreign_keys = [key for table in tables for key in table.foreign_key_constraints]
    indexes = [index for table in tables for index in table.indexes]
    for key in foreign_keys:
        connection.execute(DropConstraint(key))
    for index in indexes:
        connection.execute(DropIndex(index))
    yield
    for index in indexes:
        connection.execute(CreateIndex(index))
    for key in foreign_keys:
        connection.execute(AddConstraint(key))


def _insert_chunk(rows) -> int:
    """SQLite: executemany the CRAs, then their create operations; how many were written."""
    chunk = list(rows)
    if chunk:
        connection = db.session.connection()
        connection.execute(insert(CRA_ROWS_TABLE), _named_rows(CRA_COLUMNS, chunk))
        connection.execute(
            insert(CraOperation), _named_rows(OPERATION_COLUMNS, map(_operation, chunk))
        )
    return len(chunk)


def _named_rows(columns: tuple[str, ...], rows) -> list[dict]:
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _copy_chunk(rows) -> int:
    """PostgreSQL: COPY the CRAs as they are drawn (the server works meanwhile), then their
    create operations; how many were written."""
    operations = []

    def drawn():
        for row in rows:
            operations.append(_operation(row))
            yield row

    sql.copy_rows("cra", CRA_COLUMNS, drawn())
    if operations:
        sql.copy_rows("cra_operation", OPERATION_COLUMNS, operations)
    return len(operations)
