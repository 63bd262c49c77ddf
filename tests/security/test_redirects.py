"""Redirect targets taken from a request lead only to this site (issue 14, 6).

`POST /login?next=%2F%09%2Fevil.example%2Fa` answered `302 Location: //evil.example/a`
(browsers drop the tab), the same through `/language`, and CR/LF in `next` gave a 500.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, csrf_token

OFFICER = "officer@secretariat.test"
HOSTILE_TARGETS = [
    "/\t/evil.example/a",
    "/\n/evil.example/a",
    "/\r\n/evil.example/a",
    "//evil.example/a",
    "/\\evil.example/a",
    "\\\\evil.example/a",
    "\\/evil.example/a",
    " //evil.example/a",
    "\x0b//evil.example/a",
    "https://evil.example/a",
    "HTTPS:evil.example",
    "javascript:alert(1)",
    "evil.example/a",
    "/a\r\nSet-Cookie: session=stolen",
]


def refused_or_kept_here(response: Any) -> bool:
    """A redirect on this site, or a 400 for a target holding a control character (those
    are refused before any view runs, see test_control_characters.py)."""
    if response.status_code == 400:
        return "U+00" in response.get_data(as_text=True)  # the character, in any language
    return response.status_code == 302 and lands_on_this_site(response.headers["Location"])


def lands_on_this_site(location: str) -> bool:
    """Whether a browser following `location` stays here (it ignores tabs and newlines
    and reads backslashes as slashes)."""
    seen = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    parts = urlsplit(seen.strip())
    return not parts.netloc and not parts.scheme and seen.startswith("/")


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_log_in_never_redirects_to_another_site(
    client: FlaskClient, make_user: Any, target: str
) -> None:
    make_user(OFFICER)
    response = client.post(
        f"/login?next={quote(target, safe='')}",
        data={"email": OFFICER, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert refused_or_kept_here(response), response.headers.get("Location")
    location = response.headers.get("Location", "")
    assert "evil" not in location and "\r" not in location and "\n" not in location


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_switching_language_never_redirects_to_another_site(
    client: FlaskClient, target: str
) -> None:
    response = client.post(
        "/language",
        data={"language": "en", "next": target, "csrf_token": csrf_token(client)},
    )
    assert refused_or_kept_here(response), response.headers.get("Location")
    assert "evil" not in response.headers.get("Location", "")


def test_a_path_on_this_site_is_still_followed(
    app: Flask, client: FlaskClient, make_user: Any
) -> None:
    make_user(OFFICER)
    response = client.post(
        f"/login?next={quote('/assessments/?page=2', safe='')}",
        data={"email": OFFICER, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/assessments/?page=2"
    switched = client.post(
        "/language",
        data={"language": "zh", "next": "/bank/", "csrf_token": csrf_token(client, "/")},
    )
    assert switched.headers["Location"] == "/bank/"
