"""Bulk writing of archived CRAs, past the ORM: COPY on PostgreSQL, executemany on SQLite, as
the demo seed does (services/demo/ecriture.py), but into a live table: its indexes stay."""

import hashlib
import json
import uuid
from collections import Counter
from itertools import count
from operator import itemgetter

from sqlalchemy import JSON, Text, column, insert, select, table

from server.extensions import db
from server.models import Conseiller, Cra
from server.models.cra import CONTENT_COLUMNS
from server.services import sql
from server.services.archives.lignes import Lecture

# Fixed forever: an archived CRA's id is derived from its original id, so that importing the
# same row again finds it (idempotence by the primary key, no other index to maintain).
NAMESPACE = uuid.UUID("5d3b1f0e-7c2a-4e8b-9a61-0c4f2b7e9d35")
_NAMESPACE_BYTES = NAMESPACE.bytes
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


def cra_id(origine_id: str) -> str:
    """Our id of an archived CRA (uuid5 in its text form, as COPY and the report take it)."""
    return _uuid5(origine_id)


def head_of(origine_id: str) -> str:
    """The head (op_id of its last operation) of an archived CRA: the import is its creation."""
    return _uuid5("head:" + origine_id)


def _uuid5(name: str) -> str:
    # str(uuid.uuid5(NAMESPACE, name)) without its two UUID objects: RFC 4122 §4.3, the hash's
    # first 16 bytes with the version (5) and the variant set (tests/test_archives.py checks
    # it against the standard library).
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def existants(ids: list[str]) -> set[str]:
    """Those of these CRA ids (text) already stored."""
    found: set[str] = set()
    query, piece = select(Cra.id).where(sql.one_of(Cra.id, "ids")), sql.PIECE[sql.dialect_name()]
    for start in range(0, len(ids), piece):
        values = parametres(ids[start : start + piece])
        found.update(str(ident) for ident in db.session.scalars(query, {"ids": values}))
    return found


def parametres(ids: list[str]) -> list:
    """CRA ids (text) as a query parameter (sql.one_of): PostgreSQL reads their text,
    SQLAlchemy wants UUID objects for SQLite."""
    return ids if sql.on_postgresql() else [uuid.UUID(ident) for ident in ids]


class Sequences:
    """Each conseiller's change sequence (sync/PROTOCOL.md): archived CRAs take the next
    numbers, as if they had been sent, so the conseiller's phones pull them.

    For real, the chunk's conseillers are updated (sql.add_to_each), their row locks taken in
    order of id (a sync batch takes its conseiller's first, then the day totals, as the import
    does). In a dry run they are only read, so that no lock is held while it lasts."""

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
        if self.dry_run:
            rows = db.session.execute(self._lasts(), {"ids": sorted(volumes)})
            firsts = {ident: seq + self.taken[ident] + 1 for ident, seq in rows}
            self.taken.update(volumes)
            return firsts
        lasts = sql.add_to_each(Conseiller.__table__, "sync_seq", volumes)
        return {ident: last - volumes[ident] + 1 for ident, last in lasts.items()}


def preparer(lecture: Lecture) -> Lecture:
    """Give a readable row what its CRA's row needs that owes nothing to the database: its id,
    its head and its content columns (JSON encoded). In the reading thread (en_avance)."""
    if lecture.refus is None and lecture.origine_id:
        valeurs = lecture.valeurs
        for name in JSON_COLONNES:
            valeurs[name] = _json(valeurs[name])
        lecture.ident, lecture.head = cra_id(lecture.origine_id), head_of(lecture.origine_id)
        lecture.contenu = _contenu(valeurs)
    return lecture


def ecrire(cras: list[Lecture], sequences: Sequences) -> None:
    """Write these CRAs (prepared readings given their owner) in one go."""
    if not cras:
        return
    firsts = sequences.premiers(Counter(lecture.valeurs["conseiller_id"] for lecture in cras))
    numbers = {ident: count(first) for ident, first in firsts.items()}
    rows = [
        (
            lecture.ident,
            lecture.valeurs["conseiller_id"],
            lecture.valeurs["structure_id"],
            *lecture.contenu,
            lecture.head,
            1,
            next(numbers[lecture.valeurs["conseiller_id"]]),
            lecture.received_at,
            lecture.updated_at,
            lecture.origine_id,
        )
        for lecture in cras
    ]
    db.session.flush()  # the structures and owners made for this chunk come first
    if sql.on_postgresql():
        sql.copy_rows("cra", COLONNES, rows)
    else:
        db.session.connection().execute(
            insert(_CRA_ROWS),
            [_sqlite(dict(zip(COLONNES, row, strict=True))) for row in rows],
        )


def _sqlite(ligne: dict) -> dict:
    ligne["id"], ligne["head"] = uuid.UUID(ligne["id"]), uuid.UUID(ligne["head"])
    return ligne


_contenu = itemgetter(*CONTENT_COLUMNS)
_JSON_CONNUS: dict[str, str] = {}


def _json(value) -> str:
    # Most values repeat (thèmes and précisions are words of fixed lists, a structure names the
    # same organismes): each distinct one is encoded once, up to 10,000 kept.
    if not value:
        return "[]" if value == [] else "{}"
    key = repr(value)
    if key not in _JSON_CONNUS:
        texte = json.dumps(value)
        if len(_JSON_CONNUS) > 10_000:
            return texte
        _JSON_CONNUS[key] = texte
    return _JSON_CONNUS[key]
