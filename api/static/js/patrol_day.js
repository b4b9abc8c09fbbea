// 巡查记录: what each worker did on a day (走动式工作法: walk, find, report, settle), for the leader.
// On the map each worker's walks in the worker's colour (one faster than a walk dashed red), where
// she checked in (yellow squares) and the cases she reported or handled; beside it, each worker's
// day in order: how far and when, each check-in with its note, each case. A walker who recorded
// nothing is listed too. Every value from the data is set as text.
(async function () {
  const slug = document.body.dataset.jurisdiction;
  const lang = gridmapHeader(slug, "patrol_day_page");
  const L_ = gridmapLayers;
  const colon = lang === "en" ? ": " : "：";
  const zone = await gridmapDates.zone();
  const dayInput = document.getElementById("day");
  const asked = document.body.dataset.day;
  dayInput.value = asked;
  dayInput.setAttribute("aria-label", t("which_day"));
  dayInput.max = gridmapDates.day(zone);
  const go = (iso) => {
    const q = new URLSearchParams(location.search);
    q.set("day", iso);
    if (slug) q.set("jurisdiction", slug);
    location.search = q.toString();
  };
  const shift = (days) => {
    const d = new Date(`${dayInput.value}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + days);
    go(d.toISOString().slice(0, 10));
  };
  document.getElementById("prev-day").textContent = `◀ ${t("day_before")}`;
  document.getElementById("next-day").textContent = `${t("day_after")} ▶`;
  document.getElementById("prev-day").onclick = () => shift(-1);
  document.getElementById("next-day").onclick = () => shift(1);
  document.getElementById("next-day").disabled = asked >= dayInput.max;
  dayInput.onchange = () => { if (dayInput.value) go(dayInput.value); };

  const got = await fetch(`/patrol/${encodeURIComponent(slug)}/day?day=${asked}`);
  const answer = await got.json().catch(() => ({}));
  if (!got.ok) {  // why, in words (a 404 or 503 showed an empty page that never got ready)
    document.getElementById("summary").textContent = answer.detail || `${got.status}`;
    document.body.dataset.ready = "true";
    return;
  }
  const [streets, boundary] = await Promise.all([L_.items("street_edge", slug), L_.items("jurisdiction", slug)]);
  const time = (iso) => (iso ? gridmapDates.stamp(zone, new Date(iso)).slice(11) : "—");
  const km = (m) => (m / 1000).toFixed(1);

  const map = L.map("map", { zoomSnap: 0.25 });
  window.gridmapMap = map;
  L.control.scale({ imperial: false }).addTo(map);
  const outline = L_.geojson("jurisdiction", boundary, slug).addTo(map);
  L_.geojson("street_edge", streets, slug).addTo(map);
  map.fitBounds(outline.getBounds(), { padding: [16, 16] });

  // walks, check-ins and cases, each a layer the shared legend names (legend.js)
  const walksLayer = L.featureGroup().addTo(map), visitsLayer = L.featureGroup().addTo(map);
  const casesLayer = L.featureGroup().addTo(map);
  const FAST = { color: "#b00020", weight: 5, opacity: 0.85, dashArray: "8 6" };
  const VISIT = { color: "#111", weight: 2, fillColor: "#ffd92f", fillOpacity: 1 };
  const workers = answer.workers || [];
  workers.forEach((d, i) => {
    d.style = { color: L_.routeColours[i % L_.routeColours.length], weight: 5, opacity: 0.85 };
    for (const w of d.walks) {
      const line = L.geoJSON(w.geometry, { style: w.too_fast ? FAST : d.style });
      line.bindTooltip(el("span", {}, `${d.worker} · ${time(w.started_at)}–${time(w.ended_at)}`, el("br"),
        `${km(w.length_m)} ${t("km")}${w.pace_kmh !== null ? ` · ${w.pace_kmh} ${t("kmh")}` : ""}`,
        ...(w.too_fast ? [el("br"), t("too_fast")] : [])), { sticky: true });
      line.addTo(walksLayer);
    }
    for (const v of d.visits) {
      L.marker([v.lat, v.lon], { icon: L.divIcon({ className: "visit-mark", iconSize: [12, 12] }), keyboard: false })
        .bindTooltip(el("span", {}, `${time(v.at)} ${d.worker}`, el("br"),
          `${v.building || `#${v.building_id}`} · ${t(v.kind === "big" ? "visit_big" : "visit_small")}`,
          ...(v.note ? [el("br"), v.note] : [])), { direction: "top" })
        .addTo(visitsLayer);
    }
    L_.cases([...d.reported, ...d.handled]).addTo(casesLayer);
  });
  const drawn = L.featureGroup([walksLayer, visitsLayer, casesLayer]);
  if (drawn.getLayers().some((g) => g.getLayers().length)) {
    map.fitBounds(drawn.getBounds().extend(outline.getBounds()), { padding: [16, 16] });
  }
  const legend = gridmapLegend.create(map, () => ({
    walks: [...workers.filter((d) => d.walks.length).map((d) => ["line", d.style, d.worker]),
            ...(workers.some((d) => d.walks.some((w) => w.too_fast)) ? [["line", FAST, t("too_fast")]] : [])],
    visits: [["area", VISIT, t("checkins")]],
    cases: L_.caseLegend(),
  }), { walks: walksLayer, visits: visitsLayer, cases: casesLayer });
  const mapNames = gridmapNames.create(map, { obstacles: () => [legend.getContainer()] });
  mapNames.streets(streets);
  mapNames.place();
  map.on("zoomend moveend resize", () => mapNames.place());

  const walked = workers.filter((d) => !d.nothing).length;
  document.getElementById("summary").textContent =
    `${gridmapDates.longDay(answer.day, lang)}${colon}${tf("workers_recorded", { n: walked, of: workers.length })}`;
  const lists = document.getElementById("lists");
  for (const d of workers) {
    const fast = d.walks.filter((w) => w.too_fast);
    const caseRow = (c) => el("li", {}, `${time(c.at)} `, el("a", { href: L_.caseLink(c) }, `#${c.id}`),
      ` ${L_.categoryName(c)} · ${t(`state_${c.state}`)}${colon}${c.description}`);
    const section = (title, rows) => (rows.length
      ? [el("h4", {}, lang === "en" ? `${title} (${rows.length})` : `${title}（${rows.length}）`), el("ul", {}, rows)] : []);
    lists.append(el("div", { className: `worker${d.nothing ? " nothing" : ""}`, dataset: { worker: d.worker } },
      el("h3", {}, gridmapLegend.swatch("line", d.style), d.worker),
      d.nothing ? el("div", { className: "none" }, t("nothing_recorded"))
        : el("div", { className: "total" }, tf("day_total", { km: km(d.walked_m), n: d.walks.length,
                                                              from: time(d.first), to: time(d.last) })),
      ...fast.map((w) => el("div", { className: "flag" },
        tf("too_fast_walk", { km: km(w.length_m), from: time(w.started_at), to: time(w.ended_at), kmh: w.pace_kmh }))),
      ...section(t("checkins"), d.visits.map((v) => el("li", {},
        `${time(v.at)} ${v.building || `#${v.building_id}`} · ${t(v.kind === "big" ? "visit_big" : "visit_small")}`,
        ...(v.note ? [el("div", { className: "note" }, v.note)] : [])))),
      ...section(t("cases_reported"), d.reported.map(caseRow)),
      ...section(t("cases_handled"), d.handled.map(caseRow))));
  }
  document.body.dataset.ready = "true";
})();
