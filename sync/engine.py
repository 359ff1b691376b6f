"""Apply a batch of operations against a store, one result per operation (PROTOCOL.md).

Every decision is taken in memory, under the owner's lock, from what the store held when the
batch began; the writes then go to the store all at once (`plan_*`, then `write_planned`): one
write path. The lock keeps the owner's records and operations from changing meanwhile, not an
op_id or a record id being taken by another owner at the same moment: then the store writes
nothing of the plan, and the batch is planned again from fresh reads, which now see the key
taken and answer it as the rules say. The database's unique keys decide, never a read.
A replay (every operation already recorded) is only read: no lock, no write.
"""

from collections.abc import Callable
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
    # Each effect planned in memory (a plan_* that raises Refused plans
    # nothing), then all written at once. write_planned() is False when a key was taken by
    # someone else meanwhile: then nothing of the plan is written, and the plan is forgotten.
    def plan_record(self, op: Operation) -> None: ...
    def plan_insert(self, op: Operation, content: dict) -> CraState: ...
    def plan_update(self, state: CraState, op: Operation, content: dict) -> CraState: ...
    def plan_delete(self, state: CraState, op: Operation) -> CraState: ...
    def write_planned(self) -> bool: ...


Validator = Callable[[str, dict], tuple[dict | None, dict]]  # (objet, payload)


def apply_batch(
    store: Store, owner_id: int, raw_operations: list, validate: Validator
) -> list[Result]:
    """Apply the operations in order; the caller commits the transaction afterwards."""
    parsed = [parse_operation(raw) for raw in raw_operations]
    operations = [item for item in parsed if isinstance(item, Operation)]
    known = store.known_operations([op.op_id for op in operations])
    if all(op.op_id in known for op in operations):
        # A replay: every answer is a read (a recorded operation is never undone), so it takes
        # no lock and writes nothing.
        states = store.load(list(dict.fromkeys(op.key for op in operations)))
        return _echoed(raw_operations, [_replayed_item(owner_id, i, known, states) for i in parsed])
    store.lock_owner()
    # Each lost race shows the next reads one more key taken (an op_id or a record id of the
    # batch, committed by another owner), so the planning ends within that many rounds.
    for _ in range(2 * len(operations) + 1):
        planned = _apply_planned(store, owner_id, parsed, validate)
        if planned is not None:
            return _echoed(raw_operations, planned)
    raise RuntimeError("sync: the batch's keys kept being taken by other owners")


def _echoed(raw_operations: list, results: list[Result]) -> list[Result]:
    """Each result carries the op_id exactly as the client wrote it (upper case, braces...):
    the client finds its operation by comparing text."""
    for raw, result in zip(raw_operations, results, strict=True):
        if isinstance(raw, dict) and isinstance(raw.get("op_id"), str):
            result.op_id = raw["op_id"]
    return results


def _prefetch(store: Store, parsed: list[Operation | Result]) -> tuple[dict, dict]:
    operations = [item for item in parsed if isinstance(item, Operation)]
    known = store.known_operations([op.op_id for op in operations])
    states = store.load(list(dict.fromkeys(op.key for op in operations)))
    return known, states


def _apply_planned(
    store: Store, owner_id: int, parsed: list[Operation | Result], validate: Validator
) -> list[Result] | None:
    known, states = _prefetch(store, parsed)
    results = []
    for op in parsed:
        if isinstance(op, Result):
            results.append(op)
            continue
        judged = _judge(owner_id, op, known, states, validate)
        if isinstance(judged, Result):
            results.append(judged)
            continue
        content, holds = judged
        try:
            # When its effect already holds, the record is there as the operation makes it.
            new_state = states[op.key] if holds else _change(store, op, states.get(op.key), content)
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


def _change(store: Store, op: Operation, state: CraState | None, content: dict | None) -> CraState:
    """The operation's effect, planned in the store (a create or an update comes with its
    validated content; an update or a delete, with the record it changes)."""
    if op.type == "create":
        assert content is not None
        return store.plan_insert(op, content)
    assert state is not None
    if op.type == "update":
        assert content is not None
        return store.plan_update(state, op, content)
    return store.plan_delete(state, op)


def _judge(
    owner_id: int, op: Operation, known: dict, states: dict, validate: Validator
) -> Result | tuple[dict | None, bool]:
    """A Result when the operation must change nothing; else (content, holds), `holds` when
    its effect already holds (the operation is remembered and answered duplicate)."""
    answer = _read_answer(owner_id, op, known, states)
    if answer is not None:
        return answer
    state = states.get(op.key)
    content = None
    if op.type != "delete":
        assert op.cra is not None  # parse_operation makes sure of it
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


def _replayed_item(owner_id: int, item: Operation | Result, known: dict, states: dict) -> Result:
    if isinstance(item, Result):
        return item
    answer = _read_answer(owner_id, item, known, states)
    assert answer is not None  # a replay's op_ids are all recorded
    return answer


def _read_answer(owner_id: int, op: Operation, known: dict, states: dict) -> Result | None:
    """The answer that needs neither validation nor write, if any: someone else's record,
    or an op_id already recorded."""
    state = states.get(op.key)
    if state is not None and state.owner_id != owner_id:
        # Someone else's CRA: answer as if it did not exist, whatever the operation.
        message = MSG_ID_TAKEN if op.type == "create" else MSG_NOT_FOUND
        return Result(op.op_id, REJECTED, message=message, errors={"cra_id": [message]})
    if op.op_id in known:
        return _replayed(owner_id, op, known, state)
    return None


def _replayed(owner_id: int, op: Operation, known: dict, state: CraState | None) -> Result:
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
