"""What the command groups share: argument and option types, and how results are printed and
written."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

import typer

from gis.i18n import msg

Slug = Annotated[str, typer.Argument(help="Slug of the jurisdiction.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Actor = Annotated[str | None, typer.Option(help="Who is writing (recorded in the history).")]


def err(message: str) -> None:
    """A line on stderr (progress, notes): a message (gis.i18n.msg) in the command line's language."""
    typer.echo(said(message), err=True)


def say(message: str) -> None:
    """A line of a command's result on stdout, in the command line's language."""
    typer.echo(said(message))


def said(message: str, lang: str | None = None) -> str:
    """A message (gis.i18n.msg) in the command line's language (``GRIDMAP_LANG``), or ``lang``;
    plain text too when it is a phrase of the catalogue (a case's state, a role), else as it is."""
    from gis.messages import negotiate, translate
    from gis.settings_fields import setting

    return translate(message, lang or negotiate(setting("lang"), None))


def listed(items: Iterable[str], limit: int | None = None) -> str:
    """Items as a list in the command line's language, by CLDR's separator for it ("a, b" in English,
    "a、b" in Chinese); past ``limit`` items, an ellipsis."""
    from babel import Locale

    from gis.messages import negotiate
    from gis.settings_fields import setting

    items = list(items)
    shown = items if limit is None else items[:limit]
    middle = Locale.parse(negotiate(setting("lang"), None)).list_patterns["standard"]["middle"]
    return (functools.reduce(middle.format, shown) if shown else "") + (" …" if len(shown) < len(items) else "")


def layer_title(name: str) -> str:
    """A layer in a report, by its title in the command line's language (in English by its name,
    as a command names it); a name that is no layer's as it is."""
    from gis.layers import LAYERS
    from gis.messages import negotiate
    from gis.settings_fields import setting

    lay = LAYERS.get(name)
    return lay.title_zh if lay is not None and negotiate(setting("lang"), None) == "zh" else name


def emit(obj: Any, as_json: bool, text: str | Callable[[], str]) -> None:
    """A result: ``obj`` as JSON with ``--json``, else ``text`` (or what the function ``text``
    makes, made only then)."""
    if as_json:
        typer.echo(json.dumps(obj, ensure_ascii=False))
    else:
        typer.echo(text() if callable(text) else text)


def write_output(path: Path | None, data: str | bytes | Callable[[], str | bytes]) -> None:
    """Write an output file the command was asked for (none: nothing), and say so on stderr.
    ``data`` may be the function that makes it: called only when the file is asked for."""
    if path is None:
        return
    if callable(data):
        data = data()
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    err(msg("wrote {0}", path))


def write_map(path: Path | None, html: str) -> None:
    """Write a map file that opens offline: its scripts and styles copied beside it."""
    if path is None:
        return
    from gis.map_assets import write_map_file
    from gis.settings import Settings

    folder = write_map_file(path, html, Path(Settings().web_assets_dir))
    err(msg("wrote {0} (and {1}/ beside it)", path, folder.name))


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """``--map SRC=DST`` options as {SRC: DST}, refused clearly when one is not that."""
    from gis.errors import InvalidInput
    from gis.i18n import msg

    out = {}
    for item in items or []:
        src, sep, dst = item.partition("=")
        if not sep or not src or not dst:
            raise InvalidInput(msg("--map takes SRC=DST, got {0!r}", item))
        out[src] = dst
    return out
