"""Operations, results and cursors of the sync protocol (see PROTOCOL.md)."""

import base64
import binascii
import uuid
from dataclasses import dataclass, field

MAX_OPERATIONS = 200
MAX_BODY_BYTES = 1024 * 1024
DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 1000
MAX_CURSOR_CHARS = 40  # "v1:" and a 64-bit number, in base64
MAX_SEQUENCE = 2**63 - 1  # the change sequence is a 64-bit column
TYPES = ("create", "update", "delete")
# What an operation changes: a conseiller's CRA (the default) or a coordinators' CRA.
OBJETS = ("cra", "cra_coordination")

APPLIED, DUPLICATE, CONFLICT, REJECTED = "applied", "duplicate", "conflict", "rejected"

MSG_INVALID = "Erreur : veuillez corriger les champs signalés."
MSG_NOT_FOUND = "Compte rendu introuvable."
MSG_CHANGED = (
    "Ce compte rendu a été modifié entre-temps (sur un autre appareil ou dans un "
    "autre onglet) : choisissez la version à garder."
)
MSG_DELETED = "Ce compte rendu a été supprimé entre-temps."
MSG_ID_TAKEN = "Un autre compte rendu existe déjà avec cet identifiant."
MSG_OP_ID_TAKEN = (
    "Cet identifiant d'opération a déjà servi pour un autre compte rendu : "
    "renvoyez l'opération sous un nouvel identifiant (op_id)."
)
MSG_TOO_MANY = (
    f"Lot trop volumineux : envoyez au plus {MAX_OPERATIONS} opérations "
    f"et {MAX_BODY_BYTES // 1024} Kio par requête."
)
MSG_NOT_A_BATCH = 'Lot invalide : un objet {"operations": [...]} est attendu.'
MSG_BAD_CURSOR = "Curseur de synchronisation invalide : recommencez sans curseur."


class BatchTooLarge(Exception):
    """More operations or bytes than one batch may carry (HTTP 413)."""


class NotABatch(Exception):
    """The body is not a batch at all (HTTP 422)."""


class BadCursor(Exception):
    """A cursor this server did not make (HTTP 400)."""


@dataclass(frozen=True)
class Operation:
    """One frozen change made on a device."""

    op_id: str
    type: str
    cra_id: str
    base: str | None = None
    cra: dict | None = None
    client_time: str | None = None
    objet: str = "cra"

    @property
    def key(self) -> tuple[str, str]:
        """What the operation changes: (objet, id)."""
        return self.objet, self.cra_id


@dataclass
class Result:
    """The answer for one operation."""

    op_id: str | None
    status: str
    copy: dict | None = None
    message: str | None = None
    errors: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        body: dict[str, object] = {"op_id": self.op_id, "status": self.status}
        if self.copy is not None:
            body["cra"] = self.copy
        if self.message:
            body["message"] = self.message
        if self.errors:
            body["errors"] = self.errors
        return body


def _uuid(value) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def operations_of(body, body_bytes: int) -> list:
    """The raw operations of a push body, or BatchTooLarge / NotABatch."""
    if body_bytes > MAX_BODY_BYTES:
        raise BatchTooLarge(MSG_TOO_MANY)
    if not isinstance(body, dict) or not isinstance(body.get("operations"), list):
        raise NotABatch(MSG_NOT_A_BATCH)
    if len(body["operations"]) > MAX_OPERATIONS:
        raise BatchTooLarge(MSG_TOO_MANY)
    return body["operations"]


def parse_operation(raw) -> Operation | Result:
    """An Operation, or the rejection to answer for a malformed item."""
    if not isinstance(raw, dict):
        return Result(
            None,
            REJECTED,
            message=MSG_INVALID,
            errors={"_schema": ["Une opération doit être un objet."]},
        )
    errors = {}
    op_id, cra_id = _uuid(raw.get("op_id")), _uuid(raw.get("cra_id"))
    if op_id is None:
        errors["op_id"] = ["Identifiant d'opération (UUID) manquant ou invalide."]
    if cra_id is None:
        errors["cra_id"] = ["Identifiant de compte rendu (UUID) manquant ou invalide."]
    kind = raw.get("type")
    if kind not in TYPES:
        errors["type"] = ["Type d'opération inconnu : create, update ou delete."]
    base = _uuid(raw.get("base"))
    if kind in ("update", "delete") and base is None:
        errors["base"] = ["Une modification doit indiquer la version sur laquelle elle s'appuie."]
    cra = raw.get("cra")
    if kind in ("create", "update") and not isinstance(cra, dict):
        errors["cra"] = ["Le contenu du compte rendu est manquant."]
    client_time = raw.get("client_time")
    if client_time is not None and (
        not isinstance(client_time, str) or len(client_time) > 40 or not client_time.isprintable()
    ):  # no NUL, no surrogate
        errors["client_time"] = ["Horodatage du client invalide."]
    objet = raw.get("objet", "cra")
    if objet not in OBJETS:
        errors["objet"] = ["Objet inconnu : cra ou cra_coordination."]
    unknown = set(raw) - {"op_id", "type", "cra_id", "base", "cra", "client_time", "objet"}
    for name in sorted(map(str, unknown)):
        errors[name] = ["Champ inconnu."]
    if errors:
        echoed = raw.get("op_id") if isinstance(raw.get("op_id"), str) else None
        return Result(echoed, REJECTED, message=MSG_INVALID, errors=errors)
    assert op_id is not None and cra_id is not None and isinstance(kind, str)
    return Operation(
        op_id,
        kind,
        cra_id,
        base if kind != "create" else None,
        cra if kind != "delete" else None,
        client_time,
        objet,
    )


def encode_cursor(sequence: int) -> str:
    """An opaque cursor for a position in a conseiller's change sequence."""
    return base64.urlsafe_b64encode(f"v1:{sequence}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The position a cursor stands for; 0 without a cursor."""
    if not cursor:
        return 0
    if len(cursor) > MAX_CURSOR_CHARS:
        raise BadCursor(MSG_BAD_CURSOR)
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, number = text.split(":")
        sequence = int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise BadCursor(MSG_BAD_CURSOR) from error
    if version != "v1" or not 0 <= sequence <= MAX_SEQUENCE:
        raise BadCursor(MSG_BAD_CURSOR)
    return sequence
