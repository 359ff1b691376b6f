"""The partner API: clients created by the admin, their authentication, rate limit and rights,
and what they read (the statistics of their scope, its anonymised activity).

A client's key is `<identifiant>.<secret>`, sent as `Authorization: Bearer <key>`: the secret
(256 random bits) is shown once at creation and only its sha256 is kept. A random secret of
that length needs no slow hash nor login throttling: it cannot be guessed. A revoked client's
key is refused (401). Requests are counted per client in a fixed window of one minute kept in
its row (one atomic UPDATE, so that every worker shares it): beyond
PARTENAIRES_REQUETES_PAR_MINUTE, 429 until the window ends (Retry-After: its seconds left).
"""

import hashlib
import hmac
import re
import secrets
import uuid
from datetime import date, timedelta

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import and_, case, literal, or_, select, update

from server.errors import ApiError, retry_after
from server.extensions import db
from server.models import ClientApi, Cra, Structure, User
from server.models.cra import AGES, STATUTS, SUIVIS
from server.models.partenaire import DROITS, PERIMETRES
from server.models.types import UtcDateTime, utcnow
from server.services import perimetres, rapports, territoires
from server.services.statistiques import NATIONAL, Perimetre, cra_conditions

FENETRE = timedelta(minutes=1)
CLE = re.compile(r"^(cp_[0-9a-f]{16})\.([A-Za-z0-9_-]{43})$")
CLE_REFUSEE = "Clé d'API invalide ou révoquée."
CURSEUR_INVALIDE = "Curseur invalide : reprenez au début de la liste."
INTROUVABLE = "Client d'API introuvable."


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- the admin's management ---------------------------------------------------------------------


def clients() -> list[ClientApi]:
    """Every client, the active ones first, the newest first."""
    return list(
        db.session.scalars(
            select(ClientApi).order_by(
                ClientApi.revoked_at.is_not(None), ClientApi.created_at.desc(), ClientApi.id.desc()
            )
        )
    )


def _verifier_perimetre(data: dict) -> None:
    """The territory or structure named exists (422 on the form's field otherwise)."""
    kind = data["perimetre"]
    if kind == "region" and territoires.region(data["region_code"]) is None:
        raise ApiError(422, None, {"region_code": ["Région inconnue."]})
    if kind == "departement" and territoires.departement(data["departement_code"]) is None:
        raise ApiError(422, None, {"departement_code": ["Département inconnu."]})
    if kind == "structure" and db.session.get(Structure, data["structure_id"]) is None:
        raise ApiError(422, None, {"structure_id": ["Structure inconnue."]})


def creer(admin: User, data: dict) -> tuple[ClientApi, str]:
    """Create a client from the form's data: (the client, its key, to be shown once)."""
    _verifier_perimetre(data)
    kind = data["perimetre"]
    secret = secrets.token_urlsafe(32)
    client = ClientApi(
        identifiant=f"cp_{secrets.token_hex(8)}",
        secret_hash=_hash(secret),
        nom=data["nom"],
        perimetre=kind,
        region_code=data["region_code"] if kind == "region" else None,
        departement_code=data["departement_code"] if kind == "departement" else None,
        structure_id=data["structure_id"] if kind == "structure" else None,
        droits=[droit for droit in DROITS if droit in data["droits"]],
        created_by_id=admin.id,
    )
    db.session.add(client)
    db.session.commit()
    return client, f"{client.identifiant}.{secret}"


def client_api(client_id: int) -> ClientApi:
    """One client; 404 when there is none."""
    found = db.session.get(ClientApi, client_id)
    if found is None:
        raise ApiError(404, INTROUVABLE)
    return found


def revoquer(client_id: int) -> ClientApi:
    """Revoke a client: its key is refused from now on (revoking twice changes nothing)."""
    client = client_api(client_id)
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        db.session.commit()
    return client


def libelle_perimetre(client: ClientApi) -> str:
    """The client's scope in words, for the management page."""
    return perimetre(client).nom if client.perimetre != "national" else PERIMETRES["national"]


# --- authentication, rate limit, rights ---------------------------------------------------------


def authentifier(authorization: str | None) -> ClientApi:
    """The active client whose key the Authorization header carries; 401 otherwise."""
    scheme, _, key = (authorization or "").partition(" ")
    match = CLE.match(key.strip()) if scheme.lower() == "bearer" else None
    if match is None:
        raise ApiError(401, CLE_REFUSEE)
    client = db.session.scalar(select(ClientApi).where(ClientApi.identifiant == match[1]))
    genuine = client is not None and hmac.compare_digest(client.secret_hash, _hash(match[2]))
    if client is None or not genuine or client.revoked_at is not None:
        raise ApiError(401, CLE_REFUSEE)
    return client


