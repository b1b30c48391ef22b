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
from app.interchange.formats import NAMES as FORMAT_NAMES
from app.messages import MessageError

user_cli = AppGroup("user", help="Manage user accounts.")
token_cli = AppGroup("token", help="Manage API tokens.")
demo_cli = AppGroup("demo", help="Synthetic demo data.")
incidents_cli = AppGroup("incidents", help="Import and export incidents.")
reference_cli = AppGroup("reference", help="Reference data (countries, vectors, platforms, DISARM).")


def _password_from_env_or_prompt():
    password = os.environ.get("ATLAS_PASSWORD")
    if password:
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _existing_user(email):
    """The user with ``email``, or a CLI error saying there is none."""
    user = accounts.get_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    return user


@user_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="reader", show_default=True)
def user_create(email, role):
    """Create a user; the password comes from ATLAS_PASSWORD or a prompt."""
    try:
        user = accounts.create_user(email=email, password=_password_from_env_or_prompt(),
                                    role=role)
    except MessageError as exc:  # AccountError, or a refused text (app/stored_text.py)
        raise click.ClickException(str(exc))
    click.echo(f"Created {user.role} {user.email}.")


@user_cli.command("unlock")
@click.argument("email")
def user_unlock(email):
    """Let EMAIL sign in again after a lockout (audited)."""
    user = _existing_user(email)
    accounts.unlock(user, by=None)
    click.echo(f"Unlocked {user.email}.")


@token_cli.command("create")
@click.argument("email")
def token_create(email):
    """Print a new API token for EMAIL (shown once; only its hash is stored)."""
    user = _existing_user(email)
    click.echo(accounts.create_token(user))


@reference_cli.command("load")
def reference_load():
    """Load or refresh countries, the seeded vectors and platforms, DISARM techniques."""
    from app.incidents.taxonomy import load_reference_data
    load_reference_data()
    click.echo("Reference data loaded.")


@demo_cli.command("seed")
@click.option("--count", type=click.IntRange(1, 10_000_000), default=500, show_default=True)
@click.option("--seed", "seed_value", type=int, default=1, show_default=True)
@click.option("--surge", "surges", multiple=True, metavar="COUNTRY:VECTOR:DAY:SIZE",
              help="Also insert SIZE incidents of VECTOR in COUNTRY during the week of "
                   "DAY (repeatable), e.g. FRA:cyber:2026-10-05:15.")
def demo_seed(count, seed_value, surges):
    """Insert COUNT synthetic published incidents, deterministic for a given --seed."""
    from app.demo.seed import parse_surge, seed
    try:
        surges = [parse_surge(text) for text in surges]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--surge") from None
    from app.incidents.taxonomy import load_reference_data
    load_reference_data()
    author = db.session.scalar(sa.select(User).where(User.role == "admin").limit(1))
    started = time.perf_counter()
    try:
        ids = seed(count=count, seed_value=seed_value, author=author, surges=surges)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--surge") from None
    elapsed = time.perf_counter() - started
    click.echo(f"Seeded {len(ids)} incidents in {elapsed:.1f} s "
               f"({len(ids) / max(elapsed, 1e-9):,.0f}/s).")


@incidents_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES),
              default=None, help="File format (default: from the extension).")
@click.option("--publish", is_flag=True, help="Publish the incidents (editors only).")
@click.option("--dry-run", is_flag=True, help="Check everything, import nothing.")
@click.option("--as", "as_email", default=None,
              help="Importing user's email (default: the first admin).")
def incidents_import(path, fmt, publish, dry_run, as_email):
    """Import PATH all or nothing; print a row-by-row report when refused."""
    from app.bulk import Loader
    from app.interchange import importer
    user = _as_user(as_email)
    try:
        fmt = fmt or importer.detect_format(path)
        with open(path, "rb") as stream:
            result = importer.import_stream(stream, fmt=fmt, user=user, publish=publish,
                                            dry_run=dry_run, loader=Loader())
    except (importer.FormatError, importer.PermissionDenied) as exc:
        raise click.ClickException(str(exc))
    if result.duplicates:
        click.echo(f"Skipped {len(result.duplicates)} duplicate(s):", err=True)
        click.echo(result.duplicate_report(), err=True)
    if not result.ok:
        click.echo(f"Refused {path}: {len(result.errors)} problem(s); nothing was imported.",
                   err=True)
        click.echo(result.report(), err=True)
        sys.exit(1)
    status = "published" if publish else "draft"
    if dry_run:
        click.echo(f"Dry run: {result.count} incidents would be imported as {status}; "
                   "nothing was changed.")
        if result.updated:
            click.echo(f"Dry run: would update {len(result.updated)} stored incidents.")
    else:
        click.echo(f"Imported {result.count} incidents as {status}.")
        if result.updated:
            click.echo(f"Updated {len(result.updated)} stored incidents.")


def _as_user(as_email):
    user = accounts.get_by_email(as_email) if as_email else db.session.scalar(
        sa.select(User).where(User.role == "admin").order_by(User.id).limit(1))
    if user is None:
        raise click.ClickException("no user: create an admin or pass --as EMAIL")
    return user


@incidents_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES),
              required=True, help="File format.")
@click.option("--actor", multiple=True, help="Actor id or name (repeatable).")
@click.option("--vector", multiple=True, help="Vector slug (repeatable).")
@click.option("--platform", multiple=True, help="Platform slug (repeatable).")
@click.option("--country", multiple=True, help="ISO 3166-1 alpha-3 code (repeatable).")
@click.option("--from", "date_from", default=None, help="YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--to", "date_to", default=None, help="YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--min-confidence", "--min_confidence", "min_confidence", default=None)
@click.option("--q", default=None, help="Text search in title, summary and place.")
@click.option("--bbox", default=None, help="W,S,E,N in degrees.")
@click.option("--status", multiple=True, help="Statuses (editors; default published).")
@click.option("--as", "as_email", default=None,
              help="Export as this user (default: anonymous, published only).")
def incidents_export(path, fmt, as_email, **options):
    """Export the incidents matching the shared filters to PATH, streamed."""
    from werkzeug.datastructures import MultiDict

    from app.incidents.filters import FilterError, parse_filters
    from app.interchange.export import export_to_path
    args = MultiDict()
    for name, value in options.items():
        key = {"date_from": "from", "date_to": "to"}.get(name, name)
        for item in value if isinstance(value, tuple) else [value]:
            if item not in (None, ""):
                args.add(key, item)
    try:
        filters = parse_filters(args)
    except FilterError as exc:
        raise click.ClickException(str(exc))
    viewer = accounts.get_by_email(as_email) if as_email else None
    started = time.perf_counter()
    count = export_to_path(path, fmt, filters, viewer)
    click.echo(f"Exported {count} incidents to {path} "
               f"in {time.perf_counter() - started:.1f} s.")


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
