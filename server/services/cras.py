"""CRAs: the sync protocol's store on the database, push, pull and the history."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import (
    String,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import SessionTransaction

from server.errors import ApiError, field_errors
from server.extensions import db
from server.models import (
    Conseiller,
    Cra,
    CraOperation,
    CraOperationRefusee,
    LieuActivite,
    Role,
    User,
)
from server.models.coordination import COORDINATION_CONTENT, CraCoordination
from server.models.cra import CONTENT_COLUMNS
from server.models.types import utcnow
from server.schemas.coordinations import CraCoordinationSchema, coordination_copy
from server.schemas.cras import CraSchema, cra_copy
from server.services import appareils, cumuls, scopes, sql, statistiques, territoires
from sync import protocol
from sync.engine import CraState, apply_batch

HISTORY_PAGE = 30
MAX_DEVICE_LABEL = 80


_BULK_INSERTS: dict[str, object] = {}  # PostgreSQL's, by table


def _insert_all(table, key: str, rows: list[dict]) -> bool:
    """Insert the rows (every column given) in one INSERT … ON CONFLICT (key) DO NOTHING
    RETURNING key; False when one of their keys was taken.

    On PostgreSQL the rows travel as one array per column, unnested: one statement text
    whatever their number, which the driver caches and the server prepares, where a VALUES list
    of 50 CRAs is some 2,000 parameters parsed anew by the driver at each batch (twice the
    time: bench/sync_store_variants.py).
    """
    if not rows:
        return True
    parameters: list[dict] | dict[str, list]
    if not sql.on_postgresql():
        statement, parameters = sql.insert_ignoring_conflicts(table, key), rows
    else:
        if table.name not in _BULK_INSERTS:
            names = [column.key for column in table.columns]
            arrays = (
                func.unnest(
                    *(
                        # Unbounded: an over-long text must fail on insert, not be cut by the cast.
                        bindparam(
                            column.key,
                            type_=postgresql.ARRAY(
                                String() if isinstance(column.type, String) else column.type,
                                dimensions=1,
                            ),
                        )
                        for column in table.columns
                    )
                )
                .table_valued(*names)
                .render_derived()
            )
            _BULK_INSERTS[table.name] = (
                postgresql.insert(table)
                .from_select(names, select(arrays))
                .on_conflict_do_nothing(index_elements=[key])
                .returning(table.c[key])
            )
        statement = _BULK_INSERTS[table.name]
        parameters = {name: [row[name] for row in rows] for name in table.columns.keys()}
    return len(db.session.connection().execute(statement, parameters).all()) == len(rows)


def conseiller_of(user: User) -> Conseiller:
    """The conseiller behind an account; 403 for accounts that file no CRA."""
    if user.conseiller_id is None:
        raise ApiError(403, "Seuls les conseillers numériques saisissent des comptes rendus.")
    conseiller = user.conseiller
    assert conseiller is not None  # the relationship of a set conseiller_id
    return conseiller


def today_for(conseiller: Conseiller) -> date:
    """Today in the conseiller's time zone (their structure's département)."""
    departement = conseiller.structure.departement_code if conseiller.structure else None
    return datetime.now(ZoneInfo(territoires.time_zone(departement))).date()


def cra_schema(conseiller: Conseiller) -> CraSchema:
    """The CRA schema with this conseiller's lieux and today in their time zone."""
    lieux = {
        lieu.id: lieu
        for lieu in db.session.scalars(
            select(LieuActivite).where(scopes.own_records(LieuActivite, conseiller.id))
        )
    }
    return CraSchema(lieux=lieux, today=today_for(conseiller), communes=territoires.commune_connue)


@dataclass(frozen=True)
class Objet:
    """What the store needs to know of a kind of synced record."""

    model: Any  # a model class (Cra or CraCoordination)
    content: tuple[str, ...]  # the columns the user's content fills
    copy: Callable[[object], dict]  # a row as the app sees it (its schema's dump)


