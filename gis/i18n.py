"""The marker of a message a user reads: ``msg(template, *args)``.

Every message is written once, in English, where it is raised::

    raise InvalidInput(msg("grid {0} has a corner of {1:.0f}°", code, degrees))

The result is a :class:`Message`: a ``str`` whose text is the English ``template.format(*args)``
(so code that treats a message as text keeps working), and which keeps its template and values.
The template is the key of the catalogue (``gis/locale/<lang>/LC_MESSAGES/gridmap.po``, extracted
by Babel with the keyword ``msg``); at the edge (the API's problem+json, the command line's errors)
``gis.messages.translate`` looks it up and fills the translation with the values, each translated
too when it is itself a Message or a known phrase.

Fields are positional (``{0}``, ``{1:.0f}``, ``{2!r}``): a template is read beside its values
where it is written, and a translation may put them in any order.

The domain errors (``gis.errors``) take a Message, so mypy flags a plain string given to them, and
the edges refuse (in tests) or log (in production) text that reaches a user unmarked.
"""

from __future__ import annotations

import logging
from typing import LiteralString

log = logging.getLogger("gridmap.messages")


class Message(str):
    """A message for a user: its English text, with the template and values it was made from.

    Operations of ``str`` (``+``, slicing, ``upper()``) give plain text: a message is built whole
    with :func:`msg`, with other messages as its values, never by joining strings.
    """

    template: str
    args: tuple[object, ...]

    def __new__(cls, template: str, args: tuple[object, ...] = ()) -> Message:
        """The message ``template`` filled with ``args`` (English)."""
        self = super().__new__(cls, template.format(*args))
        self.template = template
        self.args = args
        return self

    def __reduce__(self) -> tuple[type[Message], tuple[str, tuple[object, ...]]]:
        """Pickled as its template and values (messages cross to worker processes)."""
        return Message, (self.template, self.args)


def msg(template: LiteralString, *args: object) -> Message:
    """Mark a message a user reads: ``template`` (English, ``str.format`` fields ``{0}``, ``{1}``, …)
    with its values. Babel extracts the template (a string literal, never an f-string)."""
    return Message(template, args)


def verbatim(text: str) -> Message:
    """Text made outside the code (the database's, the web framework's), shown as it is: the
    catalogue cannot know it, but it is translated when it is a known phrase."""
    return Message("{0}", (text,))


class UnmarkedMessage(AssertionError):
    """Text reached a user without :func:`msg`: no catalogue can translate it."""


def check_marked(text: object, *, strict: bool) -> None:
    """Log text about to reach a user that is no Message; raise :class:`UnmarkedMessage` when
    ``strict`` (``GRIDMAP_STRICT_MESSAGES``: the tests set it)."""
    if isinstance(text, Message):
        return
    log.warning("unmarked message reaches a user: %r", text)
    if strict:
        raise UnmarkedMessage(f"unmarked message reaches a user (mark it with gis.i18n.msg): {text!r}")
