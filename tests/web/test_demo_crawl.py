"""Every page a person can reach from their home page works on realistic data.

The unit tests build small, tidy data; the demo has every workflow status at once. A
secretariat home page that failed only when an assessment in review sat beside a
completed one (a 500 on the `make run` demo) is the kind of fault this walk finds.
"""

from __future__ import annotations

import re
from collections import deque

import pytest
from flask import Flask

from questionnaire.cli.accounts import DEMO_ACCOUNTS
from tests.conftest import AuthActions

DEMO_PASSWORD = "crawl-password-2021"
PAGES_PER_PERSON = 60
LINK = re.compile(r'href="(/[^"#]*)"')
# Template text left unfilled, or a Python value shown as if it were words.
LEFTOVER = re.compile(r"%\([a-z_]+\)s|\{\{|\{%|>\s*(?:None|nan)\s*<")
NOT_A_PAGE = ("/logout", "/static/", ".xlsx", "/download", "lang=")


@pytest.fixture()
def demo(app: Flask, runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    result = runner.invoke(args=["demo", "--countries", "8", "--seed", "3"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("email", [account[0] for account in DEMO_ACCOUNTS])
def test_every_page_reached_from_home_answers_without_error(
    app: Flask, demo: None, email: str
) -> None:
    failures: list[str] = []
    for language in ("en", "zh"):
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
            if reply.status_code >= 500:
                failures.append(f"{language} {path}: {reply.status_code}")
                continue
            shown = re.sub(r"<script.*?</script>", "", page, flags=re.S)
            # A choice the bank itself names "None" (no training settings, say) is words.
            shown = re.sub(r'<label for="[\w-]+">None</label>', "", shown)
            if leftover := LEFTOVER.search(shown):
                failures.append(f"{language} {path}: shows {leftover.group(0)!r}")
            queue.extend(link for link in LINK.findall(page) if link not in seen)
        assert len(seen) > 10  # the walk went somewhere
    assert failures == []
