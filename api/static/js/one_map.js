// 一张图: one map of a community, every layer ours, served by this service (no outside host).
(async function () {
  const lang = gridmapLang();
  document.documentElement.lang = lang === "en" ? "en" : "zh";
  document.title = t("title");
  document.getElementById("title").textContent = t("title");
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  const langButton = document.getElementById("lang");
  langButton.textContent = t("language");
  langButton.onclick = () => { location.href = withLang(location.href, lang === "en" ? "zh" : "en"); };

  const slug = document.body.dataset.jurisdiction;
  const select = document.getElementById("jurisdiction");
  const all = await gridmapLayers.items("jurisdiction", "").catch(() => null);
  const juris = all ? all.features : [];
  for (const f of juris) {
    const o = document.createElement("option");
    o.value = f.properties.jurisdiction; o.textContent = f.properties.name;
    if (f.properties.jurisdiction === slug) o.selected = true;
    select.appendChild(o);
  }
  select.onchange = () => {
    const u = new URL(location.href); u.searchParams.set("jurisdiction", select.value); location.href = u.pathname + u.search;
  };

  const config = await (await fetch("/config")).json();
  const baseSelect = document.getElementById("basemap");
  for (const b of config.basemaps) {
    const o = document.createElement("option");
    o.value = b; o.textContent = t(b);
    if (b === gridmapLayers.basemap) o.selected = true;
    baseSelect.appendChild(o);
  }
  baseSelect.onchange = () => {
    const u = new URL(location.href); u.searchParams.set("basemap", baseSelect.value); location.href = u.pathname + u.search;
  };

  const map = L.map("map", { zoomControl: true, preferCanvas: false });
  const base = gridmapLayers.tiles(config);
  if (base) base.addTo(map);
  window.gridmapMap = map;
  L.control.scale({ imperial: false }).addTo(map);
  const control = L.control.layers({}, {}, { collapsed: false }).addTo(map);
  const overlays = {};
  async function add(key, build, on = true) {
    try {
      const layer = await build();
      overlays[key] = layer;
      control.addOverlay(layer, t(key));
      if (on) layer.addTo(map);
      return layer;
    } catch (e) {
      console.warn(`${key}: ${e.message}`);
    }
  }
  const boundary = await add("boundary", async () => gridmapLayers.geojson("jurisdiction", await gridmapLayers.items("jurisdiction", slug), slug));
  if (boundary) map.fitBounds(boundary.getBounds());
  await add("compounds", async () => gridmapLayers.geojson("compound", await gridmapLayers.items("compound", slug), slug));
  await add("streets", async () => gridmapLayers.geojson("street_edge", await gridmapLayers.items("street_edge", slug), slug));
  await add("buildings", async () => gridmapLayers.geojson("building", await gridmapLayers.items("building", slug), slug));
  await add("courier_zones", async () => gridmapLayers.geojson("courier_zone", await gridmapLayers.items("courier_zone", slug), slug));
  await add("stations", async () => gridmapLayers.stations(await gridmapLayers.items("post_station", slug)));
  const grids = await add("grids", async () => gridmapLayers.geojson("grid", await gridmapLayers.items("grid", slug), slug));
  if (grids) grids.bringToFront();
  await add("patrol", async () => {
    const r = await fetch(`/patrol/${encodeURIComponent(slug)}/route?workers=2&format=geojson${gridmapLayers.crs}`);
    if (!r.ok) throw new Error(`patrol: ${r.status}`);
    return gridmapLayers.patrol(await r.json());
  }, false);
  await add("coverage", async () => {
    const r = await fetch(`/coverage/${encodeURIComponent(slug)}?facility=any&format=geojson${gridmapLayers.crs}`);
    if (!r.ok) throw new Error(`coverage: ${r.status}`);
    return gridmapLayers.coverage(await r.json());
  }, false);
  document.body.dataset.ready = "true";
})();
