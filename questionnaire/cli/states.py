"""`flask states load`: the state parties and their UN regional groups."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from questionnaire.extensions import database
from questionnaire.services.state_parties import load_state_parties_into

group = AppGroup("states", help="State parties and regional groups.")


@group.command("load")
def load() -> None:
    """Insert or update the 195 state parties (idempotent)."""
    with database().sessions() as session:
        added, updated = load_state_parties_into(session)
        session.commit()
    click.echo(f"state parties: {added} added, {updated} updated")
