"""The OpenAPI description, and a fuzz driven by it: no request shape yields a 500."""

import io
import json
import os
import re
from datetime import date
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import encode_multipart

from server import create_app
from server.api import openapi
from server.models import Role
from server.schemas.lieux import LieuActiviteSchema
from server.services import accounts, lieux, partenaires
from sync import protocol
from tests.conftest import base_config
from tests.cra_payloads import atelier_payload, cra_payload, create_op, delete_op, update_op

# The database changes nothing here: SQLite only (see pytest.ini).
pytestmark = pytest.mark.one_database

SPEC = create_app(base_config("sqlite://")).test_client().get("/api/openapi.json").get_json()
OPERATIONS = [(path, method) for path, item in SPEC["paths"].items() for method in item]
ENVELOPE = {"code", "status", "message", "errors"}
PARTENAIRE = {
    "nom": "Réseau national",
    "perimetre": "national",
    "region_code": None,
    "departement_code": None,
    "structure_id": None,
    "droits": ["statistiques", "activites"],
}
# FUZZ_FACTOR=20 for a deeper hunt on one's own machine; 30 examples per operation otherwise
# (.ci/schemathesis then sends about 6,000 more requests to a served app, with the same checks:
# no 5xx, every error in the documented envelope).
FUZZ = settings(
    max_examples=30 * int(os.environ.get("FUZZ_FACTOR", "1")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def resolve(node: dict) -> dict:
    """Follow a local $ref."""
    while "$ref" in node:
        target = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def refs(node):
    """Every $ref inside a piece of the description."""
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def _operations():
    for path, item in SPEC["paths"].items():
        for operation in item.values():
            yield path, operation


# --- the description ---------------------------------------------------------------------------


def test_description_is_served_without_login_and_built_once(client, monkeypatch):
    builds = []
    monkeypatch.setattr(openapi, "build_spec", lambda app: builds.append(app) or SPEC)
    first = client.get("/api/openapi.json")
    assert first.status_code == 200 and first.json == SPEC
    assert client.get("/api/openapi.json").json == SPEC
    assert len(builds) == 1


def test_description_is_well_formed_openapi_3():
    assert re.fullmatch(r"3\.0\.\d", SPEC["openapi"])
    assert SPEC["info"]["title"] and SPEC["info"]["version"]
    for ref in refs(SPEC):
        assert ref.startswith("#/components/"), ref
        assert resolve({"$ref": ref}), ref
    schemes = SPEC["components"]["securitySchemes"]
    operation_ids = [operation["operationId"] for _, operation in _operations()]
    assert len(operation_ids) == len(set(operation_ids))
    for path, operation in _operations():
        assert operation["summary"], path
        assert any(code.startswith("2") for code in operation["responses"]), path
        declared = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), path
        for parameter in operation["parameters"]:
            assert parameter["in"] in ("path", "query") and "schema" in parameter, path
        for requirement in operation.get("security", []):
            assert set(requirement) <= set(schemes), path


def test_every_api_route_is_described(app):
    routes = {
        (re.sub(r"<(?:[^>:]+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(OPERATIONS)


def test_errors_share_the_envelope_schema():
    error = SPEC["components"]["schemas"]["Error"]
    assert set(error["properties"]) == ENVELOPE
    assert set(error["required"]) == {"code", "status", "message"}
    for path, operation in _operations():
        for code, response in operation["responses"].items():
            if code == "default" or int(code) >= 400:
                schema = resolve(response)["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (path, code)


@pytest.mark.parametrize("code", ["429", "503"])
def test_refusals_to_retry_later_describe_their_retry_after(code):
    header = SPEC["components"]["responses"][f"Error{code}"]["headers"]["Retry-After"]
    assert header["schema"] == {"type": "integer", "minimum": 1}


@pytest.mark.parametrize(
    "path, method, token",
    [
        ("/api/sync/push", "post", "access_token"),
        ("/api/auth/refresh", "post", "refresh_token"),
        ("/api/auth/login", "post", None),
        ("/api/partenaires/activites", "get", "client_api"),
        ("/api/partenaires/statistiques", "get", "client_api"),
    ],
)
def test_security_follows_the_guard(path, method, token):
    operation = SPEC["paths"][path][method]
    assert operation.get("security", [{}]) == ([{token: []}] if token else [{}])


def test_schemas_describe_the_cra_rules():
    cra = SPEC["components"]["schemas"]["Cra"]
    assert {"date", "canal", "activite", "themes"} <= set(cra["required"])
    assert cra["properties"]["id"]["readOnly"] is True
    assert cra["properties"]["nb_participants"]["maximum"] == 100
    push = resolve(
        SPEC["paths"]["/api/sync/push"]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ]
    )
    assert push["properties"]["operations"]["maxItems"] == 200


# --- the fuzz ----------------------------------------------------------------------------------

NASTY_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\ud800",
        "\udfff",
        "\ufffd",
        "\uffff",
        "é" * 300,
        "x" * 5000,
        "null",
        "0",
        "-1",
        "1e999",
        "NaN",
        "2026-02-30",
        "69123",
        "%",
        "_",
        "\\",
        "'; --",
        "<script>",
        "../..",
        "ﬁ",
        "İ",
        "🙂",
        "0" * 40,
    ]
)
TEXT = st.one_of(st.text(st.characters(exclude_categories=()), max_size=30), NASTY_STRINGS)


def encodable(text: str) -> bool:
    """Whether text can go in a URL (lone surrogates cannot)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


URL_TEXT = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=30), NASTY_STRINGS.filter(encodable)
)
NUMBERS = st.one_of(
    st.integers(), st.sampled_from([2**31, 2**63, -(2**63) - 1, 10**40]), st.floats()
)
JUNK = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBERS, TEXT),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=8,
)


def from_schema(node: dict, junk=JUNK) -> st.SearchStrategy:
    """Values that fit a schema of the description, now and then replaced by junk."""
    node = resolve(node)
    fitting = _fitting(node, junk)
    if node.get("nullable"):
        fitting = st.none() | fitting
    return st.one_of(fitting, fitting, fitting, junk)


def _fitting(node: dict, junk) -> st.SearchStrategy:
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "object" and "properties" in node:
        return _object(node, junk)
    if kind == "object":
        values = from_schema(node.get("additionalProperties") or {}, junk)
        return st.dictionaries(st.text(max_size=20), values, max_size=4)
    if kind == "array":
        return st.lists(
            from_schema(node.get("items", {}), junk), max_size=min(node.get("maxItems", 4), 4)
        )
    if kind == "integer":
        return st.integers(node.get("minimum"), node.get("maximum"))
    if kind == "number":
        return st.floats(node.get("minimum"), node.get("maximum"))
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        return _string(node)
    return junk


def _string(node: dict) -> st.SearchStrategy:
    long_email = st.integers(250, 400).map(lambda n: "a" * n + "@example.org")
    formats = {
        "date": st.dates().map(date.isoformat),
        "uuid": st.uuids().map(str),
        "email": st.emails() | long_email,
        "date-time": st.datetimes().map(lambda d: d.isoformat()),
    }
    if node.get("format") in formats:
        return formats[node["format"]]
    if "pattern" in node:
        return st.from_regex(node["pattern"], fullmatch=True)
    return (
        st.text(min_size=node.get("minLength", 0), max_size=min(node.get("maxLength", 40), 40))
        | NASTY_STRINGS
    )


def _object(node: dict, junk) -> st.SearchStrategy:
    properties = {
        name: from_schema(schema, junk)
        for name, schema in node["properties"].items()
        if not schema.get("readOnly")
    }
    required = set(node.get("required", []))
    return st.fixed_dictionaries(
        {name: value for name, value in properties.items() if name in required},
        optional={
            **{name: value for name, value in properties.items() if name not in required},
            "champ_inconnu": junk,
        },
    )


def mutated(seed, schema: dict) -> st.SearchStrategy:
    """A valid value with one part, at any depth, replaced by another value of its schema or
    by junk, or dropped; so that the fuzz also reaches the services behind validation."""
    schema = resolve(schema)
    options = [st.just(seed), from_schema(schema)]
    if isinstance(seed, dict) and seed:
        properties = {
            name: schema
            for name, schema in schema.get("properties", {}).items()
            if not schema.get("readOnly")
        }
        keys = st.sampled_from(sorted(set(seed)))
        deeper = st.sampled_from(sorted(set(seed) | set(properties))).flatmap(
            lambda key: mutated(seed.get(key), properties.get(key, {})).map(
                lambda value: {**seed, key: value}
            )
        )
        options += [
            deeper,
            deeper,
            deeper,
            keys.map(lambda key: {k: v for k, v in seed.items() if k != key}),
        ]
    if isinstance(seed, list) and seed:
        deeper = st.integers(0, len(seed) - 1).flatmap(
            lambda i: mutated(seed[i], schema.get("items", {})).map(
                lambda value: [*seed[:i], value, *seed[i + 1 :]]
            )
        )
        options += [deeper, deeper, deeper]
    return st.one_of(options)


RAW_BODIES = st.sampled_from(
    [
        (b"", "application/json"),
        (b"\xff\xfe{", "application/json"),
        (b'{"a":', "application/json"),
        (b"[" * 100_000, "application/json"),
        (b"NaN", "application/json"),
        (b"email=x", "application/x-www-form-urlencoded"),
        (b"{}", "text/plain"),
    ]
)


def multipart(fields: dict, file: bytes | None) -> tuple[bytes, str]:
    """A multipart/form-data body: the fields as text, and maybe a file part."""

    def text(value) -> str:  # a multipart body carries bytes: lone surrogates cannot travel
        value = value if isinstance(value, str) else json.dumps(value)
        return value.encode("utf-8", "replace").decode()

    values = {text(name): text(value) for name, value in fields.items()}
    if file is not None:
        values["fichier"] = (io.BytesIO(file), "document.pdf")
    boundary, data = encode_multipart(values, boundary="coop-cra-fuzz")  # no random(): hypothesis
    return data, f"multipart/form-data; boundary={boundary}"


@st.composite  # drawn, not built: hypothesis would print the nested strategies otherwise
def multipart_bodies(draw, schema: dict) -> tuple[bytes, str]:
    fields = draw(st.one_of(from_schema(schema), JUNK))
    return multipart(fields if isinstance(fields, dict) else {"titre": fields}, draw(FILES))


FILES = st.one_of(
    st.none(),
    st.binary(max_size=300),
    st.just(b"%PDF-1.4\n%%EOF\n"),
    st.binary(max_size=200).map(lambda b: b"%PDF-1.7\n" + b + b"\n%%EOF"),
)


def bodies(operation: dict, seeds: st.SearchStrategy | None) -> st.SearchStrategy:
    """(bytes, content type) for an operation with a body: fitting, junk, broken."""
    content = operation["requestBody"]["content"]
    if "multipart/form-data" in content:
        return st.one_of(
            multipart_bodies(content["multipart/form-data"]["schema"]),
            RAW_BODIES,
            st.just((b"--x\r\nbroken", "multipart/form-data; boundary=x")),
        )
    schema = content["application/json"]["schema"]
    near_seeds = seeds.flatmap(lambda seed: mutated(seed, schema)) if seeds is not None else JUNK
    values = st.one_of(from_schema(schema), JUNK, near_seeds, near_seeds)
    return st.one_of(values.map(lambda v: (json.dumps(v).encode(), "application/json")), RAW_BODIES)


@pytest.fixture
def fuzz_world(app, client, make_structure, make_user, login):
    """One user per role, logged in when first needed; ids of things that exist; valid bodies
    to mutate."""
    structure = make_structure()
    users = {
        role.value: make_user(
            role.value,
            structure=structure,
            **({"departement_code": "69"} if role is Role.PREFET else {}),
        )
        for role in Role
    }
    headers = {}

    app.config["PARTENAIRES_REQUETES_PAR_MINUTE"] = 10**6  # the limit has its own tests

    def authorization(token: str, role: str) -> dict:
        if token == "client_api":  # the partner API: a national key with every right
            role = "partenaire"
        if (token, role) not in headers:
            if token == "access_token":
                headers[token, role] = login(users[role])
            elif token == "client_api":
                _, key = partenaires.creer(users["admin"], PARTENAIRE)
                headers[token, role] = {"Authorization": f"Bearer {key}"}
            else:
                refresh = accounts.issue_tokens(users[role])["refresh_token"]
                headers[token, role] = {"Authorization": f"Bearer {refresh}"}
        return headers[token, role]

    def logged_out(role: str) -> None:
        headers.pop(("access_token", role), None)

    lieu = {
        "nom": "Médiathèque",
        "code_postal": "69001",
        "code_commune": "69123",
        "type_acces": ["libre"],
        "site_web": "https://example.org",
    }
    lieu_id = lieux.create(users["conseiller"], LieuActiviteSchema().load(lieu)).id
    lieux_seeds = st.sampled_from(
        [
            lieu,
            {**lieu, "site_web": "https://example.org/" + "a" * 300},
            {**lieu, "email": "a" * 250 + "@example.org"},
        ]
    )
    invitation = accounts.invite(users["admin"], "invitee@test.example", Role.ADMIN)
    return {
        "authorization": authorization,
        "logged_out": logged_out,
        "ints": [structure.id, users["conseiller"].conseiller_id, lieu_id, 0],
        "strings": ["69123", "69001", "2A004", invitation["link"].rsplit("/", 1)[1]],
        "seeds": {
            # the fuzzed logins may lock this account, not the ones the requests use
            "api.auth.login": st.just(
                {"email": make_user("admin").email, "password": "Mot-de-passe-1!"}
            ),
            "api.auth.logout": st.just({"refresh_token": None}),
            "api.invitations.create": st.just(
                {"email": "new@test.example", "role": "prefet", "departement_code": "69"}
            ),
            "api.invitations.accept": st.just({"password": "Mot-de-passe-1!"}),
            "api.lieux.create": lieux_seeds,
            "api.lieux.edit": lieux_seeds,
            "api.sync.push": st.builds(
                batch,
                st.dates(date.today(), date.today()),
                st.lists(st.uuids().map(str), min_size=4, max_size=4),
            ),
        },
    }


def batch(today: date, ids: list[str]) -> dict:
    """A create, update and delete of one new CRA: fresh ids, or they would be replays."""
    cra_id, create, update, delete = ids
    return {
        "operations": [
            {**create_op(cra_payload(date=today.isoformat()), cra_id=cra_id), "op_id": create},
            {**update_op(cra_id, create, atelier_payload(date=today.isoformat())), "op_id": update},
            {**delete_op(cra_id, update), "op_id": delete},
        ]
    }


def path_value(parameter: dict, world: dict) -> st.SearchStrategy:
    schema = parameter["schema"]
    if schema.get("type") == "integer":
        return st.one_of(
            st.sampled_from(world["ints"]),
            st.integers(min_value=0),
            st.sampled_from([2**31, 2**63, 10**30]),
        ).map(str)
    if schema.get("format") == "uuid":
        return st.uuids().map(str)
    return st.one_of(st.sampled_from(world["strings"]), URL_TEXT.filter(bool))


def query_value(parameter: dict) -> st.SearchStrategy:
    fitting = (
        _fitting(resolve(parameter["schema"]), URL_TEXT)
        .filter(lambda v: isinstance(v, str | int))
        .map(str)
        .filter(encodable)
    )
    made = st.sampled_from(QUERY_SEEDS.get(parameter["name"], [""]))
    return st.one_of(fitting, URL_TEXT, NUMBERS.map(str), made)


# Values only the server makes, forged: cursors at the ends of the change sequence.
QUERY_SEEDS = {"cursor": [protocol.encode_cursor(n) for n in (0, 1, -1, 2**63 - 1, 2**63, 10**30)]}


def request_for(path: str, method: str, world: dict) -> st.SearchStrategy:
    """Requests for one operation: path, query string, body and whose token is sent."""
    operation = SPEC["paths"][path][method]
    parameters = operation["parameters"]
    path_values = {p["name"]: path_value(p, world) for p in parameters if p["in"] == "path"}
    query = st.fixed_dictionaries(
        {p["name"]: query_value(p) for p in parameters if p["in"] == "query" and p.get("required")},
        optional={
            **{
                p["name"]: query_value(p)
                for p in parameters
                if p["in"] == "query" and not p.get("required")
            },
            "inconnu": URL_TEXT,
        },
    )
    body = (
        bodies(operation, world["seeds"].get(operation["operationId"]))
        if "requestBody" in operation
        else st.none()
    )
    token = next(iter((operation.get("security") or [{}])[0]), None)
    every_role = [role.value for role in Role]  # now and then the wrong one: 403 paths too
    roles = st.sampled_from(operation.get("x-roles", every_role)) | st.sampled_from(every_role)

    def build(parts):
        values, args, raw, role = parts
        url = path
        for name, value in values.items():
            url = url.replace("{" + name + "}", quote(value, safe=""))
        return {
            "method": method.upper(),
            "url": url + ("?" + urlencode(args) if args else ""),
            "body": raw,
            "role": role,
            "token": token,
        }

    return st.tuples(st.fixed_dictionaries(path_values), query, body, roles).map(build)


@pytest.mark.parametrize("path, method", OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_no_request_shape_yields_a_500(path, method, client, fuzz_world):
    @FUZZ
    @given(request=request_for(path, method, fuzz_world))
    def send(request):
        token, role = request["token"], request["role"]
        headers = fuzz_world["authorization"](token, role) if token else {}
        body = {}
        if request["body"] is not None:
            body = {"data": request["body"][0], "content_type": request["body"][1]}
        response = client.open(request["url"], method=request["method"], headers=headers, **body)
        shown = repr(request)[:2000]
        assert response.status_code < 500, shown
        if response.status_code >= 400:
            envelope = response.get_json(silent=True)
            assert isinstance(envelope, dict) and set(envelope) <= ENVELOPE, shown
            assert envelope["code"] == response.status_code and envelope["message"], shown
        if path == "/api/auth/logout" and response.status_code == 200:
            fuzz_world["logged_out"](role)

    send()


LONG_EMAIL_LIEU = {
    "nom": "Médiathèque",
    "code_postal": "69001",
    "code_commune": "69123",
    "email": "a" * 250 + "@example.org",
}


@pytest.mark.parametrize(
    "role, method, url, body, status",
    [
        ("conseiller", "POST", "/api/lieux", b"[" * 100_000, 400),
        ("conseiller", "POST", "/api/sync/push", b"[" * 100_000, 400),
        (None, "POST", "/api/auth/login", b'{"email": "\\ud800", "password": "x"}', 422),
        (None, "POST", "/api/auth/login", b'{"email": "a\\u0000", "password": "x"}', 422),
        (None, "GET", "/api/territoires/codes-postaux/%00", None, 404),
        ("admin", "GET", "/api/conseillers/2147483648", None, 404),
        ("conseiller", "DELETE", "/api/lieux/99999999999999999999", None, 404),
        ("admin", "GET", "/api/conseillers?structure_id=9223372036854775808", None, 422),
        ("conseiller", "GET", "/api/cras?theme=diagnostic", None, 200),
        ("conseiller", "GET", f"/api/sync/pull?cursor={protocol.encode_cursor(2**63)}", None, 400),
        (
            "conseiller",
            "POST",
            "/api/sync/push",
            json.dumps(
                {"operations": [{**create_op(), "client_time": "2026-11-23T10:00\x00"}]}
            ).encode(),
            200,
        ),
        ("conseiller", "POST", "/api/lieux", json.dumps(LONG_EMAIL_LIEU).encode(), 422),
    ],
)
def test_requests_the_fuzz_found_are_answered_without_a_500(
    role, method, url, body, status, client, fuzz_world
):
    headers = fuzz_world["authorization"]("access_token", role) if role else {}
    response = client.open(
        url, method=method, headers=headers, data=body, content_type="application/json"
    )
    assert response.status_code == status, response.json
    if status == 200 and "push" in url:
        assert response.json["results"][0]["errors"] == {
            "client_time": ["Horodatage du client invalide."]
        }
