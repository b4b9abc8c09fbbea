// 一张图: one map of a community, every layer ours, served by this service (no outside host).
(async function () {
  const slug = document.body.dataset.jurisdiction;
  gridmapHeader(slug, "title");
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
  // Every layer is asked for at once; they are added in drawing order as they arrive.
  const large = gridmapLayers.crs === "" && (await gridmapLayers.count("building", slug)) > config.tiles_above;
  document.body.dataset.tiles = large ? "vector" : "geojson";
  const fetchItems = (layer) => gridmapLayers.items(layer, slug);
  const plan = [
    ["boundary", fetchItems("jurisdiction"), (fc) => gridmapLayers.geojson("jurisdiction", fc, slug)],
    ["compounds", fetchItems("compound"), (fc) => gridmapLayers.geojson("compound", fc, slug)],
    ["streets", large ? gridmapLayers.vectorTiles("street_edge", slug) : fetchItems("street_edge"),
     (x) => (large ? x : gridmapLayers.geojson("street_edge", x, slug))],
    ["buildings", large ? gridmapLayers.vectorTiles("building", slug) : fetchItems("building"),
     (x) => (large ? x : gridmapLayers.geojson("building", x, slug))],
    ["courier_zones", fetchItems("courier_zone"), (fc) => gridmapLayers.geojson("courier_zone", fc, slug)],
    ["stations", fetchItems("post_station"), (fc) => gridmapLayers.stations(fc)],
    ["grids", fetchItems("grid"), (fc) => gridmapLayers.geojson("grid", fc, slug)],
  ];
  for (const [key, pending, build] of plan) {
    try {
      const layer = build(await pending);
      overlays[key] = layer;
      control.addOverlay(layer, t(key));
      layer.addTo(map);
      if (key === "boundary") map.fitBounds(layer.getBounds());
    } catch (e) {
      console.warn(`${key}: ${e.message}`);
    }
  }
  // Patrol routes and coverage are computed on demand: fetched when first switched on.
  function lazy(key, url, build) {
    const group = L.layerGroup();
    let loaded = false;
    group.on("add", async () => {
      if (loaded) return;
      loaded = true;
      const r = await fetch(url);
      if (!r.ok) { group.message = (await r.json()).detail; console.warn(`${key}: ${group.message}`); return; }
      build(await r.json()).addTo(group);
      document.body.dataset[key] = "loaded";
    });
    control.addOverlay(group, t(key));
    overlays[key] = group;
  }
  lazy("patrol", `/patrol/${encodeURIComponent(slug)}/route?workers=2&format=geojson${gridmapLayers.crs}`,
       gridmapLayers.patrol);
  lazy("coverage", `/coverage/${encodeURIComponent(slug)}?facility=any&format=geojson${gridmapLayers.crs}`,
       gridmapLayers.coverage);
  document.body.dataset.readyMs = String(Math.round(performance.now()));  // from navigation start
  document.body.dataset.ready = "true";
})();
