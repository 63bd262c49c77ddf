"""Every page a person can reach from their home page works on realistic data, and the
Chinese interface shows no English and no internal codes.

The unit tests build small, tidy data; the demo has every workflow status at once. A
secretariat home page that failed only when an assessment in review sat beside a
completed one (a 500 on the `make run` demo) is the kind of fault this walk finds. It
also reads each Chinese page as a person would: an interface sentence left in English (a
message translated at import time rather than per request, say) or a code such as
`in_review` where words belong is a failure. What people typed (answers, names) is theirs
and may be in any language; text marked with another `lang`, and `<code>` that shows a
bank identifier on purpose, are not interface words either.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.cli.accounts import DEMO_ACCOUNTS
from questionnaire.models import User
from tests.conftest import AuthActions

DEMO_PASSWORD = "crawl-password-2021"
PAGES_PER_PERSON = 60
LINK = re.compile(r'href="(/[^"#]*)"')
# Template text left unfilled, or a Python value shown as if it were words.
LEFTOVER = re.compile(r"%\([a-z_]+\)s|\{\{|\{%|>\s*(?:None|nan)\s*<")
# An identifier where words belong: `in_review`, `ta_needs`.
CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
NOT_A_PAGE = ("/logout", "/static/", ".xlsx", "/download", "lang=")
CATALOG = (
    Path(__file__).resolve().parents[2] / "questionnaire/translations/zh/LC_MESSAGES/messages.po"
)
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"}
VOID_ELEMENTS |= {"source", "track", "wbr"}


class InterfaceText(HTMLParser):
    """The text of a page that is the interface's own words in the page's language: not
    scripts or styles, not `<code>`, not elements whose `lang` is another language."""

    def __init__(self) -> None:
        super().__init__()
        self._open: list[tuple[str, bool]] = []  # (element, is interface text)
        self.pieces: list[str] = []
        self._page_language = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_ELEMENTS:
            return
        inherited = self._open[-1][1] if self._open else True
        lang = (dict(attrs).get("lang") or "").split("-")[0]
        if tag == "html":
            self._page_language = lang
            lang = ""
        other_language = bool(lang) and lang != self._page_language
        own = tag not in {"script", "style", "code"} and not other_language
        self._open.append((tag, inherited and own))

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if not self._open or self._open[-1][1]:
            self.pieces.append(data)

    @classmethod
    def of(cls, page: str) -> str:
        parser = cls()
        parser.feed(page)
        return "\n".join(parser.pieces)


def english_interface_sentences() -> list[str]:
    """The catalogue's English sentences (two words or more, no placeholders) whose Chinese
    differs: seeing one on a Chinese page means it was not translated for that request."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    return [
        message.id
        for message in catalog
        if isinstance(message.id, str)
        and len(message.id.split()) >= 2
        and "%(" not in message.id
        and message.string
        and message.string != message.id
    ]


@pytest.fixture()
def demo(app: Flask, runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    result = runner.invoke(args=["demo", "--countries", "8", "--seed", "3"])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_every_page_reached_from_home_answers_in_the_persons_language(
    app: Flask, demo: None, db: Session
) -> None:
    """One demo (it takes seconds to build), walked by every demo account in both languages."""
    sentences = english_interface_sentences()
    # People's names are what they typed; a demo name may read like an interface word.
    names = sorted(db.scalars(select(User.name)), key=len, reverse=True)
    failures: list[str] = []
    for email in (account[0] for account in DEMO_ACCOUNTS):
        for language in ("en", "zh"):
            failures += _walk(app, email, language, sentences, names)
    assert failures == [], "\n".join(failures)


def _walk(
    app: Flask, email: str, language: str, sentences: list[str], names: list[str]
) -> list[str]:
    failures: list[str] = []
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    assert AuthActions(client).login(email, DEMO_PASSWORD).status_code == 302
    queue, seen = deque(["/"]), set()
    while queue and len(seen) < PAGES_PER_PERSON:
        path = queue.popleft()
        if path in seen or any(part in path for part in NOT_A_PAGE):
            continue
        seen.add(path)
        reply = client.get(path)
        page = reply.get_data(as_text=True)
        where = f"{email} {language} {path}"
        if reply.status_code >= 500:
            failures.append(f"{where}: {reply.status_code}")
            continue
        shown = re.sub(r"<script.*?</script>", "", page, flags=re.S)
        # A choice the bank itself names "None" (no training settings, say) is words.
        shown = re.sub(r'<label for="[\w-]+">None</label>', "", shown)
        if leftover := LEFTOVER.search(shown):
            failures.append(f"{where}: shows {leftover.group(0)!r}")
        words = InterfaceText.of(page)
        for name in names:
            words = words.replace(name, "")
        if code := CODE.search(words):
            failures.append(f"{where}: shows the code {code.group(0)!r}")
        if language == "zh":
            failures += [f"{where}: English {text!r}" for text in sentences if text in words]
        queue.extend(link for link in LINK.findall(page) if link not in seen)
    assert len(seen) > 10, f"{email} {language}: the walk went nowhere"
    return failures
