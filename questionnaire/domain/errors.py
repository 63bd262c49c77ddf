"""Messages of the domain, kept apart from their values so the web layer can translate them."""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks `message` for the translation catalogue; the web layer translates it."""
    return message


class AnswerError(ValueError):
    """A value that does not fit its question; the message is shown next to the field.

    The message is English with %(name)s fields, kept apart from its values, so the web
    layer can say it in the person's language: `template` through gettext, then `params`.
    """

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)
