"""``gridmap stats`` and ``gridmap jurisdiction list|delete``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from gis.cli.options import Actor, JsonOpt, Slug
from gis.cli.session import session

jurisdiction_app = typer.Typer(help="Jurisdictions (社区).", no_args_is_help=True)


def stats(jurisdiction: Slug, as_json: JsonOpt = False) -> None:
    """Area, households, residents and feature counts of a jurisdiction."""
    from gis.stats import jurisdiction_stats

    with session() as cur:
        s = jurisdiction_stats(cur, jurisdiction)
    if as_json:
        typer.echo(json.dumps(s, ensure_ascii=False))
        return
    typer.echo(f"{s['name']} ({s['jurisdiction']}): {s['area_km2']} km², "
               f"{s['households']} households, {s['residents']} residents")
    typer.echo("  " + ", ".join(f"{n} {k}" for k, n in s["counts"].items()))


@jurisdiction_app.command("list")
def jurisdiction_list(as_json: JsonOpt = False) -> None:
    """List the jurisdictions."""
    from gis.jurisdictions import list_jurisdictions

    with session() as cur:
        rows = list_jurisdictions(cur)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(f"{r['slug']}\t{r['name']}\t{r['admin_code'] or ''}")


@jurisdiction_app.command("delete")
def jurisdiction_delete(slug: str, actor: Actor = None,
                        yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False) -> None:
    """Delete a jurisdiction and everything in it."""
    from gis.jurisdictions import delete_jurisdiction

    if not yes and not typer.confirm(f"delete {slug} and all its features?"):
        raise typer.Exit(1)
    with session(actor) as cur:
        delete_jurisdiction(cur, slug)
    typer.echo(f"{slug}: deleted")
