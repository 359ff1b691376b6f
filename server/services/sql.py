"""The SQL that differs between SQLite (embedded default) and PostgreSQL (production): every
branch on the session's database lives here, so the rest of the services write one query.

JSON columns are JSON on SQLite and JSONB on PostgreSQL (server/models/cra.py); their Python
type stays JSON, so the PostgreSQL operators are reached by coercing the column to JSONB.
"""

from collections.abc import Iterable
from types import ModuleType

from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import (
    any_,
    bindparam,
    exists,
    func,
    literal_column,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from server.extensions import db


def on_postgresql(connection=None) -> bool:
    """Whether the session (or the connection given) talks to PostgreSQL."""
    bind = connection if connection is not None else db.session.get_bind()
    return bind.dialect.name == "postgresql"


def dialect_name() -> str:
    """The session's database: "sqlite" or "postgresql" (to key statements built once)."""
    return db.session.get_bind().dialect.name


def dialect() -> ModuleType:
    """The session's dialect module, for its INSERT … ON CONFLICT."""
    return postgresql if on_postgresql() else sqlite


_INSERTS: dict[tuple[str, str], object] = {}


def insert_ignoring_conflicts(table, key: str):
    """INSERT … ON CONFLICT (key) DO NOTHING RETURNING key, for the session's database.

    Built once per table and dialect; rows are passed as parameters (building a statement per
    row cost more than the database's work).
    """
    name = dialect_name()
    if (table.name, name) not in _INSERTS:
        _INSERTS[table.name, name] = (
            dialect()
            .insert(table)
            .on_conflict_do_nothing(index_elements=[key])
            .returning(table.c[key])
        )
    return _INSERTS[table.name, name]


# Values one statement may bind: SQLite takes at most 32,766 parameters; PostgreSQL gets a
# whole list as one array parameter (one_of).
PIECE = {"sqlite": 5_000, "postgresql": 1_000_000}


def one_of(column, name: str):
    """SQL condition: the column is one of the values given as the parameter `name` (at most
    PIECE[dialect_name()] of them): one array parameter on PostgreSQL, where thousands of
    parameters cost more to bind than the query to run."""
    if on_postgresql():
        return column == any_(bindparam(name, type_=postgresql.ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def json_list_has(column, value: str, path: str | None = None):
    """SQL condition: the JSON list in `column` (or at `path`, a key of its object) holds
    the text `value`."""
    if on_postgresql():
        document = type_coerce(column, postgresql.JSONB)
        return (document[path] if path else document).contains([value])
    each = (func.json_each(column, f"$.{path}") if path else func.json_each(column)).table_valued(
        "value"
    )
    return exists(select(literal_column("1")).select_from(each).where(each.c.value == value))


def json_objects(column, *keys: str):
    """(table-valued elements of the JSON list of objects in `column`, then each key's text)."""
    if on_postgresql():
        each = func.jsonb_array_elements(type_coerce(column, postgresql.JSONB)).table_valued(
            "value"
        )
        return (each, *(func.jsonb_extract_path_text(each.c.value, key) for key in keys))
    each = func.json_each(column).table_valued("value")
    return (each, *(func.json_extract(each.c.value, f"$.{key}") for key in keys))


def month_of(day_column):
    """The 'YYYY-MM' text of a date column."""
    if on_postgresql():
        return func.to_char(day_column, "YYYY-MM")
    return func.strftime("%Y-%m", day_column)


def copy_rows(table_name: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """PostgreSQL: COPY the rows (tuples in the order of `columns`) into the table, on the
    session's connection and in its transaction, as they come (the bulk loads: demo seed,
    archive import). The rows are formatted in this thread and sent by psycopg's writer thread,
    so formatting never waits on the network, nor sending on another thread's Python work."""
    driver_connection = db.session.connection().connection.driver_connection
    assert driver_connection is not None
    names = ", ".join(f'"{name}"' for name in columns)  # statut_sansEmploi is case-sensitive
    with driver_connection.cursor() as cursor:
        statement = f"COPY {table_name} ({names}) FROM STDIN"
        with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
            for row in rows:
                copy.write_row(row)


def add_to_each(table, counter: str, amounts: dict[int, int]) -> dict[int, int]:
    """Add `amounts[id]` to the integer column `counter` of each of these rows (by `id`), their
    row locks taken in order of id; return each row's new value. One statement on PostgreSQL
    (a chunk of the archive import touches thousands of conseillers), one per row elsewhere."""
    ids = sorted(amounts)
    if not ids:
        return {}
    key, column = table.c.id, table.c[counter]
    connection = db.session.connection()
    if on_postgresql():
        connection.execute(
            select(key).where(one_of(key, "ids")).order_by(key).with_for_update(), {"ids": ids}
        )
        added = (
            func.unnest(
                bindparam("ids", type_=postgresql.ARRAY(key.type)),
                bindparam("amounts", type_=postgresql.ARRAY(column.type)),
            )
            .table_valued("id", "amount")
            .render_derived(name="ajout")
        )
        rows = connection.execute(
            update(table)
            .where(key == added.c.id)
            .values({counter: column + added.c.amount})
            .returning(key, column),
            {"ids": ids, "amounts": [amounts[ident] for ident in ids]},
        )
        return {ident: value for ident, value in rows}
    connection.execute(
        update(table).where(key == bindparam("ident")).values({counter: column + bindparam("n")}),
        [{"ident": ident, "n": amounts[ident]} for ident in ids],
    )
    rows = connection.execute(select(key, column).where(one_of(key, "ids")), {"ids": ids})
    return {ident: value for ident, value in rows}
