"""Self-assessment engine for the 2021 UN political declaration against corruption.

Importing the package stays light: the pure domain modules under `questionnaire.domain`
must be usable without Flask or SQLAlchemy, so the factory is imported only when called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; `config` overrides the environment (tests use it)."""
    from questionnaire.app import build_app

    return build_app(config)
