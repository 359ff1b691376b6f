"""The ressourcerie: PDF documents, their thématiques and tags, search, downloads, the archive.

Admins publish; conseillers and coordinators propose, and an admin accepts or refuses. Readers:
conseillers, coordinators, structures and admins (roles.md). A document is a PDF by its
content, not by its name; its file lives behind services/stockage.py.
"""

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from zipfile import ZIP_STORED

from flask import current_app
from sqlalchemy import func, or_, select
from werkzeug.datastructures import FileStorage
from zipstream import ZipStream

from server.errors import ApiError
from server.extensions import db
from server.models import Document, Role, User
from server.models.ressourcerie import THEMATIQUES
from server.models.types import utcnow
from server.services import audit
from server.services.stockage import CHUNK, stockage

DECISIONS = {"publie": "publiée", "refuse": "refusée"}  # for the journal

READERS = (Role.CONSEILLER, Role.COORDINATEUR, Role.STRUCTURE, Role.ADMIN)
AUTHORS = (Role.CONSEILLER, Role.COORDINATEUR, Role.ADMIN)
PAGE = 30
NOT_A_PDF = "Ce fichier n'est pas un PDF : seuls les documents PDF sont acceptés."
NOT_FOUND = "Document introuvable."
NO_FILE = "Choisissez un fichier PDF."
# Bytes an upload may carry beyond its PDF: the form's other fields (title, description, tags).
FORM_MARGIN = 64 * 1024


def plain(text: str) -> str:
    """Lower case, no accents, single spaces: what the search compares."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def may_read(user: User) -> None:
    """403 for roles without the ressourcerie."""
    if user.role not in READERS:
        raise ApiError(403)


def _visible(user: User):
    """Published documents; proposals too for their author, everything for admins."""
    if user.role is Role.ADMIN:
        return True
    return or_(Document.statut == "publie", Document.propose_par_id == user.id)


def search_text(titre: str, description: str, tags: list[str], thematique: str) -> str:
    return plain(" ".join([titre, description, *tags, THEMATIQUES[thematique]]))


def trop_gros(limit: int) -> ApiError:
    """The French 413 of a document over the size limit."""
    size = f"{limit // 2**20} Mo" if limit >= 2**20 else f"{limit // 2**10} Ko"
    message = f"Le document dépasse la taille maximale de {size}."
    return ApiError(413, message, {"fichier": [message]})


def _checked_pdf(fichier: FileStorage, limit: int) -> Iterator[bytes]:
    """The upload's bytes, checked on the way: a PDF header first, a size limit, an end of
    file marker; raises ApiError (the caller removes what was written)."""
    head = fichier.stream.read(CHUNK)
    if not head.startswith(b"%PDF-"):
        raise ApiError(422, NOT_A_PDF, {"fichier": [NOT_A_PDF]})
    size, tail, chunk = 0, b"", head
    while chunk:
        size += len(chunk)
        if size > limit:
            raise trop_gros(limit)
        tail = (tail + chunk)[-1024:]
        yield chunk
        chunk = fichier.stream.read(CHUNK)
    if b"%%EOF" not in tail:
        raise ApiError(422, NOT_A_PDF, {"fichier": [NOT_A_PDF]})


def deposer(user: User, data: dict, fichier: FileStorage | None) -> Document:
    """Add a document: published at once by an admin, proposed by a conseiller."""
    if user.role not in AUTHORS:
        raise ApiError(403)
    if fichier is None or not fichier.filename:
        raise ApiError(422, NO_FILE, {"fichier": [NO_FILE]})
    digest, size = hashlib.sha256(), 0

    def counted(chunks):
        nonlocal size
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            yield chunk

    store = stockage()
    chunks = counted(_checked_pdf(fichier, current_app.config["RESSOURCERIE_MAX_BYTES"]))
    key = store.enregistrer(chunks)  # a refused file raises before the rename: nothing kept
    document = ajouter(user, data, key, file_name(fichier.filename), size, digest.hexdigest())
    db.session.commit()
    return document


def ajouter(
    author: User, data: dict, key: str, nom_fichier: str, taille: int, sha256: str
) -> Document:
    """The record of a stored file (not committed): published at once when an admin adds it,
    else a proposal."""
    published = author.role is Role.ADMIN
    document = Document(
        titre=data["titre"],
        description=data["description"],
        thematique=data["thematique"],
        tags=data["tags"],
        fichier=key,
        nom_fichier=nom_fichier,
        taille=taille,
        sha256=sha256,
        statut="publie" if published else "propose",
        propose_par_id=author.id,
        decide_par_id=author.id if published else None,
        publie_at=utcnow() if published else None,
        texte_recherche=search_text(
            data["titre"], data["description"], data["tags"], data["thematique"]
        ),
    )
    db.session.add(document)
    return document


def file_name(name: str) -> str:
    """A safe .pdf file name from what the user's file or the title was called."""
    stem = plain(name.rsplit(".", 1)[0]).replace(" ", "-")[:150] or "document"
    return f"{stem}.pdf"