OBJETS = {
    "cra": Objet(Cra, CONTENT_COLUMNS, cra_copy),
    "cra_coordination": Objet(CraCoordination, COORDINATION_CONTENT, coordination_copy),
}


GROUPED = ("age_", "statut_", "suivi_")  # columns the API shows as one object each


def changed_fields(before: dict, after: dict) -> list[str]:
    """The fields an update changes, in the record's order, named as the API names them
    ("age" for age_*)."""
    names = (
        next((prefix[:-1] for prefix in GROUPED if name.startswith(prefix)), name)
        for name in before
        if before[name] != after.get(name)
    )
    return list(dict.fromkeys(names))


class SqlStore:
    """sync.engine.Store on SQLAlchemy, for one conseiller, inside the session's transaction.

    A planned batch costs a few statements whatever its size: the operation log and the new
    records each in one multi-row INSERT … ON CONFLICT DO NOTHING RETURNING, the changed
    records in one flush, all inside one savepoint, rolled back when a key turns out taken.
    """

    def __init__(self, conseiller: Conseiller, appareil: str | None = None):
        self.conseiller = conseiller
        self.appareil = appareil  # the sending device's label, kept in the log
        self.champs: dict[str, list[str]] = {}  # by op_id: the fields each update changes
        self.seq = self.locked_seq = 0
        self.rows: dict[tuple[str, str], object] = {}
        self.cumuls: cumuls.Suivi | None = None
        self.planned_operations: list[dict] = []
        self.planned_records: dict[tuple[str, str], SimpleNamespace] = {}  # new, not written yet
        # The savepoint of the planned writes, once one is needed.
        self.writes: SessionTransaction | None = None

    def lock_owner(self) -> None:
        # A write first: PostgreSQL locks the row, SQLite takes its write lock before any read.
        self.seq = self.locked_seq = db.session.execute(
            update(Conseiller)
            .where(Conseiller.id == self.conseiller.id)
            .values(sync_seq=Conseiller.sync_seq)
            .returning(Conseiller.sync_seq)
        ).scalar_one()

    def finish(self) -> None:
        if self.cumuls is not None:
            self.cumuls.fin()
        if self.seq != self.locked_seq:
            db.session.execute(
                update(Conseiller)
                .where(Conseiller.id == self.conseiller.id)
                .values(sync_seq=self.seq)
            )

    def known_operations(self, op_ids):
        if not op_ids:
            return {}
        ids = [uuid.UUID(op_id) for op_id in op_ids]
        found = db.session.execute(
            select(
                CraOperation.op_id,
                CraOperation.objet,
                CraOperation.cra_id,
                CraOperation.conseiller_id,
            ).where(CraOperation.op_id.in_(ids))
        )
        return {str(op_id): (objet, str(cra_id), owner) for op_id, objet, cra_id, owner in found}

    def load(self, keys):
        self.rows = {}
        for name, objet in OBJETS.items():
            ids = [uuid.UUID(i) for kind, i in keys if kind == name]
            if ids:
                for row in db.session.scalars(select(objet.model).where(objet.model.id.in_(ids))):
                    self.rows[name, str(row.id)] = row
        # The CRAs' share of the daily totals is taken before their first write (cumuls.py);
        # only those stored already have one (the lock keeps the conseiller from making more).
        self.cumuls = cumuls.Suivi(
            self.conseiller.id,
            [i for objet, i in keys if objet == "cra"],
            existants=[
                i
                for (objet, i), row in self.rows.items()
                if objet == "cra" and row.conseiller_id == self.conseiller.id
            ],
        )
        return {key: self._state(key[0], row) for key, row in self.rows.items()}

    def _state(self, name: str, row) -> CraState:
        objet = OBJETS[name]
        return CraState(
            str(row.id),
            row.conseiller_id,
            str(row.head),
            row.deleted_at is not None,
            {column: getattr(row, column) for column in objet.content},
            objet.copy(row),
        )

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def _before_write(self, op) -> None:
        if op.objet == "cra":
            assert self.cumuls is not None  # made by load(), before any plan
            self.cumuls.avant_ecriture()

    def _new_values(self, op, content) -> dict:
        now = utcnow()
        return {
            **content,
            "id": uuid.UUID(op.cra_id),
            "conseiller_id": self.conseiller.id,
            "structure_id": self.conseiller.structure_at(content["date"]),
            "head": uuid.UUID(op.op_id),
            "version": 1,
            "seq": self._next_seq(),
            "received_at": now,
            "updated_at": now,
            "deleted_at": None,
            "client_time": op.client_time,
            "origine_id": None,  # only archived CRAs have one (services/archives)
        }

    def _operation_values(self, op) -> dict:
        return {
            "op_id": uuid.UUID(op.op_id),
            "objet": op.objet,
            "cra_id": uuid.UUID(op.cra_id),
            "conseiller_id": self.conseiller.id,
            "type": op.type,
            "applied_at": utcnow(),
            "client_time": op.client_time,
            "champs": self.champs.pop(op.op_id, None),
            "appareil": self.appareil,
        }

    def _row(self, op):
        if op.key not in self.rows:
            self.rows[op.key] = db.session.get(OBJETS[op.objet].model, uuid.UUID(op.cra_id))
        return self.rows[op.key]

    def _change(self, row, op, content) -> None:
        if content is not None:
            for name, value in content.items():
                setattr(row, name, value)
            row.structure_id = self.conseiller.structure_at(content["date"])
        else:
            row.deleted_at = utcnow()
        row.head, row.version, row.seq = uuid.UUID(op.op_id), row.version + 1, self._next_seq()
        row.updated_at, row.client_time = utcnow(), op.client_time

    def _open_writes(self) -> SessionTransaction:
        """The savepoint the planned writes go in, before the first change to a stored row
        (a query may flush it from then on)."""
        if self.writes is None:
            self.writes = db.session.begin_nested()
        return self.writes

    def plan_record(self, op) -> None:
        self.planned_operations.append(self._operation_values(op))

    def plan_insert(self, op, content):
        self._before_write(op)
        # Plain attributes, not a model instance: it is written by a Core INSERT, and the ORM's
        # bookkeeping of each attribute was two thirds of the time spent here.
        row = SimpleNamespace(**self._new_values(op, content))
        self.rows[op.key] = self.planned_records[op.key] = row
        return self._state(op.objet, row)

    def plan_update(self, state, op, content):
        self.champs[op.op_id] = changed_fields(state.content, content)
        return self._plan_change(op, content)

    def plan_delete(self, state, op):
        return self._plan_change(op, None)

    def _plan_change(self, op, content):
        self._before_write(op)
        row = self._row(op)
        if op.key not in self.planned_records:
            self._open_writes()
        self._change(row, op, content)
        return self._state(op.objet, row)

    def write_planned(self) -> bool:
        operations, records = self.planned_operations, self.planned_records
        self.planned_operations, self.planned_records = [], {}
        if not operations and self.writes is None:
            return True
        writes, self.writes = self._open_writes(), None
        # Sorted by key, so that two batches racing for the same keys take them in one order.
        done = _insert_all(
            CraOperation.__table__, "op_id", sorted(operations, key=lambda row: row["op_id"])
        )
        for name, objet in OBJETS.items():
            rows = sorted(
                (row for (kind, _), row in records.items() if kind == name), key=lambda row: row.id
            )
            columns = [column.key for column in objet.model.__table__.columns]
            done = done and _insert_all(
                objet.model.__table__,
                "id",
                [{column: getattr(row, column) for column in columns} for row in rows],
            )
        if done:
            writes.commit()  # flushes the changed rows first
            return True
        # Taken meanwhile by another conseiller's batch: as if nothing had been planned.
        writes.rollback()
        for key, row in self.rows.items():
            if key not in records:
                db.session.expire(row)
        self.seq = self.locked_seq
        return False


