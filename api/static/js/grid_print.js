// 网格责任图: the grid, its buildings, stations and streets, named on the map; code, leader,
// workers and contact, legend (areas as boxes, lines as lines, points as points), scale, north,
// and the date printed in the jurisdiction's time zone. Sets body[data-ready] when drawn, fonts
// loaded and painted: the print browser prints then.
(async function () {
  const slug = document.body.dataset.jurisdiction;
  const code = document.body.dataset.code;
  const lang = gridmapLang();
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.dataset.i18n); });
  document.title = `${t("responsibility_map")} ${code}`;
  const colon = lang === "en" ? ": " : "：";
  const layerStyles = gridmapLayers.styles || {};
  const look = {
    grid: { ...(layerStyles.grid || { color: "#d6604d" }), weight: 4, fillOpacity: 0.04 },
    building: layerStyles.building || { color: "#333", weight: 1, fillColor: "#bbb", fillOpacity: 0.7 },
    street: layerStyles.street_edge || { color: "#777", weight: 3 },
    station: gridmapLayers.station || { radius: 6, color: "#762a83", fillColor: "#762a83", fillOpacity: 0.9 },
  };

  const zoneP = gridmapDates.zone();
  const base = `/jurisdictions/${encodeURIComponent(slug)}/grids/${encodeURIComponent(code)}`;
  const g = await (await fetch(`${base}/summary`)).json();
  document.getElementById("code").textContent = `${g.code} ${g.name || ""}`;

  // Who answers for the grid.
  const workers = [...(g.workers || [])].sort(gridmapLabels.byName);
  document.getElementById("who").replaceChildren(
    el("div", {}, `${t("leader")}${colon}${g.leader || "—"}`),
    el("div", {}, `${t("contact")}${colon}${t("community_office").replace("{name}", g.jurisdiction_name || slug)}`));
  const people = (n) => document.getElementById("people").replaceChildren(
    el("div", {}, el("strong", {}, `${t("leader")}${colon}`), g.leader || "—"),
    el("div", {}, el("strong", {}, `${t("workers")}${colon}`),
       workers.length ? workers.slice(0, n).map((w) => `${w.name}（${t(w.role)}）`).join(lang === "en" ? ", " : "、") : "—"),
    n < workers.length ? el("div", {}, t("more_people").replace("{n}", String(workers.length - n))) : "");
  people(workers.length);
  document.getElementById("numbers").replaceChildren(el("table", {}, gridmapLayers.rows([
    ["households", g.households], ["residents", g.residents], ["buildings", g.buildings],
    ["stations_n", g.stations], ["area", `${(g.area_m2 / 10000).toFixed(2)} ha`]])));
  document.getElementById("legend").replaceChildren(...[
    ["area", look.grid, "grids"], ["area", look.building, "buildings"], ["line", look.street, "streets"],
    ["point", look.station, "stations"],
  ].map(([kind, style, key]) => el("tr", { dataset: { kind } }, el("td", {}, gridmapLegend.swatch(kind, style)), el("td", {}, t(key)))));
  const zone = await zoneP;
  document.getElementById("stamp").textContent = `${t("printed")} ${gridmapDates.stamp(zone)} · gridmap`;

  // The map last, once the header and footer around it have their size: it fits the grid in what is left.
  const map = L.map("map", { zoomControl: false, attributionControl: false, zoomSnap: 0.1, fadeAnimation: false,
                             zoomAnimation: false, markerZoomAnimation: false });
  window.gridmapMap = map;
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  const outline = L.geoJSON(g.geometry, { style: look.grid, interactive: false });
  map.fitBounds(outline.getBounds(), { padding: [24, 24] });
  // What the page shows: the features in view, and around it (the list under the map may leave
  // the map less room, and the grid, fitted again, more ground round it).
  const v = map.getBounds().pad(0.5);
  const bbox = [v.getWest(), v.getSouth(), v.getEast(), v.getNorth()].map((x) => x.toFixed(7)).join(",");
  const items = (layer) => fetch(`/collections/${layer}/items?jurisdiction=${encodeURIComponent(slug)}&bbox=${bbox}`
    + "&limit=10000").then((r) => r.json());
  const [streets, buildings, stations] = await Promise.all([items("street_edge"), items("building"), items("post_station")]);
  const mine = { type: "FeatureCollection", features: buildings.features.filter((f) => f.properties.grid_id === g.id) };

  L.geoJSON(streets, { style: look.street, interactive: false }).addTo(map);
  L.geoJSON(mine, { style: look.building, interactive: false }).addTo(map);
  outline.addTo(map);
  L.geoJSON(stations, { pointToLayer: (f, ll) => L.circleMarker(ll, { ...look.station, interactive: false }) }).addTo(map);
  const drawnCases = [];
  // With ?cases=open: the grid's open cases on the map (by urgency, overdue ringed, numbered) and listed.
  if (document.body.dataset.cases === "open") {
    const r = await fetch(`/cases/${encodeURIComponent(slug)}?grid=${encodeURIComponent(code)}&open=true&limit=500`);
    // oldest first, as the monthly report numbers them; each by its own number too (#421), to be
    // found in the system from the paper
    const open = r.ok ? (await r.json()).cases.sort((a, b) => a.reported_at.localeCompare(b.reported_at)) : [];
    drawnCases.push(...gridmapLayers.numberedCases(map, open, (c) => open.indexOf(c) + 1));
    document.getElementById("legend").append(...gridmapLayers.caseLegend().map(([kind, style, label]) =>
      el("tr", { dataset: { kind: "case" } }, el("td", {}, gridmapLegend.swatch(kind, style)), el("td", {}, label))));
    const shown = open.slice(0, 8);
    document.getElementById("open-cases").replaceChildren(
      el("strong", {}, `${t("open_cases_print")}${colon}${open.length}`),
      ...shown.map((c, k) => el("div", { dataset: { case: String(c.id) } },
        `${k + 1}. #${c.id} ${gridmapLayers.categoryName(c)} · ${t(`state_${c.state}`)}${c.overdue ? ` · ${t("overdue")}` : ""}`)),
      open.length > shown.length ? el("div", {}, t("more_cases").replace("{n}", String(open.length - shown.length))) : "");
  }

  const refit = () => {
    map.invalidateSize({ animate: false });
    map.fitBounds(outline.getBounds(), { padding: [24, 24], animate: false });
  };
  // A list of workers too long for the sheet (sixty volunteers of a grid) ran past its foot, off
  // the paper: as many as fit, and how many more (the map keeps its 40% whatever the lists), the
  // grid fitted again into the room left.
  await document.fonts.ready;
  const spills = () => document.body.scrollHeight > document.body.clientHeight;
  if (spills()) {
    let [fits, over] = [0, workers.length];
    while (over - fits > 1) {
      const n = Math.floor((fits + over) / 2);
      people(n);
      [fits, over] = spills() ? [fits, n] : [n, over];
    }
    people(fits);
  }
  refit();

  // Names on the map: the grid's buildings first, then the streets, then the stations; none on a case.
  // A building's name with its households, else its number (3号楼) with them, else its number alone;
  // one that finds no room in any form is listed under the map, so that the sheet names every
  // building of the grid.
  const names = gridmapNames.create(map, { obstacles: () => drawnCases.map((m) => m.getElement()) });
  const households = (p) => t("hh").replace("{n}", p.households);
  const withHouseholds = (words, p) => (p.households ? `${words} · ${households(p)}` : words);
  // a number names one building only where no other of the grid has it (1号楼 of two compounds)
  const numbers = {};
  for (const f of mine.features) {
    const b = gridmapLabels.briefName(f.properties.name);
    numbers[b] = (numbers[b] || 0) + 1;
  }
  const brief = (p) => { const b = gridmapLabels.briefName(p.name); return numbers[b] === 1 && b !== p.name ? b : null; };
  names.polygons(mine, (p) => p.name && [withHouseholds(p.name, p),
                                         ...(brief(p) ? [withHouseholds(brief(p), p), brief(p)] : [])], "building");
  names.streets(streets);
  names.points(stations, (p) => p.name, "station");
  names.place();

  await document.fonts.ready;
  // Placed again with the fonts' own sizes, and again while the list under the map changes the
  // map's height: four rounds at most. A fourth that still changes the list holds the map at the
  // size it has, and lists exactly what that round left unnamed (the list of the round before,
  // with the grid fitted again after it, could miss a building left unnamed by the last placing).
  const unnamed = document.getElementById("unnamed");
  let listed = "";
  for (let round = 1; ; round++) {
    names.place();
    const text = names.left().map((f) => (f.properties.households
      ? `${f.properties.name}（${households(f.properties)}）` : f.properties.name)).join(lang === "en" ? ", " : "、");
    if (text === listed) break;
    listed = text;
    if (round === 4) map.getContainer().style.flex = `0 0 ${map.getContainer().offsetHeight}px`;
    unnamed.replaceChildren(...(text ? [el("strong", {}, `${t("unnamed_buildings")}${colon}`), text] : []));
    unnamed.hidden = !text;
    if (round === 4) break;
    refit();
  }
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  document.body.dataset.ready = "true";
})();
