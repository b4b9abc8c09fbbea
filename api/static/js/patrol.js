// 今日巡查: today's route of each worker, on the map (in the worker's colour, with arrows in the
// walking direction), the buildings to visit today, and the streets in order; printable.
// "Today" is the date in the jurisdiction's time zone (/config), and minutes are the service's
// own, at its configured walking speed.
(async function () {
  const slug = document.body.dataset.jurisdiction;
  const names = document.body.dataset.workers.split(",").map((s) => s.trim()).filter(Boolean);
  const lang = gridmapHeader(slug, "patrol_page");
  document.getElementById("print").textContent = t("print");
  document.getElementById("print").onclick = () => window.print();
  const base = `/patrol/${encodeURIComponent(slug)}`;
  const colon = lang === "en" ? ": " : "：";
  // A legend key: a line in a route's colour, the start, a building to visit.
  const swatch = (kind, colour, text) => {
    const node = el("span", { className: `swatch ${kind}` }, text);
    if (colour) node.style.borderColor = colour;
    return node;
  };

  const streetsP = gridmapLayers.items("street_edge", slug);
  const zone = await gridmapDates.zone();
  const today = gridmapDates.day(zone);
  document.body.dataset.date = today;
  // The day's schedule and its routes, numbered alike (each grid's own where the community
  // patrols by grid).
  const asked = `${base}/schedule?from=${today}&days=1&workers=${encodeURIComponent(names.join(","))}`;
  const fcP = fetch(`${asked}&format=geojson`).then((r) => r.json());
  const sched = await (await fetch(asked)).json();
  const day = sched.days[0];
  document.getElementById("date").replaceChildren(el("strong", {}, gridmapDates.longDay(day.date, lang)),
    ...(day.workday ? [] : [el("div", { className: "rest" }, t("rest_day"))]));
  document.getElementById("stamp").textContent = `${t("printed")} ${gridmapDates.stamp(zone)} (${zone}) · gridmap`;
  const routeOf = {};
  for (const p of day.patrols) routeOf[p.worker] = p.route;
  const fc = await fcP;

  const map = L.map("map", { zoomSnap: 0.25 });
  window.gridmapMap = map;
  L.control.scale({ imperial: false }).addTo(map);
  const streets = await streetsP;
  gridmapLayers.geojson("street_edge", streets, slug).addTo(map);
  const routes = gridmapLayers.patrol(fc).addTo(map);
  map.fitBounds(routes.getBounds(), { padding: [20, 20] });
  // On paper the map is smaller than on screen: fit the routes to it, and back after.
  const refit = () => { map.invalidateSize({ animate: false }); map.fitBounds(routes.getBounds(), { padding: [12, 12], animate: false }); };
  window.addEventListener("beforeprint", refit);
  window.addEventListener("afterprint", refit);

  // The colour each route is drawn in (whatever palette the layers use).
  const colourOf = {};
  routes.eachLayer((l) => { colourOf[l.feature.properties.worker] ??= l.options.color; });
  const legsOf = (route) => fc.features.filter((f) => f.geometry.type === "LineString" && f.properties.worker === route);

  // Arrows along each route in its walking direction (the one map's, in each route's colour).
  gridmapLayers.arrows(map, fc, colourOf).addTo(map);

  const start = fc.features.find((f) => f.properties.kind === "start");
  let startMarker = null;
  if (start) {
    const [lon, lat] = start.geometry.coordinates;
    startMarker = L.marker([lat, lon], { title: t("start"), alt: t("start") }).addTo(map)
      .bindTooltip(lines(t("start")), { direction: "top", offset: [0, -30] });
  }

  // Today's building visits (the schedule names them): outlined on the map and listed per worker.
  const visitStyle = { color: "#111", weight: 3, fillColor: "#ffd92f", fillOpacity: 0.85 };
  const visits = await Promise.all(day.visits.map(async (v) => {
    const r = await fetch(`/collections/building/items/${encodeURIComponent(v.building_id)}`);
    return { ...v, feature: r.ok ? await r.json() : null };
  }));
  const toVisit = { type: "FeatureCollection", features: visits.filter((v) => v.feature && v.feature.geometry)
    .map((v) => ({ ...v.feature, properties: { name: v.name || `#${v.building_id}` } })) };
  L.geoJSON(toVisit, { style: () => visitStyle, interactive: false }).addTo(map);


  // The legend: each worker's colour and route, the direction arrows, the start, the visits.
  const legend = L.control({ position: "topright" });
  legend.onAdd = () => {
    const rows = names.map((name, i) => {
      const route = routeOf[name] || i + 1;
      return el("li", { dataset: { worker: name } },
        swatch("line", colourOf[route]), `${name} · ${t("route")} ${route}`);
    });
    rows.push(el("li", {}, swatch("arrow", null, "►"), t("walk_direction")));
    if (start) {
      rows.push(el("li", {}, el("span", { className: "swatch start" },
        el("img", { src: "/static/vendor/leaflet/images/marker-icon.png", alt: "" })), t("start")));
    }
    if (visits.length) rows.push(el("li", {}, swatch("visit"), t("visits_today")));
    const box = el("div", { className: "legend patrol-legend" }, el("strong", {}, t("legend")), el("ul", {}, rows));
    L.DomEvent.disableClickPropagation(box);
    return box;
  };
  legend.addTo(map);

  // Names on the map: today's buildings first, then the streets, none on top of another nor
  // under the legend or the start.
  const mapNames = gridmapNames.create(map, { obstacles: () => [legend.getContainer(),
    startMarker && startMarker.getElement()] });
  mapNames.polygons(toVisit, (p) => p.name, "visit");
  mapNames.streets(streets);
  mapNames.place();
  map.on("zoomend moveend resize", () => mapNames.place());

  const lists = document.getElementById("lists");
  names.forEach((name, i) => {
    const route = routeOf[name] || i + 1;
    const legs = legsOf(route);
    const rows = [];
    for (const leg of legs) {
      const street = leg.properties.name || "—";
      if (rows.length && rows[rows.length - 1][0] === street) rows[rows.length - 1][1] += leg.properties.length_m;
      else rows.push([street, leg.properties.length_m]);
    }
    const metres = legs.reduce((s, f) => s + f.properties.length_m, 0);
    const minutes = legs.reduce((s, f) => s + f.properties.minutes, 0);
    const mine = visits.filter((v) => v.worker === name);
    const total = t("walk_total").replace("{m}", Math.round(metres)).replace("{min}", Math.round(minutes));
    lists.appendChild(el("div", { className: "worker", dataset: { worker: name, route: String(route) } },
      el("h3", {}, swatch("line", colourOf[route]), `${t("worker")}${colon}${name} · ${t("route")} ${route}`),
      el("div", { className: "total", dataset: { minutes: String(Math.round(minutes)) } }, total),
      el("h4", {}, t("visits_today")),
      mine.length
        ? el("ul", { className: "visits" }, mine.map((v) => el("li", {},
            `${v.start.slice(11, 16)} ${v.name || `#${v.building_id}`} (${t(v.kind === "big" ? "visit_big" : "visit_small")})`)))
        : el("div", { className: "none" }, t("no_visits")),
      el("h4", {}, t("streets_in_order")),
      el("ol", {}, rows.map(([s, m]) => el("li", {}, `${s} ${Math.round(m)} ${t("metres")}`)))));
  });
  document.body.dataset.ready = "true";
})();
