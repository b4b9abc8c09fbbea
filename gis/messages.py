"""Messages in the user's language: the catalogues in ``gis/locale`` and the translation of a
message at the edge (the API's problem+json, the command line's errors).

Messages are written once, in English, where they are raised. A catalogue maps each message's
template (its text with ``{0}``, ``{1}``, … where values go; see ``gis.message_sources``) to the
translation. A message is translated by finding the template it was made from, filling the
translation with its values, each of which is translated too when it is itself a message or a
known phrase. English needs no catalogue; a message no template fits stays as it is.
"""

from __future__ import annotations

import functools
import re
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path

LOCALE = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "zh")
DEFAULT = "en"
# "label: message", as lists of problems name what each is about: a feature of the input
# ("feature 3 (name)"), or the kind of rule an edit would break ("overlap"; a name the client reads,
# which stays). Each side is translated alone.
_LABELLED = re.compile(r"^(feature \d+(?: \(.*?\))?|[a-z][a-z_]*): (.+)$", re.DOTALL)


@dataclass(frozen=True)
class _Entry:
    pattern: re.Pattern
    translation: str
    literal: int  # how much fixed text the template has: the most specific fits first


def _pattern(template: str) -> tuple[re.Pattern, int]:
    parts, literal = [], 0
    for text, field, _spec, _conv in string.Formatter().parse(template):
        parts.append(re.escape(text))
        literal += len(text)
        if field is not None:
            parts.append(f"(?P<p{int(field)}>.*?)")
    return re.compile("".join(parts), re.DOTALL), literal


class Catalogue:
    """The translations of one language."""

    def __init__(self, messages: dict[str, str], phrases: dict[str, str], titles: dict[str, str],
                 validation: dict[str, str] | None = None) -> None:
        entries = []
        for template, translation in messages.items():
            pattern, literal = _pattern(template)
            entries.append(_Entry(pattern, translation, literal))
        self.entries = sorted(entries, key=lambda e: -e.literal)
        self.messages, self.phrases, self.titles = messages, phrases, titles
        self.validation = validation or {}

    def translate(self, text: str, _depth: int = 0) -> str:
        """``text`` in this language; unchanged when no template fits."""
        if text in self.phrases:
            return self.phrases[text]
        if _depth > 4 or not text:
            return text
        labelled = _LABELLED.match(text)
        if labelled:
            label, rest = labelled.groups()
            return f"{self.translate(label, _depth + 1)}: {self.translate(rest, _depth + 1)}"
        for entry in self.entries:
            m = entry.pattern.fullmatch(text)
            if m:
                values = [self.translate(m.group(f"p{k}"), _depth + 1) for k in range(len(m.groups()))]
                return entry.translation.format(*values)
        return text


@functools.cache
def catalogue(lang: str) -> Catalogue:
    """The catalogue of ``lang`` (read once)."""
    data = tomllib.loads((LOCALE / f"{lang}.toml").read_text(encoding="utf-8"))
    return Catalogue(data.get("messages", {}), data.get("phrases", {}), data.get("titles", {}),
                     data.get("validation", {}))


def translate(text: str, lang: str) -> str:
    """A message in ``lang`` (English as written)."""
    return text if lang == DEFAULT else catalogue(lang).translate(text)


def title(text: str, lang: str) -> str:
    """An HTTP status title in ``lang``."""
    return text if lang == DEFAULT else catalogue(lang).titles.get(text, text)


def validation_message(kind: str, ctx: dict, english: str, lang: str) -> str:
    """A request parameter's problem (pydantic's error ``kind`` with its ``ctx``) in ``lang``."""
    if lang == DEFAULT:
        return english
    template = catalogue(lang).validation.get(kind)
    if template is None:
        return english
    try:
        return template.format(**{k: v if isinstance(v, str | int | float) else str(v) for k, v in ctx.items()})
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
