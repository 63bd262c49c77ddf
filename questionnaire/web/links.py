"""Menu links, built once per process instead of on every page.

A link with fixed arguments (the menu, the style sheet) is the same on every request of a
deployment; only the script root, when the application is mounted under a path, changes
it, so that is part of the key. Building each with `url_for` cost about a twentieth of
a questionnaire page.
"""

from __future__ import annotations

from flask import Flask, request, url_for

_built: dict[tuple[str, str, tuple[tuple[str, str], ...]], str] = {}


def fixed_url(endpoint: str, **arguments: str) -> str:
    key = (request.script_root, endpoint, tuple(sorted(arguments.items())))
    url = _built.get(key)
    if url is None:
        url = _built[key] = url_for(endpoint, **arguments)
    return url


def init_app(app: Flask) -> None:
    app.jinja_env.globals["fixed_url"] = fixed_url
