"""Apply a batch of operations against a store, one result per operation (PROTOCOL.md).

Every decision is taken in memory, under the owner's lock, from what the store held when the
batch began; the writes then go to the store all at once (`plan_*`, then `write_planned`). The
lock keeps the owner's records and operations from changing meanwhile, not an op_id or a record
id being taken by another owner at the same moment: then the store writes nothing of the plan,
and the batch is applied again item by item, each operation in its own savepoint, which answers
those races as the rules say. Either way the database's unique keys decide, never a read.
A replay (every operation already recorded) is only read: no lock, no write.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from sync.protocol import (
    APPLIED,
    CONFLICT,
    DUPLICATE,
    MSG_CHANGED,
    MSG_DELETED,
    MSG_ID_TAKEN,
    MSG_INVALID,
    MSG_NOT_FOUND,
    MSG_OP_ID_TAKEN,
    REJECTED,
    Operation,
    Result,
    parse_operation,
)


@dataclass
class CraState:
    """What the engine needs to know of a stored CRA."""

    cra_id: str
    owner_id: int
    head: str
    deleted: bool
    content: dict
    copy: dict  # what the client is sent


class Refused(Exception):
    """A store could not write an operation it was asked to (e.g. a reference vanished)."""

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message, self.errors = message, errors or {}


class Store(Protocol):
    """Persistence for one owner's batch, inside one transaction. Records are known by their
    key, (objet, id): a CRA or a coordinators' CRA."""

    def lock_owner(self) -> None: ...
    # The recorded ones among these op_ids, each with what it changed: (objet, record id,
    # owner).
    def known_operations(self, op_ids: list[str]) -> dict[str, tuple[str, str, int]]: ...
    def load(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], CraState]: ...
    # The usual way: each effect planned in memory (a plan_* that raises Refused plans
    # nothing), then all written at once. write_planned() is False when a key was taken by
    # someone else meanwhile: then nothing of the plan is written, and the plan is forgotten.
    def plan_record(self, op: Operation) -> None: ...
    def plan_insert(self, op: Operation, content: dict) -> CraState: ...
    def plan_update(self, state: CraState, op: Operation, content: dict) -> CraState: ...
    def plan_delete(self, state: CraState, op: Operation) -> CraState: ...
    def write_planned(self) -> bool: ...
    # Item by item, after a lost race: record() and insert() say whether the key was free.
    def savepoint(self) -> AbstractContextManager: ...
    def record(self, op: Operation) -> bool: ...
    def insert(self, op: Operation, content: dict) -> CraState | None: ...
    def update(self, state: CraState, op: Operation, content: dict) -> CraState: ...
    def delete(self, state: CraState, op: Operation) -> CraState: ...


Validator = Callable[[str, dict], tuple[dict | None, dict]]  # (objet, payload)


def apply_batch(
    store: Store, owner_id: int, raw_operations: list, validate: Validator
) -> list[Result]:
    """Apply the operations in order; the caller commits the transaction afterwards."""
    parsed = [parse_operation(raw) for raw in raw_operations]
    operations = [op for op, _ in parsed if op is not None]
    known = store.known_operations([op.op_id for op in operations])
    if all(op.op_id in known for op in operations):
        # A replay: every answer is a read (a recorded operation is never undone), so it takes
        # no lock and writes nothing.
        states = store.load(list(dict.fromkeys(op.key for op in operations)))
        results = [
            rejection or _judge(owner_id, op, known, states, validate) for op, rejection in parsed
        ]
        return _echoed(raw_operations, results)
    store.lock_owner()
    results = _apply_planned(store, owner_id, parsed, validate)
    if results is None:  # a key was taken by another owner meanwhile
        results = _apply_each(store, owner_id, parsed, validate)
    return _echoed(raw_operations, results)


def _echoed(raw_operations: list, results: list[Result]) -> list[Result]:
    """Each result carries the op_id exactly as the client wrote it (upper case, braces...):
    the client finds its operation by comparing text."""
    for raw, result in zip(raw_operations, results, strict=True):
        if isinstance(raw, dict) and isinstance(raw.get("op_id"), str):
            result.op_id = raw["op_id"]
    return results


def _prefetch(store: Store, parsed: list) -> tuple[dict, dict]:
    operations = [op for op, _ in parsed if op is not None]
    known = store.known_operations([op.op_id for op in operations])
    states = store.load(list(dict.fromkeys(op.key for op in operations)))
    return known, states


