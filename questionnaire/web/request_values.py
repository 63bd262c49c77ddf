"""Integers, identifiers and text from a request, checked strictly in one place.

`str.isdigit()` is true for "²" and "٣", `int()` takes "٣" and " 7 ", and a database id
has 32 bits: each of these once reached a query and gave a 500. Here a value is ASCII
digits within range, or an identifier of known characters and length, or the request is
refused with a 400 that names the field. Ids in URL paths get the same treatment from the
`int` converter installed by `init_app` (out of range is simply not found).

Text is checked here too, before any view runs: a form or query value holding a control
character other than tab and line breaks (a NUL gave a 500 on PostgreSQL) is refused with
a 400 naming the field, so nothing of the request is saved.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, abort, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from questionnaire.domain.text import control_character, without_control_characters

LARGEST_ID = 2**31 - 1  # the columns are 32-bit integers on PostgreSQL
_WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")
_IDENTIFIER = re.compile(r"[A-Za-z0-9._:-]+")


# Free-text fields by the label the person sees; other fields are named as the form names them.
FIELD_LABELS = {
    "answer": _l("Answer"),
    "body": _l("Comment"),
    "email": _l("E-mail"),
    "name": _l("Name"),
    "note": _l("Note"),
    "observations": _l("Observations"),
    "provided_by": _l("Provided by"),
    "question": _l("Question"),
    "recommendation": _l("Recommendation"),
    "text": _l("Finding"),
    "title": _l("Title"),
    "url": _l("Link"),
}


class InvalidRequestValue(BadRequest):
    """A value in the request is malformed: a 400 whose message names the field.

    Pages show the message on the error page; autosave and other JSON clients get
    `{"error": ..., "fields": {field: ...}}`.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(description=message)
        self.field = field

    def get_response(self, environ: Any = None, scope: Any = None) -> Response:
        if wants_json():
            response = jsonify(error=self.description, fields={self.field: self.description})
            response.status_code = self.code or 400
            return response
        return super().get_response(environ, scope)


def wants_json() -> bool:
    return request.path.endswith("/autosave") or request.accept_mimetypes.best == "application/json"


def whole_number(field: str, raw: str, maximum: int = LARGEST_ID) -> int:
    """`raw` as a whole number from 0 to `maximum`, or `InvalidRequestValue` naming `field`."""
    if not _WHOLE_NUMBER.fullmatch(raw) or int(raw) > maximum:
        raise InvalidRequestValue(
            field,
            _(
                "The field %(field)s holds “%(value)s”, which is not a whole number from 0 to "
                "%(maximum)s. Reload the page and try again; nothing you saved before is lost.",
                field=field,
                value=raw[:40],
                maximum=maximum,
            ),
        )
    return int(raw)


def form_id(field: str) -> int | None:
    """The database id in form field `field`; None when the field is empty or absent."""
    raw = request.form.get(field, "")
    return whole_number(field, raw) if raw else None


def identifier(field: str, raw: str, max_length: int = 64) -> str:
    """`raw` as an identifier of letters, digits and . _ : - of at most `max_length`."""
    if len(raw) > max_length or not _IDENTIFIER.fullmatch(raw):
        raise InvalidRequestValue(
            field,
            _(
                "The field %(field)s is not valid: use at most %(length)s letters, digits, "
                "dots, colons, dashes or underscores. Reload the page and try again; nothing "
                "you saved before is lost.",
                field=field,
                length=max_length,
            ),
        )
    return raw


def form_identifier(field: str, max_length: int = 64) -> str | None:
    """The identifier in form field `field`; None when the field is empty or absent."""
    raw = request.form.get(field, "")
    return identifier(field, raw, max_length) if raw else None


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in routes: ASCII digits and a value a 32-bit id column can hold."""

    regex = r"[0-9]{1,10}"

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, *args, **kwargs)


def refuse_control_characters() -> None:
    """Refuse the request when a form or query value holds a control character.

    A path holding one names nothing that exists (ids and codes never do): not found.
    """
    if control_character(request.path):
        abort(404)
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            code = control_character(name) or control_character(value)
            if code:
                field = without_control_characters(name)
                label = str(FIELD_LABELS.get(field, field))
                raise InvalidRequestValue(
                    field,
                    _(
                        "The field “%(field)s” contains a control character (%(code)s), which "
                        "cannot be stored; it often comes with text copied from another "
                        "program. Remove it and send again; nothing was saved, and nothing you "
                        "saved before is lost.",
                        field=label,
                        code=code,
                    ),
                )


def init_app(app: Flask) -> None:
    """Install the strict `int` converter and the text check; call before any blueprint
    is registered."""
    app.url_map.converters["int"] = DatabaseIdConverter
    app.before_request(refuse_control_characters)
