"""Every response carries the security headers; sessions stay in their cookie's limits.

The walk covers every GET route for every kind of person, including refusals, redirects,
downloads and error pages, with the world of the route-access test.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from questionnaire import create_app
from questionnaire.models import Role
from tests.conftest import PASSWORD, csrf_token
from tests.security.helpers import client_for
from tests.web.test_route_access import PEOPLE, World, _routes, _url

PRODUCTION_SECRET = "a-production-secret-key-of-enough-length"


def _script_sources(policy: str) -> str:
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )
    return directives.get("script-src", directives.get("default-src", ""))


def _header_problems(headers: Any, authenticated: bool) -> list[str]:
    problems = []
    policy = headers.get("Content-Security-Policy", "")
    scripts = _script_sources(policy)
    if "'self'" not in scripts or "unsafe-inline" in scripts or "unsafe-eval" in scripts:
        problems.append(f"script-src {scripts!r}")
    if "object-src 'none'" not in policy:
        problems.append("no object-src 'none'")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    framing = headers.get("X-Frame-Options") == "DENY" or "frame-ancestors 'none'" in policy
    if not framing:
        problems.append("may be framed")
    if headers.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin"):
        problems.append(f"Referrer-Policy {headers.get('Referrer-Policy')!r}")
    if authenticated and "no-store" not in headers.get("Cache-Control", ""):
        problems.append(f"Cache-Control {headers.get('Cache-Control')!r}")
    for cookie in headers.getlist("Set-Cookie"):
        if cookie.startswith("session=") and not (
            "HttpOnly" in cookie and "SameSite=Lax" in cookie
        ):
            problems.append(f"cookie {cookie}")
    return problems


def test_every_get_route_carries_the_security_headers_for_everyone(
    app: Flask, db: Session, world: World
) -> None:
    failures = []
    for person, email in PEOPLE.items():
        client = client_for(app, email)
        for _endpoint, method, rule in _routes(app):
            if method != "GET":
                continue
            url = _url(rule, world.values)
            with client.get(url) as response:
                for problem in _header_problems(response.headers, email is not None):
                    failures.append(f"{person} GET {url} ({response.status_code}): {problem}")
    assert failures == []


def test_refusals_and_form_errors_carry_the_headers_too(
    app: Flask, db: Session, world: World
) -> None:
    client = client_for(app, PEOPLE["focal_point"])
    token = csrf_token(client, "/")
    url = f"/assessments/{world.values['assessment_id']}/c/{world.values['commitment_id']}"
    responses = [
        client.post(url, data={"status": "yes"}),  # no CSRF token: 400
        client.post(url, data={"csrf_token": token, "status": "perhaps"}),  # bad value: 400
        client.post(url + "/autosave", data={"csrf_token": token, "status": "perhaps"}),  # JSON
        client.get("/no/such/page"),
    ]
    for response in responses:
        assert response.status_code in (400, 404), response.request.path
        assert _header_problems(response.headers, authenticated=True) == [], response.status


def test_the_log_in_cookie_is_http_only_same_site_and_secure_in_production(
    migrated: str, tmp_path: Path, make_user: Any
) -> None:
    make_user("officer@secretariat.test", Role.SECRETARIAT)
    production = create_app(
        {
            "QUESTIONNAIRE_ENV": "production",
            "DATABASE_URL": migrated,
            "SECRET_KEY": PRODUCTION_SECRET,
            "INSTANCE_DIR": str(tmp_path / "production"),
        }
    )
    try:
        client = production.test_client()
        page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token is not None
        response = client.post(
            "/login",
            base_url="https://localhost",
            headers={"Referer": "https://localhost/login"},
            data={
                "email": "officer@secretariat.test",
                "password": PASSWORD,
                "csrf_token": token.group(1),
            },
        )
        cookies = response.headers.getlist("Set-Cookie")
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        home = client.get("/", base_url="https://localhost")
    finally:
        production.extensions["database"].engine.dispose()
    session_cookies = [cookie for cookie in cookies if cookie.startswith("session=")]
    assert session_cookies, cookies
    for cookie in cookies:
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    assert home.status_code == 200
    assert home.headers["Cache-Control"] == "no-store"
