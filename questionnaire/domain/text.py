"""Control characters in text people type or upload.

Tab, line feed and carriage return belong in text; the other control characters (C0,
DEL and C1) do not: PostgreSQL refuses a NUL byte in text, a NUL or escape character in
a file name breaks the `Content-Disposition` header, and none of them show on a page.
Text with one is refused with the field named, at the edge (`web/request_values.py`) and
again by the services; a file name, where they are only noise, is cleaned instead.
"""

from __future__ import annotations

import re

CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str) -> str | None:
    """The first control character of `text` as U+XXXX (tab and line breaks allowed)."""
    found = CONTROL_CHARACTER.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def without_control_characters(text: str) -> str:
    return CONTROL_CHARACTER.sub("", text)
