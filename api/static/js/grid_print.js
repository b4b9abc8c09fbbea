// 网格责任图: the grid, its buildings, stations and streets; code, leader, legend, scale, north.
(async function () {
  const slug = document.body.dataset.jurisdiction;
  const code = document.body.dataset.code;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  const r = await fetch(`/jurisdictions/${encodeURIComponent(slug)}/grids/${encodeURIComponent(code)}/summary`);
  const g = await r.json();
  document.getElementById("code").textContent = `${g.code} ${g.name || ""}`;
  document.getElementById("who").textContent = `${t("leader")}: ${g.leader || "—"}`;
  document.getElementById("numbers").replaceChildren(el("table", {}, gridmapLayers.rows([
    ["households", g.households], ["residents", g.residents], ["buildings", g.buildings],
    ["stations_n", g.stations], ["area", `${(g.area_m2 / 10000).toFixed(2)} ha`]])));
  document.getElementById("legend").replaceChildren(...[
    ["grids", "#d6604d"], ["buildings", "#333"], ["streets", "#777"], ["stations", "#762a83"],
  ].map(([k, c]) => {
    const swatch = el("span");
    swatch.style.borderColor = c;
    return el("tr", {}, el("td", {}, swatch), el("td", {}, t(k)));
  }));
  document.getElementById("stamp").textContent = `${t("printed")} ${new Date().toISOString().slice(0, 10)} · gridmap`;

  const map = L.map("map", { zoomControl: false, attributionControl: false, zoomSnap: 0.1 });
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  const outline = L.geoJSON(g.geometry, { style: { color: "#d6604d", weight: 4, fillOpacity: 0.04 } }).addTo(map);
  map.fitBounds(outline.getBounds(), { padding: [24, 24] });
  const [streets, buildings, stations] = await Promise.all([
    gridmapLayers.items("street_edge", slug), gridmapLayers.items("building", slug), gridmapLayers.items("post_station", slug)]);
  gridmapLayers.geojson("street_edge", streets, slug).addTo(map);
  gridmapLayers.geojson("building", { type: "FeatureCollection",
    features: buildings.features.filter((f) => f.properties.grid_id === g.id) }, slug).addTo(map);
  gridmapLayers.stations(stations).addTo(map);
  outline.bringToFront();
  document.body.dataset.ready = "true";
})();
