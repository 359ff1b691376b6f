"""Bulk writing of archived CRAs, past the ORM: COPY on PostgreSQL, executemany on SQLite, as
the demo seed does (services/demo/ecriture.py), but into a live table: its indexes stay."""

import json
import uuid
from collections import Counter
from itertools import count

from sqlalchemy import JSON, Text, case, column, insert, select, table, update

from server.extensions import db
from server.models import Conseiller, Cra
from server.models.cra import CONTENT_COLUMNS
from server.services import sql

# Fixed forever: an archived CRA's id is derived from its original id, so that importing the
# same row again finds it (idempotence by the primary key, no other index to maintain).
NAMESPACE = uuid.UUID("5d3b1f0e-7c2a-4e8b-9a61-0c4f2b7e9d35")
COLONNES = (
    "id",
    "conseiller_id",
    "structure_id",
    *CONTENT_COLUMNS,
    "head",
    "version",
    "seq",
    "received_at",
    "updated_at",
    "origine_id",
)
JSON_COLONNES = frozenset(c.name for c in Cra.__table__.columns if isinstance(c.type, JSON))
# The cra table with JSON columns typed as text, for rows whose JSON is encoded already.
_CRA_ROWS = table(
    "cra",
    *(
        column(c.name, Text() if c.name in JSON_COLONNES else c.type)
        for c in Cra.__table__.columns
        if c.name in COLONNES
    ),
)
PIECE = 5_000  # ids per query: SQLite takes at most 32,766 parameters


def cra_id(origine_id: str) -> uuid.UUID:
    """Our id of an archived CRA."""
    return uuid.uuid5(NAMESPACE, origine_id)


def head_of(origine_id: str) -> uuid.UUID:
    """The head (op_id of its last operation) of an archived CRA: the import is its creation."""
    return uuid.uuid5(NAMESPACE, "head:" + origine_id)


def existants(ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those of these CRA ids already stored."""
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), PIECE):
        piece = ids[start : start + PIECE]
        found.update(db.session.scalars(select(Cra.id).where(Cra.id.in_(piece))))
    return found


class Sequences:
    """Each conseiller's change sequence (sync/PROTOCOL.md): archived CRAs take the next
    numbers, as if they had been sent, so the conseiller's phones pull them.

    For real, one UPDATE … RETURNING per chunk takes the numbers and the conseillers' row locks
    (a sync batch takes the same lock first, then the day totals, as the import does). In a
    dry run the numbers are only read, so that no lock is held while it lasts."""

    def __init__(self, dry_run: bool):
        self.dry_run = dry_run
        self.taken: Counter[int] = Counter()

    def premiers(self, volumes: Counter[int]) -> dict[int, int]:
        """conseiller id → the first number of their `volumes[id]` new ones."""
        ids = sorted(volumes)
        if not ids:
            return {}
        if self.dry_run:
            rows = db.session.execute(
                select(Conseiller.id, Conseiller.sync_seq).where(Conseiller.id.in_(ids))
            )
            firsts = {ident: seq + self.taken[ident] + 1 for ident, seq in rows}
            self.taken.update(volumes)
            return firsts
        statement = (
            update(Conseiller.__table__)
            .where(Conseiller.__table__.c.id.in_(ids))
            .values(
                sync_seq=Conseiller.__table__.c.sync_seq
                + case(volumes, value=Conseiller.__table__.c.id, else_=0)
            )
            .returning(Conseiller.__table__.c.id, Conseiller.__table__.c.sync_seq)
        )
        return {ident: last - volumes[ident] + 1 for ident, last in db.session.execute(statement)}


def ecrire(lignes: list[dict], sequences: Sequences) -> None:
    """Write these CRAs (dicts of COLONNES but seq, version, head) in one go."""
    if not lignes:
        return
    firsts = sequences.premiers(Counter(ligne["conseiller_id"] for ligne in lignes))
    numbers = {ident: count(first) for ident, first in firsts.items()}
    rows = []
    for ligne in lignes:
        ligne["seq"] = next(numbers[ligne["conseiller_id"]])
        ligne["version"] = 1
        ligne["head"] = head_of(ligne["origine_id"])
        for name in JSON_COLONNES:
            ligne[name] = json.dumps(ligne[name])
        rows.append(tuple(ligne[name] for name in COLONNES))
    db.session.flush()  # the structures and owners made for this chunk come first
    if sql.on_postgresql():
        _copy(rows)
    else:
        db.session.connection().execute(
            insert(_CRA_ROWS), [dict(zip(COLONNES, row, strict=True)) for row in rows]
        )


def _copy(rows: list[tuple]) -> None:
    driver_connection = db.session.connection().connection.driver_connection
    assert driver_connection is not None
    names = ", ".join(f'"{name}"' for name in COLONNES)  # statut_sansEmploi is case-sensitive
    with driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY cra ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
