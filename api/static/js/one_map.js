// 一张图: one map of a community, every layer ours, served by this service (no outside host);
// every grid, compound and street labelled, a legend of what is shown.
(async function () {
  const slug = document.body.dataset.jurisdiction;
  gridmapHeader(slug, "title");
  const L_ = gridmapLayers;
  const select = document.getElementById("jurisdiction");
  const all = await L_.items("jurisdiction", "").catch(() => null);
  for (const f of all ? all.features : []) {
    const o = el("option", { value: f.properties.jurisdiction }, f.properties.name);
    if (f.properties.jurisdiction === slug) o.selected = true;
    select.appendChild(o);
  }
  select.onchange = () => {
    const u = new URL(location.href); u.searchParams.set("jurisdiction", select.value); location.href = u.pathname + u.search;
  };

  const [config, me] = await Promise.all([fetch("/config").then((r) => r.json()), gridmapMe()]);
  const may = new Set((me && me.may) || []);
  const baseSelect = document.getElementById("basemap");
  for (const b of config.basemaps) {
    const o = el("option", { value: b }, t(b));
    if (b === L_.basemap) o.selected = true;
    baseSelect.appendChild(o);
  }
  baseSelect.onchange = () => {
    const u = new URL(location.href); u.searchParams.set("basemap", baseSelect.value); location.href = u.pathname + u.search;
  };

  const phone = window.matchMedia("(max-width: 700px)").matches;
  const mine = me && me.role === "worker" ? me.grid : null;  // a grid worker's own grid
  const map = L.map("map", { zoomControl: true });
  L_.panes(map);
  const base = L_.tiles(config);
  if (base) base.addTo(map);
  window.gridmapMap = map;
  L.control.scale({ imperial: false }).addTo(map);
  const control = L.control.layers({}, {}, { collapsed: phone }).addTo(map);
  const overlays = {};
  // a phone shows the whole community further out: its compounds and streets are named from there
  const labels = gridmapLabels.create(map, matchMedia("(max-width: 600px)").matches ? { compound: 15, street: 15 } : {});
  let routes = [];  // [route number, who walks it (a schedule's), or null]
  const legend = gridmapLegend.create(map, () => ({
    ...L_.baseLegend(),
    patrol: routes.map(([k, walker]) => ["line", { color: L_.routeColour(k), weight: 5 },
                                         walker ? `${t("route")} ${k} · ${walker}` : `${t("route")} ${k}`]),
    coverage: Object.entries(L_.coverageColours).map(([m, c]) => ["area", { color: c, fillColor: c, fillOpacity: 0.3 },
                                                                   `${t("service_area")} ≤ ${m} ${t("metres")}`]),
    cases: L_.caseLegend(),
    hotspots: L_.heatLegend(),
  }), overlays);

  // Every layer is asked for at once; they are added as they arrive, each in its own pane.
  const large = await L_.large(slug, config);
  document.body.dataset.tiles = large ? "vector" : "geojson";
  const fetchItems = (layer) => L_.items(layer, slug);
  const withLabels = (layer, group) => L.layerGroup([layer, group]);
  const plan = [
    ["boundary", fetchItems("jurisdiction"), (fc) => L_.geojson("jurisdiction", fc, slug)],
    ["compounds", fetchItems("compound"), (fc) => {
      const layer = L_.geojson("compound", fc, slug);
      labels.polygons("compound", layer, (p) => p.name);
      return withLabels(layer, labels.groups.compound);
    }],
    ["streets", large ? L_.vectorTiles("street_edge", slug) : fetchItems("street_edge"), (x) => {
      if (large) return x;
      const layer = L_.geojson("street_edge", x, slug);
      labels.streets(layer);
      return withLabels(layer, labels.groups.street);
    }],
    ["buildings", large ? L_.vectorTiles("building", slug) : fetchItems("building"), (x) => {
      if (large) return x;
      const layer = L_.geojson("building", x, slug);
      // a building with households says how many; a hotel or a mall (0) its name alone
      labels.polygons("building", layer, (p) => (p.name ? (p.households ? `${p.name} ${p.households}${t("households_unit")}` : p.name) : ""));
      return withLabels(layer, labels.groups.building);
    }],
    ["courier_zones", fetchItems("courier_zone"), (fc) => L_.geojson("courier_zone", fc, slug)],
    ["stations", fetchItems("post_station"), (fc) => L_.stations(fc)],
    ["grids", fetchItems("grid"), (fc) => {
      const layer = L_.geojson("grid", fc, slug);
      labels.grids(layer);
      return withLabels(layer, labels.groups.grid);
    }],
  ];
  for (const [key, pending, build] of plan) {
    try {
      const layer = build(await pending);
      overlays[key] = layer;
      control.addOverlay(layer, t(key));
      layer.addTo(map);
      if (key === "boundary") map.fitBounds(layer.getBounds());
      if (key === "grids" && mine) {  // a grid worker's map opens on their grid
        layer.eachLayer((l) => { if (l.getLayers) l.eachLayer((g) => { if (g.gridCode === mine) map.fitBounds(g.getBounds(), { animate: false }); }); });
      }
    } catch (e) {
      console.warn(`${key}: ${e.message}`);
    }
  }
  // Patrol routes and coverage are computed on demand: fetched when first switched on. A layer the
  // role may not see is not offered; one refused all the same says so in the legend.
  function lazy(key, url, build, loaded_) {
    const group = L.layerGroup();
    let loaded = false;
    group.on("add", async () => {
      if (loaded) return;
      loaded = true;
      const r = await fetch(typeof url === "function" ? await url() : url);
      if (!r.ok) {
        legend.note(`${t(key)}: ${r.status === 403 ? t("not_allowed_layer") : (await r.json()).detail}`);
        map.removeLayer(group);
        return;
      }
      const body = await r.json();
      build(body).addTo(group);
      if (loaded_) loaded_(body);
      legend.refresh();
      document.body.dataset[key] = "loaded";
    });
    control.addOverlay(group, t(key));
    overlays[key] = group;
  }
  // Routes with arrows in the walking direction.
  // A grid worker walks their grid's route alone; the community's are today's routes of its
  // walkers' schedule (those registered, as on their phones: the whole community shared, or each
  // grid's where it patrols by grid).
  const walkers = document.body.dataset.walkers;
  const patrol = `/patrol/${encodeURIComponent(slug)}`;
  lazy("patrol", async () => (mine ? `${patrol}/route?workers=1&format=geojson${L_.crs}`
    : `${patrol}/schedule?from=${gridmapDates.day(await gridmapDates.zone())}&days=1`
      + `&workers=${encodeURIComponent(walkers)}&format=geojson${L_.crs}`),
       (fc) => {
         const lines = L_.patrol(fc);
         if (mine) map.fitBounds(lines.getBounds(), { padding: [16, 16], animate: false });  // their route, whole
         return L.layerGroup([lines, L_.arrows(map, fc)]);
       },
       (fc) => {
         const walkerOf = new Map(fc.features.filter((f) => f.properties.worker)
           .map((f) => [f.properties.worker, f.properties.walker || null]));
         routes = [...walkerOf].sort((a, b) => a[0] - b[0]);
       });
  // The open cases the user sees (a worker: their grid's and their own; a department: its own).
  lazy("cases", `/cases/${encodeURIComponent(slug)}?open=true&limit=10000`, (body) => L_.cases(body.cases));
  if (may.has("read")) {
    lazy("coverage", `/coverage/${encodeURIComponent(slug)}?facility=any&format=geojson${L_.crs}`, L_.coverage);
  }
  if (may.has("read")) hotSpots();
  legend.refresh();
  labels.place();
  // Hot spots: the density of the cases of a category over a period (a kernel surface on cells,
  // GET /cases/{slug}/density), chosen in a panel shown while the layer is on. The period starts as
  // the twelve months up to the newest case.
  function hotSpots() {
    const api = `/cases/${encodeURIComponent(slug)}`;
    const group = L.layerGroup();
    const category = el("select", { id: "hot-category" }, el("option", { value: "" }, t("all")));
    const from = el("input", { id: "hot-from", type: "date" });
    const to = el("input", { id: "hot-to", type: "date" });
    const bandwidth = el("select", { id: "hot-bandwidth" },
                         ...[50, 100, 150, 250].map((m) => el("option", { value: String(m), selected: m === 100 }, String(m))));
    const status = el("div", { id: "hot-status" });
    const panel = L.control({ position: "topleft" });
    panel.onAdd = () => {
      const box = el("div", { className: "hot-panel leaflet-control", id: "hot-panel" },
                     el("strong", {}, t("hot_density")),
                     el("label", {}, `${t("category")} `, category), el("label", {}, `${t("from_day")} `, from),
                     el("label", {}, `${t("to_day")} `, to), el("label", {}, `${t("hot_bandwidth")} `, bandwidth), status);
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    let prepared = null;
    async function prepare() {
      const [cat, newest] = await Promise.all([fetch(`${api}/categories`).then((r) => r.json()),
                                               fetch(`${api}?limit=1`).then((r) => r.json())]);
      for (const c of cat.categories) {
        category.append(el("option", { value: c.code }, gridmapLang() === "en" ? c.name_en : c.name_zh));
      }
      const last = newest.cases.length ? new Date(newest.cases[0].reported_at) : new Date();
      const first = new Date(last.getFullYear(), last.getMonth() - 11, 1);
      const day = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
      from.value = day(first);
      to.value = day(last);
    }
    let asked = 0;
    async function draw() {
      if (!from.value || !to.value) return;
      const mine = ++asked;
      const q = new URLSearchParams({ from: from.value, to: to.value, bandwidth: bandwidth.value, cell: "10" });
      if (category.value) q.set("category", category.value);
      document.body.dataset.hotspots = "loading";
      const r = await fetch(`${api}/density?${q}`);
      if (mine !== asked) return;  // a newer choice is on its way
      group.clearLayers();
      const body = await r.json();
      if (!r.ok) {
        status.textContent = body.detail;
      } else {
        L_.heat(body).addTo(group);
        status.textContent = t("hot_cases_n").replace("{n}", String(body.cases)).replace("{max}", String(body.max_density));
      }
      legend.refresh();
      document.body.dataset.hotspots = "loaded";
    }
    for (const input of [category, from, to, bandwidth]) input.onchange = draw;
    group.on("add", async () => {
      panel.addTo(map);
      prepared = prepared || prepare();
      await prepared;
      draw();
    });
    group.on("remove", () => panel.remove());
    control.addOverlay(group, t("hotspots"));
    overlays.hotspots = group;
  }
  document.body.dataset.readyMs = String(Math.round(performance.now()));  // from navigation start
  document.body.dataset.ready = "true";
})();