def _apply_planned(store, owner_id, parsed, validate) -> list[Result] | None:
    known, states = _prefetch(store, parsed)
    results = []
    for op, rejection in parsed:
        if rejection is not None:
            results.append(rejection)
            continue
        judged = _judge(owner_id, op, known, states, validate)
        if isinstance(judged, Result):
            results.append(judged)
            continue
        content, holds = judged
        state = states.get(op.key)
        try:
            new_state = (
                state
                if holds
                else _change(
                    op, state, content, store.plan_insert, store.plan_update, store.plan_delete
                )
            )
        except Refused as refusal:
            results.append(
                Result(op.op_id, REJECTED, message=refusal.message, errors=refusal.errors)
            )
            continue
        store.plan_record(op)
        known[op.op_id] = (*op.key, owner_id)
        states[op.key] = new_state
        results.append(Result(op.op_id, DUPLICATE if holds else APPLIED, copy=new_state.copy))
    return results if store.write_planned() else None


def _apply_each(store, owner_id, parsed, validate) -> list[Result]:
    known, states = _prefetch(store, parsed)
    return [
        rejection or _apply(store, owner_id, op, known, states, validate)
        for op, rejection in parsed
    ]


def _apply(store, owner_id, op: Operation, known: dict, states: dict, validate) -> Result:
    judged = _judge(owner_id, op, known, states, validate)
    if isinstance(judged, Result):
        return judged
    content, holds = judged
    state = states.get(op.key)
    try:
        with store.savepoint():
            if not store.record(op):  # recorded meanwhile by another transaction
                known.update(store.known_operations([op.op_id]))
                return _replayed(owner_id, op, known, state)
            new_state = (
                state
                if holds
                else _change(op, state, content, store.insert, store.update, store.delete)
            )
    except Refused as refusal:
        return Result(op.op_id, REJECTED, message=refusal.message, errors=refusal.errors)
    known[op.op_id] = (*op.key, owner_id)
    states[op.key] = new_state
    return Result(op.op_id, DUPLICATE if holds else APPLIED, copy=new_state.copy)


def _change(
    op: Operation, state: CraState | None, content: dict | None, insert, update, delete
) -> CraState:
    """The operation's effect, through the store's planned or item-by-item methods."""
    if op.type == "create":
        new_state = insert(op, content)
        if new_state is None:
            raise Refused(MSG_ID_TAKEN, {"cra_id": [MSG_ID_TAKEN]})
        return new_state
    if op.type == "update":
        return update(state, op, content)
    return delete(state, op)


def _judge(owner_id, op: Operation, known: dict, states: dict, validate):
    """A Result when the operation must change nothing; else (content, holds), `holds` when
    its effect already holds (the operation is remembered and answered duplicate)."""
    state = states.get(op.key)
    if state is not None and state.owner_id != owner_id:
        # Someone else's CRA: answer as if it did not exist, whatever the operation.
        message = MSG_ID_TAKEN if op.type == "create" else MSG_NOT_FOUND
        return Result(op.op_id, REJECTED, message=message, errors={"cra_id": [message]})
    if op.op_id in known:
        return _replayed(owner_id, op, known, state)
    content = None
    if op.type != "delete":
        content, errors = validate(op.objet, op.cra)
        if errors:
            return Result(op.op_id, REJECTED, message=MSG_INVALID, errors=errors)
    outcome = _decide(op, state, content)
    if outcome is None:
        return content, False
    status, message = outcome
    if status is DUPLICATE:
        return content, True
    return Result(
        op.op_id,
        status,
        copy=state.copy if state else None,
        message=message,
        errors={"cra_id": [message]} if status is REJECTED else {},
    )


def _replayed(owner_id, op: Operation, known: dict, state: CraState | None) -> Result:
    """The answer to an op_id already recorded: a duplicate when it is this very operation
    (same kind of record, same record id, same owner), else a rejection telling the client to
    make a new op_id."""
    if known.get(op.op_id) != (*op.key, owner_id):
        return Result(
            op.op_id, REJECTED, message=MSG_OP_ID_TAKEN, errors={"op_id": [MSG_OP_ID_TAKEN]}
        )
    return Result(op.op_id, DUPLICATE, copy=state.copy if state else None)


def _decide(op: Operation, state: CraState | None, content: dict | None):
    """None to go ahead, or (status, message) when the operation must not change anything."""
    if op.type == "create":
        if state is None:
            return None
        if not state.deleted and state.content == content:
            return DUPLICATE, None
        return CONFLICT, MSG_ID_TAKEN if not state.deleted else MSG_DELETED
    if state is None:
        return REJECTED, MSG_NOT_FOUND
    if op.type == "delete" and state.deleted:
        return DUPLICATE, None
    if state.deleted:
        return CONFLICT, MSG_DELETED
    if op.base != state.head:
        return CONFLICT, MSG_CHANGED
    return None
