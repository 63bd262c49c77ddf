"""The application factory: configuration, extensions, blueprints, commands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from questionnaire.config import ConfigError, load_settings
from questionnaire.database import check_connection
from questionnaire.extensions import babel, csrf, init_database, init_storage, login_manager
from questionnaire.queue import check_broker, init_queue
from questionnaire.storage import StorageError


def build_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; `config` overrides the environment (tests use it)."""
    settings = load_settings(config)
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.from_mapping(settings.flask_config())
    if settings.trusted_proxies:
        # Behind a reverse proxy the client address comes from X-Forwarded-For; log-in
        # throttling per address depends on it.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    database = init_database(app)
    check_connection(database.engine)
    storage = init_storage(app)
    try:
        storage.check()
    except StorageError as error:
        raise ConfigError(
            f"{error}; start the store or set STORAGE_URL to one that answers."
        ) from None
    check_broker(init_queue(app))
    csrf.init_app(app)
    login_manager.init_app(app)

    from questionnaire.web import i18n, identity, links, policy, request_values, security

    request_values.init_app(app)  # the strict `int` converter, before any route is added
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    links.init_app(app)
    policy.init_app(app)
    security.init_app(app)
    identity.init_app(app)

    from questionnaire.web import (
        accounts,
        assessments,
        auth,
        bank,
        errors,
        exports,
        health,
        home,
        reviews,
        secretariat,
    )

    errors.init_app(app)
    blueprints = (health, auth, home, bank, assessments, secretariat, reviews, exports, accounts)
    for module in blueprints:
        app.register_blueprint(module.blueprint)

    from questionnaire.cli import register_commands

    register_commands(app)
    return app
