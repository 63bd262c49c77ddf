"""`flask db ...`: the schema, through Alembic only."""

from __future__ import annotations

import click
from alembic.util.exc import CommandError
from flask import current_app
from flask.cli import AppGroup

from questionnaire import migrate

group = AppGroup("db", help="Create and migrate the database schema.")


@group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Migrate the database up to REVISION."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at revision {revision}")


@group.command("downgrade")
@click.option("--revision", default="-1", show_default=True)
def downgrade(revision: str) -> None:
    """Migrate the database down to REVISION ('base' removes every table)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database downgraded to {revision}")


@group.command("check")
def check() -> None:
    """Fail if the models and the migrations disagree."""
    try:
        migrate.check(current_app.config["DATABASE_URL"])
    except CommandError as error:
        raise click.ClickException(str(error)) from None
    click.echo("models and migrations agree")
