"""The protocol's pure logic: parsing operations, cursors, and the engine's decisions."""

import uuid

import pytest

from sync import protocol
from sync.engine import CraState, Refused, apply_batch


def op(kind="create", **extra):
    body = {"op_id": str(uuid.uuid4()), "type": kind, "cra_id": str(uuid.uuid4())}
    if kind != "delete":
        body["cra"] = {"x": 1}
    if kind != "create":
        body["base"] = str(uuid.uuid4())
    return {**body, **extra}


def test_sync_package_imports_neither_flask_nor_sqlalchemy():
    import pathlib

    for path in pathlib.Path(protocol.__file__).parent.glob("*.py"):
        text = path.read_text()
        assert "import flask" not in text and "from flask" not in text
        assert "sqlalchemy" not in text


@pytest.mark.parametrize(
    "raw, field",
    [
        ("texte", "_schema"),
        ({"type": "create"}, "op_id"),
        (op(type="merge"), "type"),
        (op("update", base=None), "base"),
        (op("create", cra=None), "cra"),
        (op(client_time=12), "client_time"),
        (op(extra=1), "extra"),
    ],
)
def test_malformed_operations_are_rejected_with_field_errors(raw, field):
    rejection = protocol.parse_operation(raw)
    assert isinstance(rejection, protocol.Result) and rejection.status == protocol.REJECTED
    assert field in rejection.errors


def test_uuid_spellings_are_normalised():
    raw = op()
    raw["op_id"] = raw["op_id"].upper()
    parsed = protocol.parse_operation(raw)
    assert parsed.op_id == raw["op_id"].lower()


@pytest.mark.parametrize(
    "count, size, too_large",
    [(200, 100, False), (201, 100, True), (1, protocol.MAX_BODY_BYTES + 1, True)],
)
def test_batch_limits(count, size, too_large):
    body = {"operations": [{}] * count}
    if too_large:
        with pytest.raises(protocol.BatchTooLarge):
            protocol.operations_of(body, size)
    else:
        assert len(protocol.operations_of(body, size)) == count


def test_cursor_round_trip_and_garbage():
    assert protocol.decode_cursor(protocol.encode_cursor(42)) == 42
    assert protocol.decode_cursor(None) == 0
    for garbage in ("%%%", "djE6YWJj", "eDo1"):
        with pytest.raises(protocol.BadCursor):
            protocol.decode_cursor(garbage)


class MemoryStore:
    """An in-memory store, to check the engine without a database."""

    def __init__(self):
        self.ops, self.cras, self.locked, self.planned = {}, {}, False, []
        # op_ids and record keys written by another transaction after our reads
        self.hidden = set()
        self.rounds = 0  # calls of write_planned

    def lock_owner(self):
        self.locked = True

    def known_operations(self, op_ids):
        return {i: self.ops[i] for i in op_ids if i in self.ops and i not in self.hidden}

    def load(self, keys):
        return {key: self.cras[key] for key in keys if key in self.cras and key not in self.hidden}

    def plan_record(self, operation):
        self.planned.append(("operation", operation.op_id, (*operation.key, 1)))

    def plan_insert(self, operation, content):
        state = CraState(operation.cra_id, 1, operation.op_id, False, content, {"c": content})
        self.planned.append(("new", operation.key, state))
        return state

    def plan_update(self, state, operation, content):
        state = CraState(operation.cra_id, 1, operation.op_id, False, content, {"c": content})
        self.planned.append(("cra", operation.key, state))
        return state

    def plan_delete(self, state, operation):
        state = CraState(state.cra_id, 1, operation.op_id, True, state.content, {"deleted": True})
        self.planned.append(("cra", operation.key, state))
        return state

    def write_planned(self):
        planned, self.planned = self.planned, []
        self.rounds += 1
        taken = {"operation": self.ops, "new": self.cras}
        if any(key in taken.get(kind, ()) for kind, key, _ in planned):
            self.hidden = set()  # the other transaction's commit is seen from now on
            return False  # written by another transaction meanwhile: nothing is written
        for kind, key, state in planned:
            if kind == "operation":
                self.ops[key] = state
            else:
                self.cras[key] = state
        return True


def once(function):
    """The function, failing the test when called a second time."""
    calls = []

    def only_once(*args):
        assert not calls, f"{function.__name__} called twice"
        calls.append(args)
        return function(*args)

    return only_once


def valid(objet, payload):
    return (payload, {}) if payload.get("x", 0) > 0 else (None, {"x": ["Trop petit."]})


def test_engine_locks_first_and_answers_every_item_in_order():
    store = MemoryStore()
    create = op()
    update = op("update", cra_id=create["cra_id"], base=create["op_id"], cra={"x": 2})
    bad = op(cra={"x": 0})
    results = apply_batch(store, 1, [create, update, bad, "junk"], valid)
    assert store.locked
    assert [r.status for r in results] == ["applied", "applied", "rejected", "rejected"]
    assert results[2].errors == {"x": ["Trop petit."]}


def test_engine_writes_the_whole_batch_at_once_when_no_key_was_taken():
    store = MemoryStore()
    store.write_planned = once(store.write_planned)  # one round: nothing was taken meanwhile
    create = op()
    delete = op("delete", cra_id=create["cra_id"], base=create["op_id"])
    results = apply_batch(store, 1, [create, delete, op(), create], valid)
    assert [r.status for r in results] == ["applied", "applied", "applied", "duplicate"]
    assert results[3].copy == {"deleted": True} and len(store.ops) == 3
    assert store.cras[("cra", create["cra_id"])].deleted


