"""Demo documents of the ressourcerie: real, small PDFs made with matplotlib, published by the
demo admin across the thématiques, and one proposal awaiting a decision."""

import hashlib
import io
import textwrap
from functools import cache

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from sqlalchemy import select

from server.extensions import db
from server.models import User
from server.services import ressourcerie
from server.services.stockage import stockage

# (titre, thématique, tags, description)
DOCUMENTS = (
    (
        "Créer une adresse e-mail pas à pas",
        "courriel",
        ["gmail", "messagerie", "débutant"],
        "Une fiche pour accompagner la création d'une première adresse e-mail.",
    ),
    (
        "Trier et retrouver ses courriels",
        "courriel",
        ["messagerie", "dossiers"],
        "Dossiers, recherche et filtres dans les webmails les plus courants.",
    ),
    (
        "Envoyer des photos avec WhatsApp",
        "echanger",
        ["whatsapp", "photos", "mobile"],
        "Partager des photos et des vidéos avec ses proches depuis un téléphone.",
    ),
    (
        "Faire un appel vidéo en famille",
        "echanger",
        ["visio", "whatsapp"],
        "Les gestes pour appeler en vidéo, et les réglages du son et de l'image.",
    ),
    (
        "Suivre la scolarité de son enfant en ligne",
        "accompagner-enfant",
        ["ent", "pronote", "école"],
        "L'espace numérique de travail, Pronote et les messages.",
    ),
    (
        "Créer son espace France Travail",
        "emploi",
        ["pôle-emploi", "france travail", "cv"],
        "Inscription, actualisation mensuelle et dépôt de CV.",
    ),
    (
        "Prendre en main une tablette",
        "equipement",
        ["tablette", "android", "débutant"],
        "Allumer, se repérer sur l'écran d'accueil, installer une application.",
    ),
    (
        "Déclarer ses revenus en ligne",
        "demarches",
        ["impôts", "france connect"],
        "La déclaration de revenus sur impots.gouv.fr, étape par étape.",
    ),
    (
        "Demander sa carte grise sur le site de l'ANTS",
        "demarches",
        ["ants", "véhicule"],
        "Les pièces à préparer et le parcours en ligne.",
    ),
    (
        "Écrire une lettre avec un traitement de texte",
        "bureautique",
        ["traitement de texte"],
        "Mise en page, enregistrement et impression d'un courrier.",
    ),
    (
        "Protéger ses données personnelles",
        "fiches-cnil",
        ["cnil", "sécurité", "rgpd"],
        "Les conseils de la CNIL pour garder la maîtrise de ses données.",
    ),
    (
        "Sécuriser son smartphone",
        "mobile",
        ["sécurité", "mobile", "mots de passe"],
        "Code de verrouillage, mises à jour, sauvegardes.",
    ),
    (
        "Bien démarrer dans l'Espace Coop",
        "espace-conseiller",
        ["espace coop", "cra"],
        "Saisir ses CRA, retrouver ses statistiques, régler ses rappels.",
    ),
)
PROPOSITION = (
    "Fiche atelier : créer une affiche avec Canva",
    "contenus-numeriques",
    ["canva", "atelier"],
    "Une séance d'une heure trente pour un groupe de six.",
)


@cache
def pdf(titre: str, description: str) -> bytes:
    """A one-page A4 PDF with a title and a few lines: a stand-in for a real guide (drawn once
    per process: the same 14 guides at every seed, and drawing them was a seventh of one)."""
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": titre, "Creator": "coop-cra (démo)"}) as pages:
        page = Figure(figsize=(8.27, 11.69))
        page.text(0.1, 0.9, textwrap.fill(titre, 40), fontsize=20, weight="bold", va="top")
        page.text(0.1, 0.78, textwrap.fill(description, 70), fontsize=12, va="top")
        page.text(
            0.1,
            0.1,
            "Document de démonstration de la ressourcerie coop-cra.",
            fontsize=9,
            color="#555555",
        )
        pages.savefig(page)
    return buffer.getvalue()


def _add(titre, thematique, tags, description, author: User) -> None:
    """Published when the author is the admin, a proposal otherwise (as an upload would be)."""
    body = pdf(titre, description)
    data = {"titre": titre, "description": description, "thematique": thematique, "tags": tags}
    ressourcerie.ajouter(
        author,
        data,
        stockage().enregistrer([body]),
        ressourcerie.file_name(titre),
        len(body),
        hashlib.sha256(body).hexdigest(),
    )


def seed_documents(admin_email: str, conseiller_email: str) -> None:
    """The demo library: the documents published by the admin, one proposal."""
    admin = db.session.scalar(select(User).where(User.email == admin_email))
    conseiller = db.session.scalar(select(User).where(User.email == conseiller_email))
    assert admin is not None and conseiller is not None, "seeded before the documents"
    for titre, thematique, tags, description in DOCUMENTS:
        _add(titre, thematique, tags, description, admin)
    _add(*PROPOSITION, conseiller)
