"""Apply a batch of operations against a store, one result per operation (PROTOCOL.md)."""

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
    def known_operations(self, op_ids: list[str]) -> set[str]: ...
    def load(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], CraState]: ...
    def savepoint(self) -> AbstractContextManager: ...
    def record(self, op: Operation) -> bool: ...
    def insert(self, op: Operation, content: dict) -> CraState | None: ...
    def update(self, state: CraState, op: Operation, content: dict) -> CraState: ...
    def delete(self, state: CraState, op: Operation) -> CraState: ...


Validator = Callable[[str, dict], tuple[dict | None, dict]]  # (objet, payload)


def apply_batch(store: Store, owner_id: int, raw_operations: list,
                validate: Validator) -> list[Result]:
    """Apply the operations in order; the caller commits the transaction afterwards."""
    parsed = [parse_operation(raw) for raw in raw_operations]
    operations = [op for op, _ in parsed if op is not None]
    store.lock_owner()
    known = store.known_operations([op.op_id for op in operations])
    states = store.load(list(dict.fromkeys(op.key for op in operations)))
    results = []
    for op, rejection in parsed:
        if rejection is not None:
            results.append(rejection)
            continue
        result = _apply(store, owner_id, op, known, states, validate)
        results.append(result)
    return results


def _apply(store, owner_id, op: Operation, known: set, states: dict, validate) -> Result:
    state = states.get(op.key)
    if state is not None and state.owner_id != owner_id:
        # Someone else's CRA: answer as if it did not exist, whatever the operation.
        message = MSG_ID_TAKEN if op.type == "create" else MSG_NOT_FOUND
        return Result(op.op_id, REJECTED, message=message, errors={"cra_id": [message]})
    if op.op_id in known:
        return Result(op.op_id, DUPLICATE, copy=state.copy if state else None)
    content = None
    if op.type != "delete":
        content, errors = validate(op.objet, op.cra)
        if errors:
            return Result(op.op_id, REJECTED, message=MSG_INVALID, errors=errors)
    outcome = _decide(op, state, content)
    if outcome is not None:
        status, message = outcome
        if status is not DUPLICATE:
            return Result(op.op_id, status, copy=state.copy if state else None, message=message,
                          errors={"cra_id": [message]} if status is REJECTED else {})
    try:
        with store.savepoint():
            if not store.record(op):
                known.add(op.op_id)
                return Result(op.op_id, DUPLICATE, copy=state.copy if state else None)
            if outcome is not None:  # the wanted effect already holds: remember the op only
                new_state = state
            elif op.type == "create":
                new_state = store.insert(op, content)
                if new_state is None:
                    raise Refused(MSG_ID_TAKEN, {"cra_id": [MSG_ID_TAKEN]})
            elif op.type == "update":
                new_state = store.update(state, op, content)
            else:
                new_state = store.delete(state, op)
    except Refused as refusal:
        return Result(op.op_id, REJECTED, message=refusal.message, errors=refusal.errors)
    known.add(op.op_id)
    states[op.key] = new_state
    return Result(op.op_id, DUPLICATE if outcome else APPLIED, copy=new_state.copy)


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

