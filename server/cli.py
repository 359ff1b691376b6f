"""Flask commands: territories import, demo data, user invitations."""

import click
from flask import current_app
from flask.cli import AppGroup

from server.models import Role
from server.services import accounts, cumuls, demo, people, territoires

territoires_cli = AppGroup("territoires",
                           help="Official territories (régions, départements, communes).")
demo_cli = AppGroup("demo", help="Demo data.")
users_cli = AppGroup("users", help="Accounts.")
statistiques_cli = AppGroup("statistiques", help="Daily totals behind territorial statistics.")


@territoires_cli.command("import")
@click.option("--source", default=None, help="Folder of the package's JSON files.")
@click.option("--if-empty", is_flag=True, help="Do nothing when territories are loaded already.")
def import_territoires(source, if_empty):
    """Load régions, départements and communes from @etalab/decoupage-administratif."""
    if if_empty and territoires.is_loaded():
        click.echo("Territoires déjà chargés.")
        return
    counts = territoires.import_territoires(source or current_app.config["TERRITOIRES_DATA"])
    click.echo("Territoires chargés : " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@demo_cli.command("seed")
@click.option("--seed", "seed_value", default=42, show_default=True, help="Random seed.")
@click.option("--cras", type=click.IntRange(min=0), default=None,
              help="Total number of CRAs, spread over the activated conseillers "
                   f"(default: about {demo.CRAS_PER_CONSEILLER} each).")
@click.option("--conseillers", type=click.IntRange(min=demo.NATIONAL_MIN), default=None,
              help="A national population instead of the small demo: exactly this many "
                   "conseillers (e.g. 4000) in structures of all 101 départements, shared "
                   "by population, with coordinators in each département.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database holds people.")
def seed(seed_value, cras, conseillers, if_empty):
    """Create deterministic demo structures, conseillers, accounts, lieux and CRAs."""
    if if_empty and people.count_structures() > 0:
        click.echo("Données de démonstration déjà présentes.")
        return
    counts = demo.seed(current_app.config["DEMO_PASSWORD"], seed_value, cras=cras,
                       conseillers=conseillers)
    click.echo(f"Démo créée : {counts['structures']} structures, "
               f"{counts['conseillers']} conseillers, {counts['lieux']} lieux d'activité, "
               f"{counts['cras']} CRA.")


@demo_cli.command("accounts")
def demo_accounts():
    """Print the demo logins."""
    click.echo("Comptes de démonstration (mot de passe : "
               f"{current_app.config['DEMO_PASSWORD']}) :")
    for role, email in demo.DEMO_ACCOUNTS.items():
        click.echo(f"  {role.value:<13} {email}")


@users_cli.command("invite-admin")
@click.option("--email", required=True)
def invite_admin(email):
    """Create a national-team account and print its one-time link (first deployment)."""
    result = accounts.invite(None, email, Role.ADMIN)
    click.echo(result["link"] or f"Invitation envoyée par e-mail à {email}.")


@statistiques_cli.command("recalculer")
def recalculer():
    """Re-derive the daily totals per département from the CRAs."""
    counts = cumuls.recalculer()
    click.echo(f"Totaux recalculés : {counts['jours']} jours × départements, "
               f"{counts['organismes']} lignes d'organismes.")


@statistiques_cli.command("verifier")
def verifier():
    """Compare the daily totals with the CRAs; exit status 1 when they differ."""
    problems = cumuls.ecarts()
    for problem in problems[:50]:
        click.echo(problem)
    if problems:
        raise click.ClickException(f"{len(problems)} écart(s) : lancez "
                                   "« flask statistiques recalculer ».")
    click.echo("Les totaux journaliers sont égaux aux CRA.")


def register_commands(app):
    """Attach the command groups to the app."""
    for group in (territoires_cli, demo_cli, users_cli, statistiques_cli):
        app.cli.add_command(group)
