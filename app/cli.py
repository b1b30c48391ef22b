"""Command-line interface: ``flask --app wsgi <group> <command>``."""
import os
import secrets
import sys
import time

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.auth import service as accounts
from app.auth.models import ROLES, User
from app.extensions import db
from app.incidents.models import Incident

user_cli = AppGroup("user", help="Manage user accounts.")
token_cli = AppGroup("token", help="Manage API tokens.")
demo_cli = AppGroup("demo", help="Synthetic demo data.")
incidents_cli = AppGroup("incidents", help="Import and export incidents.")
reference_cli = AppGroup("reference", help="Reference data (countries, vectors, DISARM).")


def _password_from_env_or_prompt():
    password = os.environ.get("ATLAS_PASSWORD")
    if password:
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="reader", show_default=True)
def user_create(email, role):
    """Create a user; the password comes from ATLAS_PASSWORD or a prompt."""
    try:
        user = accounts.create_user(email=email, password=_password_from_env_or_prompt(),
                                    role=role)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Created {user.role} {user.email}.")


@user_cli.command("unlock")
@click.argument("email")
def user_unlock(email):
    """Let EMAIL sign in again after a lockout (audited)."""
    user = accounts.get_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    accounts.unlock(user, by=None)
    click.echo(f"Unlocked {user.email}.")


@token_cli.command("create")
@click.argument("email")
def token_create(email):
    """Print a new API token for EMAIL (shown once; only its hash is stored)."""
    user = accounts.get_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    click.echo(accounts.create_token(user))


@reference_cli.command("load")
def reference_load():
    """Load or refresh countries, the seeded vectors and DISARM techniques."""
    from app.incidents.taxonomy import load_reference_data
    load_reference_data()
    click.echo("Reference data loaded.")


@demo_cli.command("seed")
@click.option("--count", type=click.IntRange(1, 10_000_000), default=500, show_default=True)
@click.option("--seed", "seed_value", type=int, default=1, show_default=True)
def demo_seed(count, seed_value):
    """Insert COUNT synthetic published incidents, deterministic for a given --seed."""
    from app.demo.seed import seed
    from app.incidents.taxonomy import load_reference_data
    load_reference_data()
    author = db.session.scalar(sa.select(User).where(User.role == "admin").limit(1))
    started = time.perf_counter()
    ids = seed(count=count, seed_value=seed_value, author=author)
    elapsed = time.perf_counter() - started
    click.echo(f"Seeded {len(ids)} incidents in {elapsed:.1f} s "
               f"({len(ids) / max(elapsed, 1e-9):,.0f}/s).")


@incidents_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["csv"]), default=None,
              help="File format (default: from the extension).")
@click.option("--publish", is_flag=True, help="Publish the incidents (editors only).")
@click.option("--as", "as_email", default=None,
              help="Importing user's email (default: the first admin).")
def incidents_import(path, fmt, publish, as_email):
    """Import PATH all or nothing; print a row-by-row report when refused."""
    from app.interchange import importer
    user = accounts.get_by_email(as_email) if as_email else db.session.scalar(
        sa.select(User).where(User.role == "admin").order_by(User.id).limit(1))
    if user is None:
        raise click.ClickException("no importing user: create an admin or pass --as EMAIL")
    try:
        fmt = fmt or importer.detect_format(path)
        with open(path, "rb") as stream:
            result = importer.import_stream(stream, fmt=fmt, user=user, publish=publish)
    except (importer.FormatError, importer.PermissionDenied) as exc:
        raise click.ClickException(str(exc))
    if not result.ok:
        click.echo(f"Refused {path}: {len(result.errors)} problem(s); nothing was imported.",
                   err=True)
        click.echo(result.report(), err=True)
        sys.exit(1)
    status = "published" if publish else "draft"
    click.echo(f"Imported {len(result.ids)} incidents as {status}.")


@click.command("setup")
def setup():
    """First-start setup: reference data, the first admin, demo data (unless ATLAS_DEMO=0)."""
    from flask import current_app

    from app.demo.seed import seed
    from app.incidents.taxonomy import load_reference_data
    load_reference_data()
    admin = db.session.scalar(sa.select(User).where(User.role == "admin").limit(1))
    if admin is None:
        email = os.environ.get("ATLAS_ADMIN_EMAIL", "admin@example.org")
        password = os.environ.get("ATLAS_PASSWORD") or None
        generated = password is None
        password = password or secrets.token_urlsafe(12)
        admin = accounts.create_user(email=email, password=password, role="admin")
        click.echo(f"Created admin {email}" +
                   (f" with password {password} (shown once; change it)." if generated
                    else " with the password from ATLAS_PASSWORD."))
    empty = db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0
    if empty and current_app.config["ATLAS_DEMO"]:
        count = int(os.environ.get("ATLAS_DEMO_COUNT", "2000"))
        seed(count=count, seed_value=1, author=admin)
        click.echo(f"Seeded {count} synthetic demo incidents (ATLAS_DEMO=0 to skip).")


def register_cli(app):
    """Attach every command group to ``app``."""
    from app.ops import cli as _ops_cli  # noqa: F401  (adds backup, restore, copy to `db`)
    for group in (user_cli, token_cli, demo_cli, incidents_cli, reference_cli, setup):
        app.cli.add_command(group)