def compter_requete(client: ClientApi) -> None:
    """Count a request in the client's window (commits); 429 beyond the limit."""
    now = utcnow()
    nouvelle = or_(ClientApi.fenetre_debut.is_(None), ClientApi.fenetre_debut <= now - FENETRE)
    requetes, debut = db.session.execute(
        update(ClientApi)
        .where(ClientApi.id == client.id)
        .values(
            requetes=case((nouvelle, 1), else_=ClientApi.requetes + 1),
            fenetre_debut=case(
                (nouvelle, literal(now, UtcDateTime())), else_=ClientApi.fenetre_debut
            ),
            last_used_at=now,
        )
        .returning(ClientApi.requetes, ClientApi.fenetre_debut)
        .execution_options(synchronize_session=False)
    ).one()
    db.session.commit()
    if requetes > current_app.config["PARTENAIRES_REQUETES_PAR_MINUTE"]:
        assert debut is not None  # the UPDATE above has just set it
        secondes = retry_after(debut + FENETRE, now)
        raise ApiError(
            429,
            f"Trop de requêtes pour cette clé : réessayez dans {secondes} seconde(s).",
            headers={"Retry-After": str(secondes)},
        )


def autoriser(client: ClientApi, droit: str) -> None:
    """403 unless the client holds this right."""
    if droit not in client.droits:
        raise ApiError(403, f"Ce client d'API n'a pas le droit « {droit} » ({DROITS[droit]}).")


# --- what a client reads ------------------------------------------------------------------------


def perimetre(client: ClientApi) -> Perimetre:
    """The CRAs a client sees, by the statistics' own definitions (perimetres.py)."""
    if client.perimetre == "region":
        region = territoires.region(client.region_code or "")
        assert region is not None  # a foreign key
        return perimetres.de_region(region)
    if client.perimetre == "departement":
        departement = territoires.departement(client.departement_code or "")
        assert departement is not None
        return perimetres.de_departement(departement)
    if client.perimetre == "structure":
        structure = db.session.get(Structure, client.structure_id)
        assert structure is not None
        return perimetres.de_structure(structure)
    return NATIONAL


def statistiques(client: ClientApi, args: dict) -> dict:
    """Every indicator of the client's scope over a period (default: the programme's start →
    today), organismes typed outside the official list counted under « Autres »."""
    scope = perimetre(client).filtre(args.get("code_postal"), args.get("code_commune"))
    periode = perimetres.periode(args.get("du"), args.get("au"))
    return rapports.rapport(scope, periode, noms_libres=False)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="partenaires-activites")


def _curseur(client: ClientApi, cra) -> str:
    return _serializer().dumps([client.id, cra.date.isoformat(), cra.id.hex])


def _apres(client: ClientApi, curseur: str) -> tuple[date, uuid.UUID]:
    """The (date, id) a cursor stops at; 422 for a cursor not given to this client."""
    try:
        client_id, jour, cra_id = _serializer().loads(curseur)
        if client_id != client.id:
            raise ValueError(client_id)
        return date.fromisoformat(jour), uuid.UUID(hex=cra_id)
    except (BadData, ValueError, TypeError):
        raise ApiError(422, None, {"curseur": [CURSEUR_INVALIDE]}) from None


# What a row is read from: never a column of free text, a person, a lieu or a structure.
COLONNES = (
    Cra.id,
    Cra.date,
    Cra.code_commune,
    Cra.code_postal,
    Cra.canal,
    Cra.activite,
    Cra.nb_participants,
    Cra.nb_recurrents,
    *(getattr(Cra, f"age_{key}") for key in AGES),
    *(getattr(Cra, f"statut_{key}") for key in STATUTS),
    Cra.themes,
    Cra.sous_themes,
    Cra.duree,
    Cra.duree_minutes,
    *(getattr(Cra, f"suivi_{key}") for key in SUIVIS),
)


def _ligne(cra) -> dict:
    return {
        "date": cra.date,
        "code_commune": cra.code_commune,
        "code_postal": cra.code_postal,
        "canal": cra.canal,
        "activite": cra.activite,
        "nb_participants": cra.nb_participants,
        "nb_recurrents": cra.nb_recurrents,
        "ages": {key: getattr(cra, f"age_{key}") for key in AGES},
        "statuts": {key: getattr(cra, f"statut_{key}") for key in STATUTS},
        "themes": list(cra.themes),
        "sous_themes": dict(cra.sous_themes or {}),
        "duree": cra.duree,
        "duree_minutes": cra.duree_minutes,
        "suivi": {key: getattr(cra, f"suivi_{key}") for key in SUIVIS},
    }


def activites(client: ClientApi, args: dict) -> dict:
    """A page of the scope's CRAs, anonymised, in a stable order (date, then an internal key),
    and the cursor of the next page (None on the last one)."""
    periode = perimetres.periode(args.get("du"), args.get("au"))
    conditions = cra_conditions(perimetre(client), periode)
    if args.get("curseur"):
        jour, cra_id = _apres(client, args["curseur"])
        conditions.append(or_(Cra.date > jour, and_(Cra.date == jour, Cra.id > cra_id)))
    limite = args["limite"]
    cras = db.session.execute(
        select(*COLONNES).where(*conditions).order_by(Cra.date, Cra.id).limit(limite + 1)
    ).all()
    suivant = _curseur(client, cras[limite - 1]) if len(cras) > limite else None
    return {"items": [_ligne(cra) for cra in cras[:limite]], "curseur_suivant": suivant}


def page_gestion() -> dict:
    """What the management page lists: the clients, their scope in words, and the territories
    the creation form offers (loaded first: the clients' territories are then read from the
    session, not queried one by one)."""
    regions, departements = territoires.regions(), territoires.departements()
    return {
        "clients": [(client, libelle_perimetre(client)) for client in clients()],
        "regions": regions,
        "departements": departements,
    }
