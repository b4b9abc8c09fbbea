// The monthly 接诉即办 report: for each grid (or the one asked for) a sheet with the month's cases
// on the grid's map (numbered, by urgency; closed and rejected faint; overdue ringed), its numbers
// beside the community's, and the list of its cases. Sets body[data-ready] once every map is drawn:
// the print browser prints then, a sheet a page.
(async function () {
  const slug = document.body.dataset.jurisdiction;
  const month = document.body.dataset.month;
  const only = document.body.dataset.grid;
  const lang = gridmapLang();
  document.documentElement.lang = lang;
  const L_ = gridmapLayers;
  const [y, m] = month.split("-").map(Number);
  const first = `${month}-01`;
  const last = gridmapDates.lastDay(month);
  const monthText = t("month_label").replace("{y}", String(y)).replace("{m}", String(m));
  document.title = `${t("monthly_report")} ${monthText}`;
  const api = `/cases/${encodeURIComponent(slug)}`;
  const json = (url) => fetch(url).then((r) => r.json());
  const q = `jurisdiction=${encodeURIComponent(slug)}&limit=10000`;
  const [kpi, grids, buildings, streets, list, zone] = await Promise.all([
    json(`${api}/kpi?from=${first}&to=${last}`), json(`/collections/grid/items?${q}`),
    json(`/collections/building/items?${q}`), json(`/collections/street_edge/items?${q}`),
    json(`${api}?from=${first}&to=${last}&limit=10000`), gridmapDates.zone()]);
  const byGrid = new Map(kpi.by_grid.map((g) => [g.grid, g]));
  const rows = [["received", (f) => f.received], ["response_rate", (f) => gridmapPercent(f.response_rate)],
    ["resolution_rate", (f) => gridmapPercent(f.resolution_rate)], ["satisfaction_rate", (f) => gridmapPercent(f.satisfaction_rate)],
    ["on_time_closure_rate", (f) => gridmapPercent(f.on_time_closure_rate)], ["open_n", (f) => f.open],
    ["overdue_n", (f) => f.overdue], ["parked_n", (f) => f.parked]];
  const none = { received: 0, open: 0, overdue: 0, parked: 0 };
  const stamp = `${t("printed")} ${gridmapDates.stamp(zone)} · gridmap`;
  const sheets = document.getElementById("sheets");
  // Cases listed on a grid's sheet (and numbered on its map) at least, and on each sheet that
  // continues it. A grid wider than the map is tall needs less of the sheet: its map shrinks to
  // what the grid needs, never below, and more of its cases are listed in the room made (grid
  // 004's map was a third empty while two of its 16 cases took a page of their own).
  const ON_SHEET = 14;
  const ON_MORE = 30;  // rows of ~29 px: an A4 sheet holds some 33 under its header
  // A row: its number on the map, the case's own number (to find it in the system: the map's
  // numbers are the sheet's), when, what, where (its building or address) and how it stands.
  const row = (c, n) => el("tr", { dataset: { case: String(c.id) } }, el("td", {}, `${n}`),
    el("td", {}, `#${c.id}`),
    el("td", {}, gridmapDates.stamp(zone, new Date(c.reported_at)).slice(5)),
    el("td", {}, L_.categoryName(c)),
    el("td", { className: "place" }, c.building || c.address || "—"),
    el("td", {}, `${t(`state_${c.state}`)}${c.overdue ? ` · ${t("overdue")}` : ""}`));
  const caseList = (cases, from) => el("table", { className: "list" },
    el("tr", {}, el("th", {}, "#"), el("th", {}, t("case_n")), el("th", {}, t("reported_at")), el("th", {}, t("category")),
       el("th", {}, t("where")), el("th", {}, t("state"))),
    ...cases.map((c, k) => row(c, from + k + 1)));
  const moreText = (left) => (left ? t("more_cases_continued").replace("{n}", String(left)) : "");
  // How tall the grid is on a map as wide as ``width`` px (fitted with 16 px around it, and room for
  // the names of the streets along its edge).
  const heightFor = (g, width) => {
    const b = L.geoJSON(g).getBounds();
    const sw = L.CRS.EPSG3857.project(b.getSouthWest()), ne = L.CRS.EPSG3857.project(b.getNorthEast());
    return (width - 32) * (ne.y - sw.y) / Math.max(ne.x - sw.x, 1e-9) + 32 + 40;
  };
  const overflows = (sheet) => sheet.scrollHeight > sheet.clientHeight + 1;
  const drawn = [];
  const chosen = grids.features.filter((g) => !only || g.properties.code === only)
    .sort((a, b) => a.properties.code.localeCompare(b.properties.code));
  for (const g of chosen) {
    const p = g.properties;
    const mine = list.cases.filter((c) => c.grid === p.code).sort((a, b) => a.reported_at.localeCompare(b.reported_at));
    const figures = byGrid.get(p.code) || none;
    const mapBox = el("div", { className: "map" });
    const kpiTable = el("table", { className: "kpi" },
      el("tr", {}, el("th", {}, ""), el("th", {}, t("this_grid")), el("th", {}, t("whole_community"))),
      ...rows.map(([key, f]) => el("tr", { dataset: { key } }, el("th", {}, t(key)), el("td", { className: "n" }, f(figures)),
                                   el("td", { className: "n" }, f(kpi.overall)))));
    let shown = Math.min(ON_SHEET, mine.length);
    const caseTable = caseList(mine.slice(0, shown), 0);
    const more = el("div", {}, mine.length ? moreText(mine.length - shown) : t("no_grid_cases"));
    const legend = el("div", { className: "legend-line" },
      ...L_.caseLegend().map(([kind, style, label]) => el("span", {}, gridmapLegend.swatch(kind, style), label)),
      el("span", {}, gridmapLegend.swatch("point", { color: "#fff", fillColor: "#a5bdf3" }),
         t("case_closed_or_rejected")));
    const sheet = el("section", { className: "sheet", dataset: { grid: p.code } },
      el("header", {}, el("div", {}, el("h1", {}, `${t("monthly_report")} · ${monthText}`),
                          el("div", { className: "grid-name" }, `${p.code} ${p.name || ""}`)),
         el("div", { className: "who" }, `${t("leader")}${lang === "en" ? ": " : "："}${p.leader || "—"}`)),
      mapBox, legend,
      el("div", { className: "below" }, kpiTable, el("div", { className: "list" }, caseTable, more)),
      el("div", { className: "note" }, t("report_note")), el("div", { className: "stamp" }, stamp));
    sheets.append(sheet);
    if (shown < mine.length) {  // the map no taller than the grid needs; a case more a row while there is room
      mapBox.style.minHeight = `${Math.min(mapBox.offsetHeight, heightFor(g, mapBox.clientWidth)).toFixed(0)}px`;
      while (shown < mine.length) {
        caseTable.append(row(mine[shown], shown + 1));
        more.textContent = moreText(mine.length - shown - 1);
        if (overflows(sheet)) {
          caseTable.lastElementChild.remove();
          more.textContent = moreText(mine.length - shown);
          break;
        }
        shown += 1;
      }
      sheet.dataset.listed = String(shown);
    }
    // the cases the sheet has no room for, listed on the sheets that follow it: none left out
    for (let from = shown; from < mine.length; from += ON_MORE) {
      sheets.append(el("section", { className: "sheet more", dataset: { grid: p.code, from: String(from + 1) } },
        el("header", {}, el("div", {}, el("h1", {}, `${t("monthly_report")} · ${monthText}`),
                            el("div", { className: "grid-name" }, `${p.code} ${p.name || ""} · ${t("continued")}`))),
        el("div", { className: "list" }, caseList(mine.slice(from, from + ON_MORE), from)),
        el("div", { className: "stamp" }, stamp)));
    }
    drawn.push([mapBox, g, mine, shown]);
  }
  // The maps once every sheet has its size.
  const named = [];
  for (const [box, g, mine, shown] of drawn) {
    const map = L.map(box, { zoomControl: false, attributionControl: false, zoomSnap: 0.1, fadeAnimation: false,
                             zoomAnimation: false, markerZoomAnimation: false });
    const outline = L.geoJSON(g, { style: { ...L_.styles.grid, fillOpacity: 0.03 }, interactive: false });
    map.fitBounds(outline.getBounds(), { padding: [16, 16] });
    L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
    const inGrid = { type: "FeatureCollection", features: buildings.features.filter((b) => b.properties.grid_id === g.id) };
    L.geoJSON(inGrid, { style: L_.styles.building, interactive: false }).addTo(map);
    L.geoJSON(streets, { style: L_.styles.street_edge, pane: "gm-street", interactive: false }).addTo(map);
    outline.addTo(map);
    // the buildings by number and the streets named, to tell where each case is by (as the grid's
    // printed map names them; a number is what fits a building on a sheet this small)
    const listed = new Map(mine.slice(0, shown).map((c, k) => [c, k + 1]));
    const drawnCases = L_.numberedCases(map, mine, (c) => listed.get(c));
    const names = gridmapNames.create(map, { obstacles: () => drawnCases.map((m) => m.getElement()) });
    names.polygons(inGrid, (p) => gridmapLabels.briefName(p.name), "building");
    names.streets(streets);
    named.push(names);
  }
  await document.fonts.ready;
  named.forEach((names) => names.place());  // with the fonts' own sizes
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  // On a screen narrower than a sheet (a phone), the sheets shown whole at its width, as a PDF
  // viewer shows an A4 page (794 px wide, they ran off the screen); printed, at their own size.
  const fit = () => {
    const wide = sheets.firstElementChild ? sheets.firstElementChild.offsetWidth : 0;
    const scale = wide ? Math.min(1, (document.documentElement.clientWidth - 8) / wide) : 1;
    sheets.style.zoom = scale < 1 ? scale.toFixed(3) : "";
  };
  fit();
  addEventListener("resize", fit);
  document.body.dataset.sheets = String(drawn.length);
  document.body.dataset.ready = "true";
})();