ONLY_COORDINATEURS = "Seuls les conseillers coordinateurs saisissent un CRA de coordination."


def _validator(user: User, conseiller: Conseiller):
    """validate(objet, payload) for the engine: the CRA schema, or the coordinators' one.
    Each is made when first needed (a replay needs none): it costs a query and a copy of
    every field."""
    makers = {
        "cra": lambda: cra_schema(conseiller),
        "cra_coordination": lambda: CraCoordinationSchema(today=today_for(conseiller)),
    }
    schemas = {}

    def validate(objet: str, payload: dict):
        if objet == "cra_coordination" and user.role is not Role.COORDINATEUR:
            return None, {"objet": [ONLY_COORDINATEURS]}
        if objet not in schemas:
            schemas[objet] = makers[objet]()
        try:
            return schemas[objet].load(payload), {}
        except ValidationError as error:
            return None, field_errors(error.normalized_messages())

    return validate


def device_label(body) -> str | None:
    """The label a device gives itself in a push (« Android · Chrome »), if it is one."""
    label = body.get("appareil") if isinstance(body, dict) else None
    label = label.strip() if isinstance(label, str) else ""
    return label if label and len(label) <= MAX_DEVICE_LABEL and label.isprintable() else None


def _record_refusals(conseiller: Conseiller, raw_operations: list, results, appareil) -> None:
    """Keep the operations refused or in conflict for their sender's history of the record
    (a malformed one names no record: nothing to keep); a replay's refusal is kept once."""
    now, rows = utcnow(), []
    for raw, result in zip(raw_operations, results, strict=True):
        if result.status not in (protocol.REJECTED, protocol.CONFLICT):
            continue
        op = protocol.parse_operation(raw)
        if isinstance(op, protocol.Operation):
            rows.append(
                {
                    "op_id": uuid.UUID(op.op_id),
                    "objet": op.objet,
                    "cra_id": uuid.UUID(op.cra_id),
                    "conseiller_id": conseiller.id,
                    "type": op.type,
                    "statut": result.status,
                    "message": result.message,
                    "errors": result.errors or None,
                    "received_at": now,
                    "client_time": op.client_time,
                    "appareil": appareil,
                }
            )
    if rows:
        table = CraOperationRefusee.__table__
        db.session.execute(
            sql.dialect()
            .insert(table)
            .on_conflict_do_nothing(index_elements=["op_id", "conseiller_id"]),
            rows,
        )


