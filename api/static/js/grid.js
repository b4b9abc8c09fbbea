// A grid's page: its map (the grid on top, its buildings, the streets, stations and zones, all
// labelled) and its numbers.
(async function () {
  const slug = document.body.dataset.jurisdiction;
  const code = document.body.dataset.code;
  gridmapHeader(slug);
  const L_ = gridmapLayers;
  const map = L.map("map");
  window.gridmapMap = map;
  L.control.scale({ imperial: false }).addTo(map);

  const r = await fetch(`/jurisdictions/${encodeURIComponent(slug)}/grids/${encodeURIComponent(code)}/summary`);
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    document.getElementById("title").textContent = r.status === 404 ? `${t("no_grid")} ${code}` : t("error");
    document.getElementById("numbers").replaceChildren(el("tr", {}, el("td", {}, body.detail || "")));
    const home = el("a", { href: `/?jurisdiction=${encodeURIComponent(slug)}&lang=${gridmapLang()}` }, t("back_home"));
    document.getElementById("side").append(el("p", {}, home));
    const boundary = L_.geojson("jurisdiction", await L_.items("jurisdiction", slug), slug).addTo(map);
    map.fitBounds(boundary.getBounds());
    document.body.dataset.ready = "true";
    return;
  }
  const g = await r.json();
  document.title = `${t("grid_page")} ${g.code}`;
  // its short code and name (网格 001 第一网格（电厂小区）): the 15-digit code, in the table below,
  // would fill a phone's bar alone
  document.getElementById("title").textContent = L_.gridLabel(g);
  const share = g.patrol_coverage.share;
  document.getElementById("numbers").replaceChildren(...L_.rows([
    ["code", g.code], ["name", g.name], ["leader", g.leader], ["households", g.households],
    ["residents", g.residents], ["buildings", g.buildings], ["stations_n", g.stations],
    ["courier_zones", g.courier_zones], ["area", `${(g.area_m2 / 10000).toFixed(2)} ha`],
    ["patrol_coverage_long", share === null ? t("none_yet") : `${Math.round(share * 100)}%`],
  ]));
  const list = document.getElementById("workers");
  for (const w of [...g.workers].sort(gridmapLabels.byName)) list.append(el("li", {}, `${w.name}（${t(w.role)}）`));
  if (!g.workers.length) list.append(el("li", {}, t("none_yet")));

  // The grid on top of what is in it: its outline in the boundary's pane.
  const outline = L.geoJSON(g.geometry, { pane: "gm-boundary", interactive: false,
                                          style: { ...L_.styles.grid, weight: 4, fillOpacity: 0.04 } }).addTo(map);
  map.fitBounds(outline.getBounds(), { padding: [20, 20] });
  const labels = gridmapLabels.create(map);
  const [buildings, streets, stations, zones] = await Promise.all(
    ["building", "street_edge", "post_station", "courier_zone"].map((layer) => L_.items(layer, slug)));
  const mine = { type: "FeatureCollection", features: buildings.features.filter((f) => f.properties.grid_id === g.id) };
  const streetLayer = L_.geojson("street_edge", streets, slug).addTo(map);
  const buildingLayer = L_.geojson("building", mine, slug).addTo(map);
  const zoneLayer = L_.geojson("courier_zone", zones, slug).addTo(map);
  const stationLayer = L_.stations(stations).addTo(map);
  labels.streets(streetLayer);
  labels.polygons("building", buildingLayer, (p) => p.name);
  for (const kind of ["street", "building"]) labels.groups[kind].addTo(map);
  // Its open cases (those the user sees), overdue ones first, on the map and listed.
  const open = await fetch(`/cases/${encodeURIComponent(slug)}?grid=${encodeURIComponent(code)}&open=true&limit=1000`)
    .then((x) => (x.ok ? x.json() : { cases: [], total: 0 }));
  const overdue = open.cases.filter((c) => c.overdue);
  const caseLayer = L_.cases(open.cases).addTo(map);
  const all = `/cases?jurisdiction=${encodeURIComponent(slug)}&grid=${encodeURIComponent(code)}&open=true&lang=${gridmapLang()}`;
  document.getElementById("case-numbers").replaceChildren(...L_.rows([["open_cases", open.total],
                                                                      ["overdue_cases", overdue.length]]));
  const shown = [...overdue, ...open.cases.filter((c) => !c.overdue)].slice(0, 8);
  document.getElementById("grid-cases").replaceChildren(...shown.map((c) => el("li", {},
    el("a", { href: L_.caseLink(c) }, `#${c.id} ${L_.categoryName(c)}`),
    el("div", { className: "meta" }, t(`state_${c.state}`), c.overdue ? el("span", { className: "overdue" }, t("overdue")) : null))),
    el("li", {}, el("a", { href: all, id: "all-cases" }, t("more"))));
  gridmapLegend.create(map, () => ({
    grid: [["area", L_.styles.grid, t("grid_page")]], buildings: [["area", L_.styles.building, t("buildings")]],
    streets: [["line", L_.styles.street_edge, t("streets")]],
    courier_zones: [["area", L_.styles.courier_zone, t("courier_zones")]],
    stations: [["point", L_.station, t("stations")]],
    cases: L_.caseLegend(),
  }), { grid: outline, buildings: buildingLayer, streets: streetLayer, courier_zones: zoneLayer, stations: stationLayer,
        cases: caseLayer });
  labels.place();
  document.body.dataset.ready = "true";
})();
