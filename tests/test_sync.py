"""The sync protocol end to end through the API, on every backend (sync/PROTOCOL.md)."""

import io
import json
import threading
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from server.extensions import db
from server.models import Cra, CraOperation
from server.services import cras as cras_service
from server.services import cumuls
from sync.protocol import MAX_OPERATIONS
from tests.cra_payloads import atelier_payload, cra_payload, create_op, delete_op, update_op


def statuses(results):
    return [result["status"] for result in results]


def count(model, **where):
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    db.session.expire_all()
    return db.session.scalar(query)


def test_replayed_batch_creates_nothing(push):
    batch = [create_op(), create_op(atelier_payload()), create_op()]
    assert statuses(push(*batch)) == ["applied"] * 3
    replay = push(*batch)
    assert statuses(replay) == ["duplicate"] * 3
    assert all(result["cra"]["version"] == 1 for result in replay)
    assert count(Cra) == 3 and count(CraOperation) == 3


def test_a_replay_only_reads(push):
    from sqlalchemy import event

    batch = [create_op(), create_op(atelier_payload())]
    push(*batch)
    statements = []

    def record(*args):
        statements.append(args[2].split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert statuses(push(*batch)) == ["duplicate"] * 2
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert statements and set(statements) == {"SELECT"}


def test_edit_after_a_lost_answer_applies_cleanly(push):
    """The classic trap: the create reached the server, its answer did not."""
    create = create_op()
    push(create)  # the answer is lost: the app still holds the create in its outbox
    edit = update_op(
        create["cra_id"], base=create["op_id"], cra=cra_payload(themes=["budget", "courriel"])
    )
    results = push(create, edit)
    assert statuses(results) == ["duplicate", "applied"]
    assert results[1]["cra"]["version"] == 2 and results[1]["cra"]["head"] == edit["op_id"]
    row = db.session.get(Cra, uuid.UUID(create["cra_id"]))
    assert row.themes == ["budget", "courriel"] and count(Cra) == 1


def test_create_and_edit_in_one_batch(push):
    create = create_op()
    edit = update_op(create["cra_id"], base=create["op_id"], cra=cra_payload(annotation="CAF"))
    assert statuses(push(create, edit)) == ["applied", "applied"]


def test_partially_invalid_batch_keeps_the_valid_items(push):
    good, bad = create_op(), create_op(atelier_payload(age={"plus60ans": 1}))
    junk = {"op_id": "pas-un-uuid", "type": "create"}
    results = push(good, bad, junk, create_op())
    assert statuses(results) == ["applied", "rejected", "rejected", "applied"]
    assert results[1]["errors"]["age"] == [
        "La somme des tranches d'âge (1) doit être égale au nombre de participants (5)."
    ]
    assert results[1]["message"] == "Erreur : veuillez corriger les champs signalés."
    assert "op_id" in results[2]["errors"] and "cra_id" in results[2]["errors"]
    assert count(Cra) == 2


def test_oversize_batch_is_413_and_applies_nothing(push):
    body = push(*[create_op() for _ in range(MAX_OPERATIONS + 1)], expect=413)
    assert "au plus 200 opérations" in body["message"]
    assert count(Cra) == 0


def test_oversize_body_is_413(push):
    huge = create_op(cra_payload(annotation="x" * 2_000_000))
    assert "Lot trop volumineux" in push(huge, expect=413)["message"]


@pytest.mark.parametrize("body", [{}, {"operations": {"a": 1}}, [], {"operations": None}])
def test_body_that_is_not_a_batch_is_422(client, push, body):
    response = client.post("/api/sync/push", json=body, headers=push.headers)
    assert response.status_code == 422 and "Lot invalide" in response.json["message"]


def test_empty_batch_is_fine(push):
    assert push() == []


def test_stale_base_is_a_conflict_never_an_overwrite(push):
    create = create_op()
    push(create)
    first = update_op(
        create["cra_id"], base=create["op_id"], cra=cra_payload(annotation="Version A")
    )
    second = update_op(
        create["cra_id"], base=create["op_id"], cra=cra_payload(annotation="Version B")
    )
    results = push(first, second)
    assert statuses(results) == ["applied", "conflict"]
    assert results[1]["cra"]["annotation"] == "Version A"
    assert results[1]["cra"]["head"] == first["op_id"]
    assert "modifié entre-temps" in results[1]["message"]
    resolved = update_op(
        create["cra_id"], base=results[1]["cra"]["head"], cra=cra_payload(annotation="Version B")
    )
    assert statuses(push(resolved)) == ["applied"]
    assert db.session.get(Cra, uuid.UUID(create["cra_id"])).annotation == "Version B"


def test_create_reusing_an_id_with_other_content_is_a_conflict(push):
    create = create_op()
    push(create)
    other = create_op(cra_payload(annotation="autre"), cra_id=create["cra_id"])
    assert statuses(push(other)) == ["conflict"]


def test_same_create_under_a_new_op_id_is_a_duplicate(push):
    create = create_op()
    push(create)
    again = create_op(create["cra"], cra_id=create["cra_id"])
    assert statuses(push(again)) == ["duplicate"]


def test_delete_twice(push):
    create = create_op()
    push(create)
    delete = delete_op(create["cra_id"], base=create["op_id"])
    assert statuses(push(delete)) == ["applied"]
    assert statuses(push(delete)) == ["duplicate"]
    another = delete_op(create["cra_id"], base=create["op_id"])
    assert statuses(push(another)) == ["duplicate"]
    row = db.session.get(Cra, uuid.UUID(create["cra_id"]))
    assert row.deleted_at is not None and row.version == 2


def test_delete_then_replayed_create_does_not_resurrect(push):
    create = create_op()
    push(create)
    push(delete_op(create["cra_id"], base=create["op_id"]))
    results = push(create)
    assert statuses(results) == ["duplicate"] and results[0]["cra"]["deleted"] is True
    assert db.session.get(Cra, uuid.UUID(create["cra_id"])).deleted_at is not None


def test_edit_of_a_cra_deleted_elsewhere_is_a_conflict(push):
    create = create_op()
    push(create)
    push(delete_op(create["cra_id"], base=create["op_id"]))
    results = push(update_op(create["cra_id"], base=create["op_id"]))
    assert statuses(results) == ["conflict"] and "supprimé" in results[0]["message"]


def test_cra_of_another_conseiller_is_untouchable(client, login, push, make_user, make_structure):
    other = make_user("conseiller", structure=make_structure("Autre", "13055", "13001"))
    theirs = create_op()
    response = client.post("/api/sync/push", json={"operations": [theirs]}, headers=login(other))
    assert statuses(response.json["results"]) == ["applied"]
    results = push(
        update_op(theirs["cra_id"], base=theirs["op_id"]),
        delete_op(theirs["cra_id"], base=theirs["op_id"]),
        create_op(theirs["cra"], cra_id=theirs["cra_id"]),
        theirs,
    )
    assert statuses(results) == ["rejected"] * 4
    assert all("cra" not in result for result in results)  # nothing of theirs leaks
    row = db.session.get(Cra, uuid.UUID(theirs["cra_id"]))
    assert row.deleted_at is None and row.version == 1


def test_update_of_an_unknown_cra_is_rejected(push):
    results = push(update_op(str(uuid.uuid4()), base=str(uuid.uuid4())))
    assert statuses(results) == ["rejected"]
    assert results[0]["message"] == "Compte rendu introuvable."


def test_server_stamps_owner_structure_and_keeps_client_time_only(push, conseiller):
    create = create_op(client_time="2099-01-01T00:00:00+00:00")
    push(create)
    row = db.session.get(Cra, uuid.UUID(create["cra_id"]))
    assert row.conseiller_id == conseiller.conseiller_id
    assert row.structure_id == conseiller.conseiller.structure_id
    assert row.client_time == "2099-01-01T00:00:00+00:00"
    assert row.received_at.year < 2099


def test_only_conseillers_push(client, login, make_user):
    response = client.post(
        "/api/sync/push", json={"operations": []}, headers=login(make_user("admin"))
    )
    assert response.status_code == 403


def test_expired_or_missing_token_acknowledges_nothing(client):
    response = client.post("/api/sync/push", json={"operations": [create_op()]})
    assert response.status_code == 401 and count(Cra) == 0


# --- pull -------------------------------------------------------------------------------------


def pull(client, headers, cursor=None, limit=None):
    query = {k: v for k, v in (("cursor", cursor), ("limit", limit)) if v is not None}
    response = client.get("/api/sync/pull", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_a_second_device_gets_every_cra_back_with_tombstones(client, push):
    creates = [create_op() for _ in range(5)]
    push(*creates)
    push(delete_op(creates[0]["cra_id"], base=creates[0]["op_id"]))
    seen, cursor, more = {}, None, True
    while more:
        page = pull(client, push.headers, cursor, limit=2)
        seen.update({change["id"]: change for change in page["changes"]})
        cursor, more = page["cursor"], page["more"]
    assert set(seen) == {c["cra_id"] for c in creates}
    assert seen[creates[0]["cra_id"]]["deleted"] is True
    assert pull(client, push.headers, cursor)["changes"] == []


def test_pull_after_a_cursor_returns_only_later_changes(client, push):
    first = create_op()
    push(first)
    cursor = pull(client, push.headers)["cursor"]
    edit = update_op(first["cra_id"], base=first["op_id"], cra=cra_payload(annotation="Oui"))
    push(edit, create_op())
    changes = pull(client, push.headers, cursor)["changes"]
    assert len(changes) == 2 and changes[0]["annotation"] == "Oui"


def test_pull_shows_only_own_cras(client, login, push, make_user, make_structure):
    push(create_op())
    other = make_user("conseiller", structure=make_structure("Autre", "13055", "13001"))
    assert pull(client, login(other))["changes"] == []


@pytest.mark.parametrize("cursor", ["n'importe quoi", "djE6LTE", "djI6MQ"])
def test_bad_cursor_is_a_french_400(client, push, cursor):
    response = client.get("/api/sync/pull", query_string={"cursor": cursor}, headers=push.headers)
    assert response.status_code == 400 and "Curseur" in response.json["message"]


# --- concurrency and crashes -----------------------------------------------------------------


def test_sixteen_concurrent_identical_batches_make_one_row_per_cra(app, login, conseiller):
    headers = login(conseiller)
    batch = [create_op() for _ in range(20)]
    edit = update_op(
        batch[0]["cra_id"], base=batch[0]["op_id"], cra=cra_payload(annotation="version 2")
    )
    batch.append(edit)
    barrier = threading.Barrier(16)
    answers, failures = [], []

    def fire():
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/sync/push", json={"operations": batch}, headers=headers)
        (answers if response.status_code == 200 else failures).append(response)

    threads = [threading.Thread(target=fire) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, [f.json for f in failures]
    assert len(answers) == 16
    for response in answers:
        assert set(statuses(response.json["results"])) <= {"applied", "duplicate"}
    applied = sum(statuses(r.json["results"]).count("applied") for r in answers)
    assert applied == 21  # each operation applied exactly once, by one of the 16
    assert count(Cra) == 20 and count(CraOperation) == 21
    assert db.session.get(Cra, uuid.UUID(batch[0]["cra_id"])).annotation == "version 2"


def hide_from_the_prefetch(monkeypatch, op_ids=(), cra_ids=()):
    """The batch's reads miss these operations and CRAs, as when another conseiller's batch
    commits them just after: only the database's unique keys can then tell. Once the planned
    writes have failed on those keys, the other batch's commit is visible, as it would be."""
    store_class = cras_service.SqlStore
    known, load, write = store_class.known_operations, store_class.load, store_class.write_planned
    lost = []

    def written(store):
        done = write(store)
        lost.append(not done)
        return done

    def hidden_known(store, ids):
        found = known(store, ids)
        return found if any(lost) else {k: v for k, v in found.items() if k not in op_ids}

    monkeypatch.setattr(store_class, "known_operations", hidden_known)
    monkeypatch.setattr(store_class, "write_planned", written)
    monkeypatch.setattr(
        store_class,
        "load",
        lambda store, keys: load(
            store, keys if any(lost) else [key for key in keys if key[1] not in cra_ids]
        ),
    )
    return lost


@pytest.fixture
def other_conseillers_batch(client, login, make_user, make_structure):
    other = make_user("conseiller", structure=make_structure("Autre", "13055", "13001"))
    theirs = create_op()
    response = client.post("/api/sync/push", json={"operations": [theirs]}, headers=login(other))
    assert statuses(response.json["results"]) == ["applied"]
    return theirs


def test_an_op_id_taken_meanwhile_by_another_conseiller_is_rejected(
    push, monkeypatch, other_conseillers_batch
):
    theirs = other_conseillers_batch
    lost = hide_from_the_prefetch(monkeypatch, op_ids={theirs["op_id"]})
    mine = [create_op(), create_op(op_id=theirs["op_id"]), create_op()]
    results = push(*mine)
    assert statuses(results) == ["applied", "rejected", "applied"]
    assert "nouvel identifiant" in results[1]["errors"]["op_id"][0]
    assert lost == [True, False]  # the first round lost the race, the second wrote the rest
    assert count(Cra) == 3 and count(CraOperation) == 3
    assert db.session.get(Cra, uuid.UUID(mine[1]["cra_id"])) is None
    assert cumuls.ecarts() == []


def test_a_cra_id_taken_meanwhile_by_another_conseiller_is_rejected(
    push, monkeypatch, other_conseillers_batch
):
    theirs = other_conseillers_batch
    lost = hide_from_the_prefetch(monkeypatch, cra_ids={theirs["cra_id"]})
    mine = [create_op(), create_op(atelier_payload(), cra_id=theirs["cra_id"]), create_op()]
    results = push(*mine)
    assert statuses(results) == ["applied", "rejected", "applied"]
    assert results[1]["errors"] == {
        "cra_id": ["Un autre compte rendu existe déjà avec cet identifiant."]
    }
    assert lost == [True, False]  # the first round lost the race, the second wrote the rest
    assert count(Cra) == 3 and count(CraOperation) == 3  # the rejected operation is not kept
    row = db.session.get(Cra, uuid.UUID(theirs["cra_id"]))
    assert row.nb_participants == 1 and row.version == 1
    assert cumuls.ecarts() == []


def test_create_edit_and_delete_in_one_batch_answer_each_step(client, push):
    create = create_op()
    edit = update_op(create["cra_id"], base=create["op_id"], cra=atelier_payload())
    delete = delete_op(create["cra_id"], base=edit["op_id"])
    results = push(create, edit, delete, create_op())
    assert statuses(results) == ["applied"] * 4
    assert [
        (r["cra"]["version"], r["cra"]["nb_participants"], r["cra"]["deleted"]) for r in results[:3]
    ] == [(1, 1, False), (2, 5, False), (3, 5, True)]
    assert results[2]["cra"]["head"] == delete["op_id"]
    changes = pull(client, push.headers)["changes"]
    assert [change["version"] for change in changes] == [3, 1]
    assert count(Cra) == 2 and count(CraOperation) == 4 and cumuls.ecarts() == []


@pytest.mark.parametrize("way", ["planned", "planned again"])
def test_crash_mid_batch_writes_nothing(
    app, push, backend, monkeypatch, way, other_conseillers_batch
):
    """The worker dies after some of the batch's rows went in (after the operation log,
    before the CRAs): at the first round, or at the second after a lost race."""
    calls = []

    def crash_on_third_call(real):
        def crashing(*args):
            calls.append(args)
            if len(calls) == 3 - (way == "planned"):
                if backend == "postgresql":  # the database connection really dies
                    db.session.execute(select(func.pg_terminate_backend(func.pg_backend_pid())))
                raise RuntimeError("worker killed mid-batch")
            return real(*args)

        return crashing

    monkeypatch.setattr(cras_service, "_insert_all", crash_on_third_call(cras_service._insert_all))
    if way == "planned again":  # the first round's log insert finds the op_id taken
        hide_from_the_prefetch(monkeypatch, op_ids={other_conseillers_batch["op_id"]})
    app.config["PROPAGATE_EXCEPTIONS"] = False
    batch = [create_op() for _ in range(5)]
    batch[0]["op_id"] = other_conseillers_batch["op_id"]
    body = push(*batch, expect=500)
    assert body["code"] == 500 and calls
    db.session.remove()
    assert count(Cra) == 1 and count(CraOperation) == 1  # the other conseiller's only
    monkeypatch.undo()
    assert statuses(push(*batch)) == ["rejected"] + ["applied"] * 4  # their op_id is theirs
    assert count(Cra) == 5 and cumuls.ecarts() == []


def test_structure_stamped_is_the_employer_at_the_cras_date(push, conseiller, make_structure):
    from datetime import date

    from server.models import Emploi

    former = make_structure("Ancienne structure", "42218", "42000")
    record = conseiller.conseiller
    record.emplois[0].date_debut = date(2024, 1, 1)
    db.session.add(
        Emploi(
            conseiller_id=record.id,
            structure_id=former.id,
            date_debut=date(2021, 1, 4),
            date_fin=date(2023, 12, 31),
        )
    )
    db.session.commit()
    old, new = create_op(cra_payload(date="2023-06-01")), create_op()
    push(old, new)
    assert db.session.get(Cra, uuid.UUID(old["cra_id"])).structure_id == former.id
    assert db.session.get(Cra, uuid.UUID(new["cra_id"])).structure_id == record.structure_id


# --- every operation answered ------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, errors",
    [
        (
            {"organismes": [{"nom": None, "nombre": 2}]},
            {"organismes.0.nom": ["Ce champ ne peut pas être vide."]},
        ),
        (
            {"organismes": [{"nom": "C", "nombre": 1}]},
            {
                "organismes": [
                    "La somme des personnes réorientées par organisme doit être égale au "
                    "nombre de redirections."
                ],
                "organismes.0.nom": ["Nom d'organisme : entre 2 et 100 caractères."],
            },
        ),
        (
            {"themes": ["inconnu", "inconnu"]},
            {
                "themes.0": ["Thème inconnu(e) : choisissez dans la liste."],
                "themes.1": ["Thème inconnu(e) : choisissez dans la liste."],
            },
        ),
        ({"themes": None}, {"themes": ["Ce champ ne peut pas être vide."]}),
        ({"themes": "courriel"}, {"themes": ["Liste attendue."]}),
        ({"sous_themes": []}, {"sous_themes": ["Objet JSON attendu."]}),
        ({"age": 3}, {"age": ["Données invalides : un objet JSON est attendu."]}),
    ],
)
def test_invalid_nested_fields_are_rejected_under_text_paths_in_french(push, changes, errors):
    """These once made the whole answer fail (integer and text keys cannot be sorted) after
    the valid operations of the batch had been committed."""
    good = create_op()
    results = push(good, create_op(atelier_payload(**changes)), create_op())
    assert statuses(results) == ["applied", "rejected", "applied"]
    for path, messages in errors.items():
        assert results[1]["errors"][path] == messages
    assert count(Cra) == 2
    assert statuses(push(good)) == ["duplicate"]


def test_an_op_id_reused_for_another_cra_is_rejected_with_what_to_do(push):
    first = create_op()
    push(first)
    again = create_op(op_id=first["op_id"])
    results = push(again)
    assert statuses(results) == ["rejected"]
    assert "nouvel identifiant" in results[0]["message"]
    assert db.session.get(Cra, uuid.UUID(again["cra_id"])) is None
    again["op_id"] = str(uuid.uuid4())  # what the client does
    assert statuses(push(again)) == ["applied"]


def test_op_ids_are_echoed_exactly_as_sent(push):
    create = create_op()
    create["op_id"] = create["op_id"].upper()
    assert push(create)[0]["op_id"] == create["op_id"]
    replay = push(create)[0]
    assert replay["op_id"] == create["op_id"] and replay["status"] == "duplicate"


def chunked_push(client, headers, body: bytes):
    """A body sent with Transfer-Encoding: chunked, hence no Content-Length."""
    return client.post(
        "/api/sync/push",
        input_stream=io.BytesIO(body),
        headers={**headers, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


@pytest.mark.parametrize("size", [1_170_000, 3_000_000])
def test_the_body_limit_holds_for_chunked_requests(client, push, size):
    batch = {"operations": [create_op(cra_payload(annotation="x" * size))]}
    response = chunked_push(client, push.headers, json.dumps(batch).encode())
    assert response.status_code == 413, response.json
    assert "Lot trop volumineux" in response.json["message"] and response.json["code"] == 413
    assert count(Cra) == 0


def test_a_small_chunked_batch_is_applied(client, push):
    body = json.dumps({"operations": [create_op()]}).encode()
    response = chunked_push(client, push.headers, body)
    assert response.status_code == 200 and statuses(response.json["results"]) == ["applied"]


def test_an_overlong_cursor_is_a_400_not_a_422(client, push):
    response = client.get(
        "/api/sync/pull", query_string={"cursor": "A" * 500}, headers=push.headers
    )
    assert response.status_code == 400 and "Curseur" in response.json["message"]


# Any JSON value, NaN and infinities included (Python's JSON reader takes them).
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
# Where a value goes: a field of the operation, or one of its CRA, nested ones included.
FUZZED_PATHS = [
    ("op_id",),
    ("type",),
    ("cra_id",),
    ("base",),
    ("cra",),
    ("client_time",),
    ("objet",),
    ("extra",),
    *[("cra", name) for name in atelier_payload()],
    ("cra", "age", "plus60ans"),
    ("cra", "statut", "retraite"),
    ("cra", "suivi", "redirection"),
    ("cra", "organismes", 0),
    ("cra", "organismes", 0, "nom"),
    ("cra", "organismes", 1, "nombre"),
    ("cra", "themes", 1),
    ("cra", "sous_themes", "sante"),
    ("cra", "sous_themes", "sante", 0),
]


def fuzzed(path, value) -> dict | object:
    """A valid create (an update when the path is `base`) with `value` put at `path`."""
    operation = create_op(atelier_payload())
    if path == ("base",):
        operation["type"] = "update"
    if path == ("cra",) or len(path) == 1:
        operation[path[0]] = value
        return operation
    target = operation
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return operation


@settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.sampled_from(FUZZED_PATHS), JSON_VALUES),
            st.tuples(st.just(None), JSON_VALUES),  # the whole operation
            st.just("valid"),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_value_in_any_field_is_answered_and_valid_operations_kept(client, push, items):
    """No input makes a batch fail: one result per operation, in one of the four statuses,
    and the valid operations of the batch stored."""
    batch, valid = [], []
    for item in items:
        if item == "valid":
            valid.append(create_op())
            batch.append(valid[-1])
        elif item[0] is None:
            batch.append(item[1])
        else:
            batch.append(fuzzed(*item))
    response = client.post("/api/sync/push", json={"operations": batch}, headers=push.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.json["results"]
    assert len(results) == len(batch)
    assert set(statuses(results)) <= {"applied", "duplicate", "conflict", "rejected"}
    for result in results:
        assert all(
            isinstance(m, str) for messages in result.get("errors", {}).values() for m in messages
        )
    db.session.expire_all()
    for operation in valid:
        assert db.session.get(Cra, uuid.UUID(operation["cra_id"])) is not None