def push(user: User, body, body_bytes: int) -> str:
    """Apply a batch of operations for the user; one result per operation; one commit.

    The answer is returned as JSON text, encoded before the commit: once a batch is committed
    nothing may keep its answer from the client, who would otherwise resend it for ever."""
    conseiller = conseiller_of(user)
    report = appareils.rapport(body)  # the device's id, version and outbox count, if given
    appareil = device_label(body)
    try:
        raw_operations = protocol.operations_of(body, body_bytes)
    except protocol.BatchTooLarge as error:
        appareils.noter_refus(conseiller.id, report, appareil, str(error))
        raise ApiError(413, str(error)) from error
    except protocol.NotABatch as error:
        appareils.noter_refus(conseiller.id, report, appareil, str(error))
        raise ApiError(422, str(error)) from error
    store = SqlStore(conseiller, appareil)
    results = apply_batch(store, conseiller.id, raw_operations, _validator(user, conseiller))
    store.finish()
    _record_refusals(conseiller, raw_operations, results, appareil)
    refus = [r.message or "" for r in results if r.status == protocol.REJECTED]
    appareils.noter_synchro(conseiller.id, report, appareil, refus)
    answer = current_app.json.dumps({"results": [result.as_dict() for result in results]})
    db.session.commit()
    return answer