def test_engine_answers_a_replay_without_lock_or_write():
    store = MemoryStore()
    create = op()
    apply_batch(store, 1, [create], valid)
    store.locked = False
    store.plan_record = store.write_planned = None
    results = apply_batch(store, 1, [create, "junk", create], valid)
    assert [r.status for r in results] == ["duplicate", "rejected", "duplicate"]
    assert results[0].copy == {"c": {"x": 1}} and not store.locked


def test_engine_turns_a_store_refusal_into_a_rejection():
    store = MemoryStore()

    def refuse(operation, content):
        raise Refused("Lieu supprimé.", {"lieu_activite_id": ["Lieu supprimé."]})

    store.plan_insert = refuse
    results = apply_batch(store, 1, [op(), op(cra={"x": 0})], valid)
    assert results[0].status == "rejected" and results[0].message == "Lieu supprimé."
    assert store.ops == {}  # the refused operation is not remembered


def test_the_same_id_under_two_objets_names_two_records():
    store = MemoryStore()
    cra = op()
    coordination = op(op_id=str(uuid.uuid4()), cra_id=cra["cra_id"], objet="cra_coordination")
    edit = op(
        "update",
        cra_id=cra["cra_id"],
        base=coordination["op_id"],
        cra={"x": 3},
        objet="cra_coordination",
    )
    stale = op("update", cra_id=cra["cra_id"], base=coordination["op_id"], cra={"x": 3})
    results = apply_batch(store, 1, [cra, coordination, edit, stale], valid)
    assert [r.status for r in results] == ["applied", "applied", "applied", "conflict"]
    assert set(store.cras) == {("cra", cra["cra_id"]), ("cra_coordination", cra["cra_id"])}


def test_unknown_objet_is_rejected():
    rejection = protocol.parse_operation(op(objet="agenda"))
    assert isinstance(rejection, protocol.Result) and "objet" in rejection.errors
    assert protocol.parse_operation(op()).objet == "cra"


def test_engine_reports_a_lost_insert_race_as_duplicate():
    """The planned writes find the op_id taken: nothing of them stays, and the batch is
    planned again from fresh reads, where the lost race is a duplicate."""
    store = MemoryStore()
    before, create, after = op(), op(), op()
    store.ops[create["op_id"]] = ("cra", create["cra_id"], 1)  # another transaction recorded it
    store.hidden = {create["op_id"]}  # after our reads
    results = apply_batch(store, 1, [before, create, after], valid)
    assert [r.status for r in results] == ["applied", "duplicate", "applied"]
    assert set(store.cras) == {("cra", before["cra_id"]), ("cra", after["cra_id"])}
    assert store.planned == [] and store.rounds == 2


def test_engine_plans_again_until_no_key_of_the_batch_is_taken():
    """Another owner took a record id and, after that, an op_id of the batch: each lost round
    shows one more, and the third round writes the rest."""
    store = MemoryStore()
    first, second, kept = op(), op(), op()
    store.cras[("cra", first["cra_id"])] = CraState(first["cra_id"], 2, "h", False, {}, {})
    store.ops[second["op_id"]] = ("cra", str(uuid.uuid4()), 2)
    store.hidden = {("cra", first["cra_id"]), second["op_id"]}
    write = store.write_planned

    def second_race_after_the_first():
        done = write()
        if store.rounds == 1:
            store.hidden = {second["op_id"]}  # committed just after our second reads
        return done

    store.write_planned = second_race_after_the_first
    results = apply_batch(store, 1, [first, second, kept], valid)
    assert [r.status for r in results] == ["rejected", "rejected", "applied"]
    assert "cra_id" in results[0].errors and "op_id" in results[1].errors
    assert store.rounds == 3 and set(store.ops) == {second["op_id"], kept["op_id"]}


@pytest.mark.parametrize("taken_by", ["other_cra", "other_owner", "other_objet"])
def test_an_op_id_recorded_for_another_cra_or_owner_is_rejected_not_duplicate(taken_by):
    store = MemoryStore()
    create = op()
    recorded = {
        "other_cra": ("cra", str(uuid.uuid4()), 1),
        "other_owner": ("cra", create["cra_id"], 2),
        # the same id, but a coordination CRA: another record
        "other_objet": ("cra_coordination", create["cra_id"], 1),
    }[taken_by]
    store.ops[create["op_id"]] = recorded
    results = apply_batch(store, 1, [op(), create], valid)
    assert [r.status for r in results] == ["applied", "rejected"]
    assert "nouvel identifiant" in results[1].errors["op_id"][0]
    assert ("cra", create["cra_id"]) not in store.cras


def test_an_op_id_reused_within_a_batch_for_another_cra_is_rejected():
    first = op()
    again = op(op_id=first["op_id"])
    results = apply_batch(MemoryStore(), 1, [first, again, first], valid)
    assert [r.status for r in results] == ["applied", "rejected", "duplicate"]


def test_an_op_id_reused_within_a_batch_for_the_same_id_of_another_objet_is_rejected():
    first = op()
    other_kind = op(op_id=first["op_id"], cra_id=first["cra_id"], objet="cra_coordination")
    store = MemoryStore()
    results = apply_batch(store, 1, [first, other_kind, first], valid)
    assert [r.status for r in results] == ["applied", "rejected", "duplicate"]
    assert ("cra_coordination", first["cra_id"]) not in store.cras


def test_op_ids_are_echoed_as_sent():
    store = MemoryStore()
    create = op()
    create["op_id"] = "{" + create["op_id"].upper() + "}"
    junk = {"op_id": "PAS-UN-UUID"}
    results = apply_batch(store, 1, [create, junk], valid)
    assert [r.op_id for r in results] == [create["op_id"], "PAS-UN-UUID"]
    assert [r.op_id for r in apply_batch(store, 1, [create], valid)] == [create["op_id"]]
