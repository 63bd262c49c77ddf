"""Every interface string has its Chinese translation: no English left in Chinese mode.

The strings are extracted from the code and templates as `make messages` extracts them, so
a new `_()` in a view or a template that nobody added to the catalogue fails here, not only
a catalogue entry left empty.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "questionnaire/translations/zh/LC_MESSAGES/messages.po"
# As babel.cfg and the Makefile's `messages` target: Python, Jinja templates, `_l` too.
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _ids_in_the_code() -> dict[str, str]:
    """Each message id used in the code, with one place that uses it."""
    found: dict[str, str] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        ROOT / "questionnaire", METHODS, keywords=KEYWORDS
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.setdefault(text, f"{filename}:{line}")
    return found


def test_every_message_in_the_code_is_in_the_catalogue_and_translated() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        text
        for message in catalog
        if message.id and message.string and not message.fuzzy
        for text in (message.id if isinstance(message.id, tuple) else (message.id,))
    }
    in_code = _ids_in_the_code()
    assert len(in_code) > 200  # the extraction found the interface
    missing = sorted(
        f"{where}: {text!r}" for text, where in in_code.items() if text not in translated
    )
    assert missing == []
