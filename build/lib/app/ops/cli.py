"""``flask --app wsgi db backup|restore|copy``, added to Flask-Migrate's ``db`` group."""
import click
from flask import current_app
from flask_migrate.cli import db as db_group

from app.extensions import db
from app.ops import backup as ops


@db_group.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def db_backup(path):
    """Write a consistent backup of the live database to PATH (safe while serving)."""
    try:
        ops.backup(db.engine, path)
    except ops.OpsError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Backed up {db.engine.dialect.name} database to {path}.")


@db_group.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def db_restore(path, yes):
    """Replace the live database with the backup at PATH."""
    if not yes:
        click.confirm("This replaces every row of the live database. Continue?", abort=True)
    try:
        ops.restore(db.engine, path)
    except ops.OpsError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Restored {path}.")


@db_group.command("copy")
@click.option("--to", "target_url", required=True, metavar="postgresql://…",
              help="An empty PostgreSQL+PostGIS database; its schema is migrated first.")
def db_copy(target_url):
    """Copy this deployment's database into PostgreSQL and verify counts and geometries."""
    import sqlalchemy as sa
    if not target_url.startswith(("postgresql://", "postgresql+psycopg2://", "postgres://")):
        raise click.ClickException("--to must be a postgresql:// URL")
    target_url = target_url.replace("postgres://", "postgresql://", 1)
    _migrate(target_url)
    target = sa.create_engine(target_url)
    try:
        report = ops.copy_database(db.metadata, db.engine, target)
    except ops.OpsError as exc:
        raise click.ClickException(str(exc))
    finally:
        target.dispose()
    for line in report.lines():
        click.echo(line)
    click.echo(f"Copied to {sa.engine.make_url(target_url).render_as_string()}: "
               "counts and geometries verified.")


def _migrate(url):
    """Apply the migrations to the database at ``url`` with an app bound to it."""
    from flask_migrate import upgrade

    from app import create_app
    settings = {k: v for k, v in current_app.config.items() if k.isupper()}
    settings["SQLALCHEMY_DATABASE_URI"] = url
    target_app = create_app(type("CopyTarget", (), settings))
    with target_app.app_context():
        upgrade()
        db.engine.dispose()
