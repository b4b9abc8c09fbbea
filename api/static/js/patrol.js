// 今日巡查: today's route of each worker, on the map and as a list of streets; printable.
(async function () {
  const slug = document.body.dataset.jurisdiction;
  const names = document.body.dataset.workers.split(",").map((s) => s.trim()).filter(Boolean);
  gridmapHeader(slug, "patrol_page");
  document.getElementById("print").textContent = t("print");
  document.getElementById("print").onclick = () => window.print();

  const today = new Date().toISOString().slice(0, 10);
  const sched = await (await fetch(`/patrol/${encodeURIComponent(slug)}/schedule?from=${today}&days=1`
    + `&workers=${encodeURIComponent(names.join(","))}`)).json();
  const day = sched.days[0];
  document.getElementById("date").textContent = `${day.date}` + (day.workday ? "" : ` (${t("none_yet")})`);
  const routeOf = {};
  for (const p of day.patrols) routeOf[p.worker] = p.route;
  const fc = await (await fetch(`/patrol/${encodeURIComponent(slug)}/route?workers=${names.length}&format=geojson`)).json();

  const map = L.map("map");
  window.gridmapMap = map;
  L.control.scale({ imperial: false }).addTo(map);
  const streets = await gridmapLayers.items("street_edge", slug);
  gridmapLayers.geojson("street_edge", streets, slug).addTo(map);
  const routes = gridmapLayers.patrol(fc).addTo(map);
  map.fitBounds(routes.getBounds(), { padding: [20, 20] });
  L.geoJSON(fc, { filter: (f) => f.properties.kind === "start",
                  pointToLayer: (f, ll) => L.marker(ll, { title: "start" }) }).addTo(map);

  const lists = document.getElementById("lists");
  names.forEach((name, i) => {
    const route = routeOf[name] || i + 1;
    const legs = fc.features.filter((f) => f.geometry.type === "LineString" && f.properties.worker === route);
    const rows = [];
    for (const leg of legs) {
      const street = leg.properties.name || "—";
      if (rows.length && rows[rows.length - 1][0] === street) rows[rows.length - 1][1] += leg.properties.length_m;
      else rows.push([street, leg.properties.length_m]);
    }
    const total = legs.reduce((s, f) => s + f.properties.length_m, 0);
    lists.appendChild(el("div", { className: "worker" },
      el("h3", {}, `${t("worker")}: ${name} · ${t("route")} ${route}`),
      el("div", {}, `${Math.round(total)} ${t("metres")}, ${Math.round(total / 75)} ${t("minutes")}`),
      el("ol", {}, rows.map(([s, m]) => el("li", {}, `${s} ${Math.round(m)} ${t("metres")}`)))));
  });
  document.body.dataset.ready = "true";
})();