def pull(user: User, cursor: str | None, limit: int) -> dict:
    """The user's changes after the cursor (CRAs and coordination CRAs), tombstones included,
    oldest first; each copy as the app sees it."""
    conseiller = conseiller_of(user)
    try:
        after = protocol.decode_cursor(cursor)
    except protocol.BadCursor as error:
        raise ApiError(400, str(error)) from error
    # Both kinds take their numbers from the conseiller's one sequence: merged by it.
    rows: list[tuple[int, str, Any]] = []
    for name, objet in OBJETS.items():
        model = objet.model
        rows += [
            (row.seq, name, row)
            for row in db.session.scalars(
                select(model)
                .where(model.conseiller_id == conseiller.id, model.seq > after)
                .order_by(model.seq)
                .limit(limit + 1)
            )
        ]
    rows.sort(key=lambda item: item[0])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1][0] if rows else after
    return {
        "changes": [OBJETS[name].copy(row) for _, name, row in rows],
        "cursor": protocol.encode_cursor(last),
        "more": more,
    }


def history(user: User, args: dict) -> dict:
    """One page of the user's own CRAs, filtered and sorted, with the total count."""
    conseiller = conseiller_of(user)
    query = select(Cra).where(scopes.own_records(Cra, conseiller.id))
    for name in ("canal", "activite", "code_postal", "code_commune"):
        if args.get(name):
            query = query.where(getattr(Cra, name) == args[name])
    if args.get("theme"):
        query = query.where(statistiques.has_theme(args["theme"]))
    if args.get("du"):
        query = query.where(Cra.date >= args["du"])
    if args.get("au"):
        query = query.where(Cra.date <= args["au"])
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    order = (
        (Cra.updated_at.desc(),)
        if args["tri"] == "modification"
        else (Cra.date.desc(), Cra.received_at.desc())
    )
    page = args["page"]
    rows = db.session.scalars(
        query.order_by(*order, Cra.id).offset((page - 1) * HISTORY_PAGE).limit(HISTORY_PAGE)
    )
    return {"total": total, "page": page, "per_page": HISTORY_PAGE, "items": list(rows)}


def own_cra(user: User, cra_id: uuid.UUID) -> Cra:
    """One of the user's own CRAs (tombstones excluded), else 404."""
    return scopes.own_record(Cra, conseiller_of(user).id, cra_id, protocol.MSG_NOT_FOUND)


def historique(user: User, cra_id: uuid.UUID) -> list[dict]:
    """What became of the operations the user sent for one of their CRAs, oldest first:
    applied (with the fields an update changed, the device), refused or in conflict (with
    the server's message). Only the sender's own: 404 when they sent none for this id."""
    conseiller = conseiller_of(user)
    applied = db.session.scalars(
        select(CraOperation).where(
            CraOperation.conseiller_id == conseiller.id,
            CraOperation.cra_id == cra_id,
            CraOperation.objet == "cra",
        )
    )
    refused = db.session.scalars(
        select(CraOperationRefusee).where(
            CraOperationRefusee.conseiller_id == conseiller.id,
            CraOperationRefusee.cra_id == cra_id,
            CraOperationRefusee.objet == "cra",
        )
    )
    entries = [
        {
            "op_id": op.op_id,
            "type": op.type,
            "statut": protocol.APPLIED,
            "date": op.applied_at,
            "champs": op.champs if op.type == "update" else None,
            "appareil": op.appareil,
        }
        for op in applied
    ] + [
        {
            "op_id": op.op_id,
            "type": op.type,
            "statut": op.statut,
            "date": op.received_at,
            "appareil": op.appareil,
            "message": op.message,
            "errors": op.errors,
        }
        for op in refused
    ]
    if not entries:
        raise ApiError(404, protocol.MSG_NOT_FOUND)
    return sorted(entries, key=lambda entry: entry["date"])
