"""Messages in the user's language: the catalogues in ``gis/locale`` and the translation of a
message at the edge (the API's problem+json, the command line's errors).

Messages are written once, in English, where they are raised, marked with :func:`gis.i18n.msg`.
A language's catalogue is gettext's: ``gis/locale/<lang>/LC_MESSAGES/gridmap.po`` maps each
message's template (extracted by Babel, ``make messages``) to its translation, and ``terms.po``
holds what is no message of the code (``msgctxt`` phrase, title, validation). Both are read with
Babel as they are, once: no compile step, no .mo to fall out of step with its .po.

A :class:`~gis.i18n.Message` is translated by its template, its values filled in, each translated
too when it is itself a Message or a known phrase (a value shown with ``!r`` is the user's own text
and stays). English needs no catalogue; a template with no translation stays English.
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

from gis.i18n import Message

LOCALE = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "zh")
DEFAULT = "en"
DOMAIN = "gridmap"  # the messages of the code (extracted)
TERMS = "terms"  # phrases, titles and validation (kept by hand)


@functools.cache
def _quoted_fields(template: str) -> frozenset[int]:
    """The values a template shows with ``!r``: the user's own text, which stays as it is."""
    return frozenset(int(name) for _, name, _, conv in string.Formatter().parse(template)
                     if name is not None and name.isdigit() and conv == "r")


@dataclass
class Catalogue:
    """The translations of one language."""

    messages: dict[str, str]
    phrases: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    validation: dict[str, str] = field(default_factory=dict)

    def translate(self, text: str) -> str:
        """``text`` in this language: a Message by its template, plain text when it is a phrase;
        anything else as it is."""
        if not isinstance(text, Message):
            return self.phrases.get(text, text)
        quoted = _quoted_fields(text.template)
        values = [v if k in quoted or not isinstance(v, str) else self.translate(v)
                  for k, v in enumerate(text.args)]
        return self.messages.get(text.template, text.template).format(*values)


def _read(path: Path) -> dict[tuple[str | None, str], str]:
    """The translated entries of a .po file: (msgctxt, msgid) → msgstr (fuzzy ones left out)."""
    from babel.messages.pofile import read_po

    if not path.exists():
        return {}
    with path.open("rb") as f:
        po = read_po(f, ignore_obsolete=True)
    return {(m.context, str(m.id)): str(m.string) for m in po if m.id and m.string and not m.fuzzy}


@functools.cache
def catalogue(lang: str) -> Catalogue:
    """The catalogue of ``lang`` (read once)."""
    folder = LOCALE / lang / "LC_MESSAGES"
    terms = _read(folder / f"{TERMS}.po")
    by_context = {ctx: {k: v for (c, k), v in terms.items() if c == ctx} for ctx in ("phrase", "title", "validation")}
    return Catalogue({k: v for (c, k), v in _read(folder / f"{DOMAIN}.po").items() if c is None},
                     by_context["phrase"], by_context["title"], by_context["validation"])


def translate(text: str, lang: str) -> str:
    """A message in ``lang`` (English as written)."""
    return str(text) if lang == DEFAULT else catalogue(lang).translate(text)


def title(text: str, lang: str) -> str:
    """An HTTP status title in ``lang``."""
    return text if lang == DEFAULT else catalogue(lang).titles.get(text, text)


def validation_message(kind: str, ctx: dict, english: str, lang: str) -> str:
    """A request parameter's problem (pydantic's error ``kind`` with its ``ctx``) in ``lang``."""
    if lang == DEFAULT:
        return english
    said = catalogue(lang).validation
    # a pattern of the service's own has words of its own ("应为年月（YYYY-MM）", not the expression)
    template = said.get(f"{kind} {ctx.get('pattern')}") or said.get(kind)
    if template is None:
        return english
    # pydantic lists the choices in English ("'red', 'yellow' or 'blue'"): their "or" in ``lang``
    values = {k: v if isinstance(v, int | float) else str(v) for k, v in ctx.items()}
    values.update({k: v.replace(" or ", f" {said.get('or', 'or')} ") for k, v in values.items()
                   if k.startswith("expected") and isinstance(v, str)})
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return english


def negotiate(lang: str | None, accept_language: str | None) -> str:
    """The language of an answer: ``lang`` when it is one of ours, else the best of the
    Accept-Language header by its q-values (``zh-CN`` → zh), else English."""
    if lang in LANGUAGES:
        return lang
    best, best_q = DEFAULT, 0.0
    for item in (accept_language or "").split(","):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        m = re.search(r"q=([^;\s]*)", params)
        if m:
            try:
                q = float(m.group(1))
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best