def document(user: User, document_id: int) -> Document:
    """A document this user may see, else 404."""
    may_read(user)
    found = db.session.scalar(select(Document).where(Document.id == document_id, _visible(user)))
    if found is None:
        raise ApiError(404, NOT_FOUND)
    return found


def liste(user: User, args: dict) -> dict:
    """Documents by thématique, tag, words (all of them, in the title, description, tags or
    thématique) and status; newest first, 30 per page."""
    may_read(user)
    query = select(Document).where(_visible(user))
    if args.get("thematique"):
        query = query.where(Document.thematique == args["thematique"])
    if args.get("statut"):
        query = query.where(Document.statut == args["statut"])
    for word in plain(args.get("q") or "").split():
        query = query.where(Document.texte_recherche.contains(word, autoescape=True))
    rows = db.session.scalars(
        query.order_by(
            Document.publie_at.desc().nulls_last(), Document.created_at.desc(), Document.id.desc()
        )
    )
    items = list(rows)
    if args.get("tag"):  # tags are few per document: filtered here, portably
        items = [item for item in items if args["tag"] in item.tags]
    page = args.get("page", 1)
    return {
        "total": len(items),
        "page": page,
        "per_page": PAGE,
        "items": items[(page - 1) * PAGE : page * PAGE],
    }


def tags(user: User) -> list[dict]:
    """Every tag of the published documents, with how many carry it ("Afficher tous les
    tags"), most used first."""
    may_read(user)
    counts = Counter(
        tag
        for row in db.session.scalars(select(Document.tags).where(Document.statut == "publie"))
        for tag in row
    )
    return [
        {"tag": tag, "nombre": count}
        for tag, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def thematiques(user: User) -> list[dict]:
    """The thématiques with their number of published documents."""
    may_read(user)
    counts = dict(
        db.session.execute(
            select(Document.thematique, func.count())
            .where(Document.statut == "publie")
            .group_by(Document.thematique)
        ).all()
    )
    return [
        {"cle": key, "libelle": label, "nombre": int(counts.get(key, 0))}
        for key, label in THEMATIQUES.items()
    ]


def decider(user: User, document_id: int, decision: str) -> Document:
    """An admin publishes or refuses a proposal."""
    if user.role is not Role.ADMIN:
        raise ApiError(403)
    found = document(user, document_id)
    found.statut = decision
    found.decide_par_id = user.id
    found.publie_at = utcnow() if decision == "publie" else None
    audit.noter("ressourcerie_decision", user, f"« {found.titre} » : {DECISIONS[decision]}")
    db.session.commit()
    return found


def supprimer(user: User, document_id: int) -> None:
    """An admin removes a document and its file."""
    if user.role is not Role.ADMIN:
        raise ApiError(403)
    found = document(user, document_id)
    key = found.fichier
    db.session.delete(found)
    audit.noter("ressourcerie_suppression", user, f"« {found.titre} »")
    db.session.commit()
    stockage().supprimer(key)


def fichier(user: User, document_id: int) -> dict:
    """A document's PDF, for a reader allowed to see it."""
    found = document(user, document_id)
    return {
        "filename": found.nom_fichier,
        "mimetype": "application/pdf",
        "body": stockage().lire(found.fichier),
        "taille": found.taille,
    }


def archive(user: User) -> dict:
    """Every published document in one zip, streamed as it is read (one file in memory at a
    time, in chunks): "Télécharger tous les documents de la ressourcerie"."""
    may_read(user)
    rows = db.session.execute(
        select(
            Document.id,
            Document.thematique,
            Document.nom_fichier,
            Document.fichier,
            Document.taille,
        )
        .where(Document.statut == "publie")
        .order_by(Document.thematique, Document.id)
    ).all()
    store = stockage()
    # Stored, not compressed: PDFs are compressed already, and known sizes give the zip's
    # length before it is sent (a progress bar for the download).
    stream = ZipStream(compress_type=ZIP_STORED, sized=True)
    for document_id, thematique, nom, key, taille in rows:
        stream.add(store.lire(key), f"{THEMATIQUES[thematique]}/{document_id}-{nom}", size=taille)
    return {
        "filename": "ressourcerie.zip",
        "mimetype": "application/zip",
        "body": stream,
        "taille": len(stream),
    }
