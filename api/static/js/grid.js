// A grid's page: its map and its numbers.
(async function () {
  const slug = document.body.dataset.jurisdiction;
  const code = document.body.dataset.code;
  gridmapHeader(slug);

  const r = await fetch(`/jurisdictions/${encodeURIComponent(slug)}/grids/${encodeURIComponent(code)}/summary`);
  if (!r.ok) {
    document.getElementById("title").textContent = `${t("error")}: ${(await r.json()).detail}`;
    return;
  }
  const g = await r.json();
  document.title = `${t("grid_page")} ${g.code}`;
  document.getElementById("title").textContent = `${t("grid_page")} ${g.code} ${g.name || ""}`;
  const share = g.patrol_coverage.share;
  document.getElementById("numbers").replaceChildren(...gridmapLayers.rows([
    ["code", g.code], ["name", g.name], ["leader", g.leader], ["households", g.households],
    ["residents", g.residents], ["buildings", g.buildings], ["stations_n", g.stations],
    ["courier_zones", g.courier_zones], ["area", `${(g.area_m2 / 10000).toFixed(2)} ha`],
    ["patrol_coverage", share === null ? t("none_yet") : `${Math.round(share * 100)}%`],
  ]));
  const list = document.getElementById("workers");
  for (const w of g.workers) {
    const li = document.createElement("li"); li.textContent = `${w.name} (${w.role})`; list.appendChild(li);
  }
  if (!g.workers.length) list.append(el("li", {}, t("none_yet")));

  const map = L.map("map");
  window.gridmapMap = map;
  L.control.scale({ imperial: false }).addTo(map);
  const outline = L.geoJSON(g.geometry, { style: { color: "#d6604d", weight: 3, fillOpacity: 0.05 } }).addTo(map);
  map.fitBounds(outline.getBounds(), { padding: [20, 20] });
  const buildings = await gridmapLayers.items("building", slug);
  const mine = { type: "FeatureCollection", features: buildings.features.filter((f) => f.properties.grid_id === g.id) };
  gridmapLayers.geojson("building", mine, slug).addTo(map);
  const streets = await gridmapLayers.items("street_edge", slug);
  gridmapLayers.geojson("street_edge", streets, slug).addTo(map);
  document.body.dataset.ready = "true";
})();
