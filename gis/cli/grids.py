"""``gridmap grids …``: generate, check, drafts, compare, publish, revert, history."""

from typing import Annotated

import typer

from gis.cli.options import Actor, JsonOpt, Slug, emit, said
from gis.cli.session import session
from gis.i18n import msg
from gis.limits import MAX_ID

grids_app = typer.Typer(help="Grids (网格): generate, check, drafts, publish.", no_args_is_help=True)
DraftArg = Annotated[int, typer.Argument(help="The draft's id.", min=1, max=MAX_ID)]


def _report_text(r: dict) -> str:
    """A layout's check in the command line's language."""
    target = r["target_households"] or 0
    lines = [said(msg("ok (target {0:.0f} households ±{1:.0%})", target, r["tolerance"]) if r["ok"] else
                  msg("{0} problems (target {1:.0f} households ±{2:.0%})", len(r["problems"]), target, r["tolerance"]))]
    lines += ["  " + said(msg("{0} {1}: {2} households, {3} buildings, {4:.2f} ha, compactness {5:.2f}", g["code"],
                              g["name"] or "", g["households"], g["buildings"], g["area_m2"] / 1e4, g["polsby_popper"]))
              for g in r["grids"]]
    lines += [f"  {p['kind']}: {said(p['message'])}" for p in r["problems"]]
    return "\n".join(lines)


@grids_app.command("generate")
def generate_cmd(slug: Slug,
                 households_per_grid: Annotated[float, typer.Option(help="Target households per grid.")],
                 tolerance: Annotated[float, typer.Option(help="Allowed deviation, a share.")] = 0.15,
                 name: Annotated[str | None, typer.Option(help="Name of the draft.")] = None,
                 actor: Actor = None, as_json: JsonOpt = False) -> None:
    """Propose a layout (a new draft): grids along streets and compound edges, balanced."""
    from gis.grids.generate_store import generate_draft

    with session(actor) as cur:
        r = generate_draft(cur, slug, households_per_grid, tolerance, name)
    emit(r, as_json, lambda: said(msg("draft {0}: {1}", r["layout"], _report_text(r))))


@grids_app.command("check")
def check_cmd(slug: Slug, draft: Annotated[int | None, typer.Option(help="A draft's id (default: the published "
                                                                          "layout).", min=1, max=MAX_ID)] = None,
              as_json: JsonOpt = False) -> None:
    """Every problem of a layout: gaps, overlaps, pieces, split or unassigned buildings, balance, codes."""
    from gis.grids.layouts import check_json, load_state

    with session() as cur:
        r = check_json(load_state(cur, slug=slug, layout_id=draft))
    emit(r, as_json, _report_text(r))
    if not r["ok"] and not as_json:
        raise typer.Exit(1)


@grids_app.command("drafts")
def drafts_cmd(slug: Slug, as_json: JsonOpt = False) -> None:
    """The layouts of a jurisdiction: drafts, the published one, and those published before."""
    from gis.grids.layouts import list_layouts

    with session() as cur:
        rows = list_layouts(cur, slug)
    emit(rows, as_json, "\n".join(f"{r['id']}\t{r['status']}\t{r['name']}\t{r['created_by']}\t"
                                   f"{r['published_at'] or r['created_at']}" for r in rows))


@grids_app.command("compare")
def compare_cmd(draft: DraftArg, as_json: JsonOpt = False) -> None:
    """A draft against the published layout: buildings changing grid, metrics per grid."""
    from gis.grids.layouts import compare

    with session() as cur:
        r = compare(cur, draft)
    text = "\n".join([said(msg("{0} buildings change grid", len(r["buildings_moved"])))] + [
        "  " + said(msg("{0}: {1} → {2} households", g["code"], (g["before"] or {}).get("households", "-"),
                        (g["after"] or {}).get("households", "-"))) for g in r["grids"]])
    emit(r, as_json, text)


@grids_app.command("publish")
def publish_cmd(draft: DraftArg, actor: Actor = None,
                as_json: JsonOpt = False) -> None:
    """Publish a draft (atomic; refused while it breaks a rule)."""
    from gis.grids.layouts import publish

    with session(actor) as cur:
        r = publish(cur, draft)
    _emit_published(r, as_json, said(msg("layout {0} published by {1!r}", r["id"], r["published_by"])))


@grids_app.command("revert")
def revert_cmd(slug: Slug, layout: Annotated[int, typer.Argument(help="A layout published before.", min=1,
                                                                  max=MAX_ID)],
               actor: Actor = None, as_json: JsonOpt = False) -> None:
    """Publish again a layout published before."""
    from gis.grids.layouts import revert

    with session(actor) as cur:
        r = revert(cur, slug, layout)
    _emit_published(r, as_json, said(msg("layout {0} ({1!r}) published", r["id"], r["name"])))


def _emit_published(r: dict, as_json: bool, head: str) -> None:
    """A layout just published, and the problems it was published with (a grid 38 % over its
    households went by with a bare "published")."""
    r["warnings"] = [said(w) for w in r["warnings"]]
    emit(r, as_json, "\n".join([head] + ["  " + said(msg("warning: {0}", w)) for w in r["warnings"]]))


@grids_app.command("history")
def history_cmd(slug: Slug, as_json: JsonOpt = False) -> None:
    """Who changed grids, zones, stations and layouts, and when."""
    from gis.grids.layouts import history

    with session() as cur:
        rows = history(cur, slug)
    emit(rows, as_json, "\n".join(f"{r['at']}\t{r['actor']}\t{r['op']}\t{r['table']} {r['id']}" for r in rows))
