"""Command-line interface: `flask --app wsgi <group> <command>`."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from questionnaire.cli import accounts, bank, database, demo, exports, states

    groups = (
        database.group,
        bank.group,
        states.group,
        accounts.group,
        exports.export_group,
        exports.import_group,
        exports.score_group,
        exports.storage_group,
        demo.command,
    )
    for group in groups:
        app.cli.add_command(group)
