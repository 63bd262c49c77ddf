"""`flask states load`: the state parties and their UN regional groups."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from questionnaire.extensions import database
from questionnaire.services.state_parties import update_state_parties

group = AppGroup("states", help="State parties and regional groups.")


@group.command("load")
def load() -> None:
    """Insert or update the 195 state parties (idempotent)."""
    with database().sessions() as session:
        added, updated = update_state_parties(session)
    click.echo(f"state parties: {added} added, {updated} updated")
