"""Bulk writing of archived CRAs, past the ORM: COPY on PostgreSQL, executemany on SQLite, as
the demo seed does (services/demo/ecriture.py), but into a live table: its indexes stay."""

import json
import uuid
from collections import Counter
from itertools import count

from sqlalchemy import JSON, Text, bindparam, column, insert, select, table, update

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


def cra_id(origine_id: str) -> uuid.UUID:
    """Our id of an archived CRA."""
    return uuid.uuid5(NAMESPACE, origine_id)


def head_of(origine_id: str) -> uuid.UUID:
    """The head (op_id of its last operation) of an archived CRA: the import is its creation."""
    return uuid.uuid5(NAMESPACE, "head:" + origine_id)


def existants(ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those of these CRA ids already stored."""
    found: set[uuid.UUID] = set()
    query, piece = select(Cra.id).where(sql.one_of(Cra.id, "ids")), sql.PIECE[sql.dialect_name()]
    for start in range(0, len(ids), piece):
        found.update(db.session.scalars(query, {"ids": ids[start : start + piece]}))
    return found


class Sequences:
    """Each conseiller's change sequence (sync/PROTOCOL.md): archived CRAs take the next
    numbers, as if they had been sent, so the conseiller's phones pull them.

    For real, the chunk's conseillers are updated in order of id, which takes their row locks
    (a sync batch takes its conseiller's first, then the day totals, as the import does), then
    their numbers are read back. In a dry run they are only read, so that no lock is held while
    it lasts."""

    def __init__(self, dry_run: bool):
        self.dry_run = dry_run
        self.taken: Counter[int] = Counter()

    @staticmethod
    def _lasts():
        conseiller = Conseiller.__table__
        return select(conseiller.c.id, conseiller.c.sync_seq).where(
            sql.one_of(conseiller.c.id, "ids")
        )

    def premiers(self, volumes: Counter[int]) -> dict[int, int]:
        """conseiller id → the first number of their `volumes[id]` new ones."""
        ids = sorted(volumes)
        if not ids:
            return {}
        if self.dry_run:
            rows = db.session.execute(self._lasts(), {"ids": ids})
            firsts = {ident: seq + self.taken[ident] + 1 for ident, seq in rows}
            self.taken.update(volumes)
            return firsts
        conseiller = Conseiller.__table__
        connection = db.session.connection()
        connection.execute(
            update(conseiller)
            .where(conseiller.c.id == bindparam("ident"))
            .values(sync_seq=conseiller.c.sync_seq + bindparam("volume")),
            [{"ident": ident, "volume": volumes[ident]} for ident in ids],
        )
        lasts = connection.execute(self._lasts(), {"ids": ids})
        return {ident: last - volumes[ident] + 1 for ident, last in lasts}


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
            ligne[name] = _json(ligne[name])
        rows.append(tuple(ligne[name] for name in COLONNES))
    db.session.flush()  # the structures and owners made for this chunk come first
    if sql.on_postgresql():
        sql.copy_rows("cra", COLONNES, rows)
    else:
        db.session.connection().execute(
            insert(_CRA_ROWS), [dict(zip(COLONNES, row, strict=True)) for row in rows]
        )


def _json(value) -> str:
    # Most rows have no précision nor organisme: their JSON needs no encoder.
    return "[]" if value == [] else "{}" if value == {} else json.dumps(value)
