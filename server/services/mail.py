"""Outgoing e-mail over SMTP, when SMTP_HOST is configured."""

import smtplib
from email.message import EmailMessage

from flask import current_app

INVITATION_TEXT = """Bonjour,

Un compte a été créé pour vous sur coop-cra, l'espace de suivi d'activité des
Conseillers numériques.

Pour choisir votre mot de passe et activer votre compte, ouvrez ce lien :
{link}

Ce lien est personnel et ne peut servir qu'une fois.
"""


def send_invitation(email: str, link: str) -> bool:
    """Send the invitation link; False when no SMTP server is configured."""
    config = current_app.config
    if not config.get("SMTP_HOST"):
        return False
    message = EmailMessage()
    message["Subject"] = "Activez votre compte coop-cra"
    message["From"] = config["MAIL_FROM"]
    message["To"] = email
    message.set_content(INVITATION_TEXT.format(link=link))
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
    return True
