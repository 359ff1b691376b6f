"""Flask commands: territories import, demo data, user invitations, push keys, reminders,
the import of the original's archive."""

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from server.models import Role
from server.models.maintenance import DEFAULT_RETRY_AFTER, MAX_RETRY_AFTER
from server.services import (
    accounts,
    archives,
    audit,
    connexions,
    cumuls,
    demo,
    horloge,
    maintenance,
    notifications,
    people,
    push,
    territoires,
)

territoires_cli = AppGroup(
    "territoires", help="Official territories (régions, départements, communes)."
)
demo_cli = AppGroup("demo", help="Demo data.")
users_cli = AppGroup("users", help="Accounts.")
statistiques_cli = AppGroup("statistiques", help="Daily totals behind territorial statistics.")
push_cli = AppGroup("push", help="Web Push (VAPID keys).")
reminders_cli = AppGroup("reminders", help="Reminders on the conseillers' phones.")
audit_cli = AppGroup("audit", help="The journal of sensitive actions.")
archives_cli = AppGroup("archives", help="The original Espace Coop's archive of CRAs.")
maintenance_cli = AppGroup("maintenance", help="The maintenance switch (the API refuses writes).")


@territoires_cli.command("import")
@click.option("--source", default=None, help="Folder of the package's JSON files.")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing when territories are loaded already (arrondissements included).",
)
def import_territoires(source, if_empty):
    """Load régions, départements and communes from @etalab/decoupage-administratif."""
    if if_empty and territoires.is_loaded():
        click.echo("Territoires déjà chargés.")
        return
    counts = territoires.import_territoires(source or current_app.config["TERRITOIRES_DATA"])
    click.echo("Territoires chargés : " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@demo_cli.command("seed")
@click.option("--seed", "seed_value", default=42, show_default=True, help="Random seed.")
@click.option(
    "--cras",
    type=click.IntRange(min=0),
    default=None,
    help="Total number of CRAs, spread over the activated conseillers "
    f"(default: about {demo.CRAS_PER_CONSEILLER} each).",
)
@click.option(
    "--conseillers",
    type=click.IntRange(min=demo.NATIONAL_MIN),
    default=None,
    help="A national population instead of the small demo: exactly this many "
    "conseillers (e.g. 4000) in structures of all 101 départements, shared "
    "by population, with coordinators in each département.",
)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database holds people.")
def seed(seed_value, cras, conseillers, if_empty):
    """Create deterministic demo structures, conseillers, accounts, lieux and CRAs."""
    if if_empty and people.count_structures() > 0:
        click.echo("Données de démonstration déjà présentes.")
        return
    counts = demo.seed(
        current_app.config["DEMO_PASSWORD"], seed_value, cras=cras, conseillers=conseillers
    )
    click.echo(
        f"Démo créée : {counts['structures']} structures, "
        f"{counts['conseillers']} conseillers, {counts['lieux']} lieux d'activité, "
        f"{counts['cras']} CRA."
    )


@demo_cli.command("accounts")
def demo_accounts():
    """Print the demo logins."""
    click.echo(f"Comptes de démonstration (mot de passe : {current_app.config['DEMO_PASSWORD']}) :")
    for role, email in demo.DEMO_ACCOUNTS.items():
        click.echo(f"  {role.value:<13} {email}")


@users_cli.command("invite-admin")
@click.option("--email", required=True)
def invite_admin(email):
    """Create a national-team account and print its one-time link (first deployment)."""
    result = accounts.invite(None, email, Role.ADMIN)
    click.echo(result["link"] or f"Invitation envoyée par e-mail à {email}.")


@users_cli.command("unlock")
@click.option("--email", required=True)
def unlock(email):
    """Lift every login lock of an account, from whatever address (an admin's decision)."""
    adresses = connexions.unlock(email)
    click.echo(f"Connexion débloquée pour {email} ({adresses} adresse(s) effacée(s)).")


@statistiques_cli.command("recalculer")
def recalculer():
    """Re-derive the daily totals per département from the CRAs."""
    counts = cumuls.recalculer()
    click.echo(
        f"Totaux recalculés : {counts['jours']} jours × départements, "
        f"{counts['organismes']} lignes d'organismes."
    )


@statistiques_cli.command("verifier")
def verifier():
    """Compare the daily totals with the CRAs; exit status 1 when they differ."""
    problems = cumuls.ecarts()
    for problem in problems[:50]:
        click.echo(problem)
    if problems:
        raise click.ClickException(
            f"{len(problems)} écart(s) : lancez « flask statistiques recalculer »."
        )
    click.echo("Les totaux journaliers sont égaux aux CRA.")


@archives_cli.command("importer")
@click.argument("fichier", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--rapport",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="The report (CSV, one line per row); default: FICHIER.rapport.csv.",
)
@click.option("--dry-run", is_flag=True, help="Write the same report, and nothing else.")
@click.option(
    "--correspondances",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="CSV type,id_origine,id: our conseiller or structure for an original id.",
)
@click.option(
    "--lot",
    type=click.IntRange(min=1),
    default=archives.LOT,
    show_default=True,
    help="Rows per transaction.",
)
def archives_importer(fichier, rapport, dry_run, correspondances, lot):
    """Import the original's flat archive (CSV, gzip accepted); run it again to resume."""
    rapport = rapport or f"{fichier}.rapport.csv"
    try:
        bilan = archives.importer(fichier, rapport, dry_run, correspondances, lot)
    except archives.ArchiveError as error:
        raise click.ClickException(str(error)) from None
    prefix = "Essai (rien n'est écrit) : " if dry_run else ""
    statuts = ", ".join(f"{bilan.statuts[statut]} {statut}" for statut in archives.STATUTS)
    click.echo(f"{prefix}{bilan.lignes} lignes : {statuts}.")
    for code, nombre in sorted(bilan.motifs.items()):
        click.echo(f"  {code} : {nombre}")
    click.echo(f"Rapport : {rapport}")


@push_cli.command("keys")
@click.option(
    "--force", is_flag=True, help="Replace the existing pair: every device must subscribe again."
)
@click.option("--if-missing", is_flag=True, help="Do nothing when keys are configured already.")
def push_keys(force, if_missing):
    """Write a VAPID key pair to the instance folder (development; production reads
    VAPID_PRIVATE_KEY and VAPID_SUBJECT from the environment)."""
    if if_missing and push.vapid() is not None:
        click.echo("Clés VAPID déjà présentes.")
        return
    try:
        keys = push.generate_keys(current_app.instance_path, force=force)
    except FileExistsError as error:
        raise click.ClickException(
            f"{error} existe déjà (--force pour la remplacer : les "
            "appareils abonnés devront se réabonner)."
        ) from None
    click.echo(f"Clés écrites dans {current_app.instance_path}.")
    click.echo(f"Clé publique : {push.public_key_of(keys)}")
    click.echo(f"En production : VAPID_PRIVATE_KEY={push.raw_private_key(keys)}")


def _configured() -> None:
    if push.vapid() is None:
        raise click.ClickException(
            notifications.NOT_CONFIGURED + " Définissez VAPID_PRIVATE_KEY "
            "(ou « flask push keys » hors production)."
        )


def _report(counts: dict) -> str:
    return ", ".join(f"{value} {key}" for key, value in sorted(counts.items())) or "rien à envoyer"


@reminders_cli.command("send-due")
def reminders_send_due():
    """Send the reminders due now, once (for a cron every few minutes)."""
    _configured()
    click.echo(f"Rappels : {_report(horloge.send_due())}.")


@reminders_cli.command("run")
@click.option(
    "--every",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    help="Seconds between two runs.",
)
def reminders_run(every):
    """The clock process: send the reminders due, every minute, until stopped."""
    _configured()
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    click.echo(f"Horloge des rappels : un passage toutes les {every} s.")
    horloge.clock(stop, every, lambda counts: click.echo(f"Rappels : {_report(counts)}."))


@maintenance_cli.command("on")
@click.argument("message")
@click.option(
    "--retry-after",
    type=click.IntRange(min=1, max=MAX_RETRY_AFTER),
    default=DEFAULT_RETRY_AFTER,
    show_default=True,
    help="Seconds before the apps try again (Retry-After).",
)
def maintenance_on(message, retry_after):
    """Refuse the API's writes (503) with this message to the users."""
    row = maintenance.basculer(True, message, retry_after)
    click.echo(f"Maintenance activée : « {row.message} » (nouvel essai après {retry_after} s).")


@maintenance_cli.command("off")
def maintenance_off():
    """Accept the API's writes again; the apps send what they kept."""
    maintenance.basculer(False)
    click.echo("Maintenance terminée : les envois sont de nouveau acceptés.")


@audit_cli.command("purger")
def audit_purger():
    """Remove the journal's entries older than AUDIT_RETENTION_DAYS (run it daily)."""
    removed = audit.purger()
    jours = current_app.config["AUDIT_RETENTION_DAYS"]
    click.echo(f"Journal : {removed} entrée(s) de plus de {jours} jours supprimée(s).")


def register_commands(app):
    """Attach the command groups to the app."""
    for group in (
        territoires_cli,
        demo_cli,
        users_cli,
        statistiques_cli,
        push_cli,
        reminders_cli,
        maintenance_cli,
        audit_cli,
        archives_cli,
    ):
        app.cli.add_command(group)
