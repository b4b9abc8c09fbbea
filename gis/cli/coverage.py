"""``gridmap coverage SLUG …`` (analyse) and ``gridmap coverage suggest SLUG …``: courier coverage."""

import json
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from gis.cli.options import Slug, emit, layer_title, said, say, write_map
from gis.cli.session import session
from gis.errors import InvalidInput
from gis.i18n import msg
from gis.limits import MAX_ID


class _DefaultAnalyse(TyperGroup):
    """``gridmap coverage SLUG`` runs ``analyse``; ``gridmap coverage suggest SLUG`` suggests."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands:
            args = ["analyse", *args]
        return super().resolve_command(ctx, args)


coverage_app = typer.Typer(cls=_DefaultAnalyse, no_args_is_help=True,
                           help="Courier coverage: walking distance to zones and stations, gaps, siting.")
FacilityOpt = Annotated[str, typer.Option(help="courier_zone, post_station, service_centre or any.")]


def _read_geojson(path: Path, what: str):
    if not path.is_file():
        raise InvalidInput(msg("{0}: {1}: no such file", what, path))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(msg("{0} is not GeoJSON: {1}", path, exc)) from None


@coverage_app.command("analyse")
def analyse_cmd(slug: Slug, facility: FacilityOpt = "any",
                thresholds: Annotated[str | None, typer.Option(help="Metres: 100,200,300.")] = None,
                compare: Annotated[Path | None, typer.Option(help="A proposed layout (GeoJSON) to compare.")] = None,
                draft: Annotated[int | None, typer.Option(help="A draft layout: its coverage, compared with "
                                                               "the published one.", min=1, max=MAX_ID)] = None,
                paths: Annotated[bool, typer.Option(help="Include each building's path.")] = False,
                geojson: Annotated[Path | None, typer.Option(help="Write buildings, facilities and "
                                                                  "service areas as GeoJSON.")] = None,
                map_: Annotated[Path | None, typer.Option("--map", help="Write the coverage map.")] = None,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Walking distance from every building to the nearest facility; shares within thresholds."""
    from gis.coverage.analysis import analyse, parse_thresholds
    from gis.coverage.outputs import map_html, to_geojson
    from gis.coverage.planning import compare_layout
    from gis.settings import Settings

    settings = Settings()
    limits = parse_thresholds(thresholds, settings.coverage_thresholds_m)
    with session() as cur:
        if compare is not None:
            body = _read_geojson(compare, "--compare")
            r = compare_layout(cur, slug, settings, facility, body, limits)
            emit(r, as_json, lambda: "\n".join(
                said(msg("within {0} m: {1:+} households, {2:+} buildings", t, c["households"], c["buildings"]))
                for t, c in r["change"].items()))
            return
        cov = analyse(cur, slug, settings, facility, limits, draft)
        if draft is not None:
            from gis.coverage.planning import compare_draft

            against = compare_draft(cur, settings, cov)
        if geojson:
            geojson.write_text(json.dumps(to_geojson(cur, cov, settings.service_area_buffer_m), ensure_ascii=False))
        if map_:
            write_map(map_, map_html(cur, cov, settings.service_area_buffer_m, settings.lang))
    r = cov.to_json(paths)
    if draft is not None:
        r["draft"] = draft
        r["compared_with_published"] = against
    if as_json:
        typer.echo(json.dumps(r, ensure_ascii=False))
        return
    s = r["summary"]
    what = said(msg("any facility")) if facility == "any" else layer_title(facility)
    say(msg("{0}: {1} buildings, {2} households; {3}:", slug, s["buildings"], s["households"], what))
    for t, w in s["within"].items():
        say(msg("  within {0} m: {1:.0%} of households, {2:.0%} of buildings", t, w["households_share"],
                w["buildings_share"]))
    for f in r["facilities"]:
        if f["overloaded"]:
            say(msg("  {0}: {1} households  OVERLOADED", f["name"], f["households"]))
        else:
            say(msg("  {0}: {1} households", f["name"], f["households"]))
    for u in r["unreachable"]:
        say(msg("  unreachable: {0} {1} ({2})", u["id"], u["name"] or "", said(u["reason"])))


@coverage_app.command("suggest")
def suggest_cmd(slug: Slug, facility: FacilityOpt = "courier_zone",
                add: Annotated[int, typer.Option(help="How many sites to add.")] = 1,
                within: Annotated[float, typer.Option(help="Walking distance to cover (m).")] = 100.0,
                objective: Annotated[str, typer.Option(help="cover (most households within) or median "
                                                            "(least mean distance).")] = "cover",
                candidates: Annotated[str, typer.Option(help="nodes, sites, or a GeoJSON file of "
                                                             "candidate points / polygons.")] = "nodes",
                capacity: Annotated[float | None, typer.Option(help="Households a new site can serve "
                                                                    "(median).")] = None,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Where K new facilities would help most, solved exactly (HiGHS)."""
    from gis.coverage.planning import suggest
    from gis.settings import Settings

    source: object = candidates
    if candidates not in ("nodes", "sites"):
        source = _read_geojson(Path(candidates), "--candidates is nodes, sites or a GeoJSON file")
    with session() as cur:
        r = suggest(cur, slug, Settings(), facility=facility, add=add, within=within, objective=objective,
                    candidates=source, capacity=capacity)
    if as_json:
        typer.echo(json.dumps(r, ensure_ascii=False))
        return
    say(msg("households within {0:g} m: {1} → {2}", within, r["before"]["households_within"],
            r["after"]["households_within"]))
    for c in r["chosen"]:
        say(msg("  add at {0:.6f},{1:.6f} {2}: +{3} households", c["lon"], c["lat"], c.get("name") or "",
                c["households_newly_within"]))
