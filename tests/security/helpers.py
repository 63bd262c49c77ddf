"""Shared steps of the security suite: small assessments, logged-in clients, crawling the
URL map, and reading every string a workbook holds."""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from html.parser import HTMLParser
from typing import Any

import openpyxl
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire.domain.scope import Scope
from questionnaire.models import Assessment, Role, User
from questionnaire.services.assessments import create_assessment
from tests.conftest import AuthActions, csrf_token

# Two commitments (paragraphs 12 and 16): a template small enough to time uploads against.
SMALL_SCOPE = Scope(themes=("political_finance", "beneficial_ownership"))
XLSX_MAGIC = b"PK\x03\x04"


def open_small_assessment(db: Session, state: str) -> Assessment:
    """An assessment of `state` over two commitments, opened by the secretariat."""
    secretariat = db.scalar(select(User).where(User.role == Role.SECRETARIAT))
    assert secretariat is not None, "create a secretariat account first"
    assessment = create_assessment(
        db, secretariat, state_party_code=state, review_year=2026, scope=SMALL_SCOPE
    )
    db.commit()
    return assessment


def client_for(app: Flask, email: str | None) -> FlaskClient:
    """A client that reads the interface in English, logged in as `email` unless None."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if email is not None:
        assert AuthActions(client).login(email).status_code == 302, email
    return client


def post_form(client: FlaskClient, url: str, data: Mapping[str, Any] | None = None) -> Any:
    return client.post(url, data={"csrf_token": csrf_token(client, "/"), **(data or {})})


def count_rows(db: Session, model: type[Any]) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def get_routes(app: Flask) -> list[str]:
    """Every GET rule of the application but static files, as written in the URL map."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and "GET" in (rule.methods or set())
    )


def urls_for(rule: str, candidates: Mapping[str, Sequence[object]]) -> list[str]:
    """The rule filled with every combination of the candidate values of its parameters."""
    names = [match.split(":")[-1] for match in re.findall(r"<([^>]+)>", rule)]
    missing = [name for name in names if name not in candidates]
    assert not missing, f"the crawl needs values for {missing} in {rule}"
    urls = [
        _fill(rule, dict(zip(names, combination, strict=True)))
        for combination in itertools.product(*(candidates[name] for name in names))
    ]
    if rule.endswith(".xlsx"):
        return [f"{url}?lang={language}" for url in urls for language in ("zh", "en")]
    return urls


def _fill(rule: str, values: Mapping[str, object]) -> str:
    return re.sub(r"<([^>]+)>", lambda match: str(values[match.group(1).split(":")[-1]]), rule)


def crawl_urls(app: Flask, candidates: Mapping[str, Sequence[object]]) -> list[str]:
    return [url for rule in get_routes(app) for url in urls_for(rule, candidates)]


def package_texts(data: bytes) -> Iterator[str]:
    """Every member of an Office package, decompressed and decoded, then every cell value.

    Searching the XML finds text wherever the writer put it (shared strings, inline strings,
    comments, document properties); the cells show what Excel would display.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for member in package.infolist():
            yield package.read(member).decode("utf-8", errors="replace")
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        for sheet in workbook:
            for row in sheet.iter_rows(values_only=True):
                yield " ".join(str(value) for value in row if value is not None)
    finally:
        workbook.close()


def response_texts(body: bytes, headers: Mapping[str, str]) -> Iterator[str]:
    """What a person receives: headers, the body as text, and a workbook's contents."""
    yield " ".join(f"{name}: {value}" for name, value in headers.items())
    yield body.decode("utf-8", errors="replace")
    if body.startswith(XLSX_MAGIC):
        yield from package_texts(body)


class UnsafeMarkup(HTMLParser):
    """Finds what would run in a browser: inline scripts, event handlers, javascript: URLs."""

    URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "data", "xlink:href"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            url = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if name in self.URL_ATTRIBUTES and url.startswith(("javascript:", "data:text")):
                self.problems.append(f'<{tag} {name}="{value}">')
        if tag == "script":
            if not dict(attrs).get("src"):
                self.problems.append("<script> without src")
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]}")


def unsafe_markup(page: str) -> list[str]:
    parser = UnsafeMarkup()
    parser.feed(page)
    parser.close()
    return parser.problems
