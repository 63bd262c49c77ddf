"""Where a request may send the person next: only a path on this site.

Every redirect whose target comes from the request (`next` after log-in, the page to
return to after switching language) goes through `same_site_path`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Browsers drop tabs and line breaks anywhere in a URL, trim spaces and control
# characters at both ends, and read a backslash as a slash: "/\t/evil.example" and
# "/\\evil.example" both lead to another site. Judge the target as a browser will read it.
_DROPPED = re.compile(r"[\t\n\r]")
_TRIMMED = "".join(chr(code) for code in range(0x21))
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def same_site_path(target: str | None, fallback: str) -> str:
    """`target` when it is a path on this site once normalised, otherwise `fallback`."""
    if not target:
        return fallback
    cleaned = _DROPPED.sub("", target).strip(_TRIMMED).replace("\\", "/")
    if not cleaned.startswith("/") or cleaned.startswith("//") or _CONTROL.search(cleaned):
        return fallback
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return fallback
    return cleaned
