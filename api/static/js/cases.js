// Cases of a community: a list filtered by state, grid, category and overdue, the same cases on
// the map, and (for who may report) a form to report one at a point clicked on the map. Every
// value from data reaches the page as text (el(), lines()).
(async function () {
  const slug = document.body.dataset.jurisdiction;
  const lang = gridmapHeader(slug, "cases_page");
  const L_ = gridmapLayers;
  const q = new URLSearchParams(location.search);
  const api = `/cases/${encodeURIComponent(slug)}`;
  const map = L.map("map");
  window.gridmapMap = map;
  L.control.scale({ imperial: false }).addTo(map);
  const [me, catalogue, boundary, grids, tz] = await Promise.all([
    gridmapMe(), fetch(`${api}/categories`).then((r) => r.json()),
    L_.items("jurisdiction", slug), L_.items("grid", slug), gridmapDates.zone()]);
  const outline = L_.geojson("jurisdiction", boundary, slug).addTo(map);
  // grids drawn only (no popup to catch the tap that places a report), labelled
  const gridLayer = L.geoJSON(grids, { style: { ...L_.styles.grid, interactive: false }, pane: "gm-grid", interactive: false,
                                       onEachFeature: (f, l) => { l.gridCode = f.properties.code; } })
    .addTo(map);
  const labels = gridmapLabels.create(map);
  labels.grids(gridLayer);
  labels.groups.grid.addTo(map);
  map.fitBounds(outline.getBounds());
  // the streets, named, to tell where a case is by (drawn only: a tap places a report)
  L_.items("street_edge", slug).then((fc) => {
    overlays.streets = L.geoJSON(fc, { style: L_.styles.street_edge, pane: "gm-street", interactive: false }).addTo(map);
    labels.streets(overlays.streets);
    labels.groups.street.addTo(map);
    labels.place();
    legend.refresh();
    document.body.dataset.streets = "drawn";
  }).catch(() => {});
  // the buildings, named by number as the zoom allows (a case is often at one); drawn only. A
  // city's buildings are too many to draw here: the one map draws them as tiles.
  fetch("/config").then((r) => r.json()).then((config) => L_.large(slug, config)).then((large) => {
    if (large) return null;
    return L_.items("building", slug).then((fc) => {
      overlays.buildings = L.geoJSON(fc, { style: L_.styles.building, pane: "gm-building", interactive: false })
        .addTo(map);
      labels.polygons("building", overlays.buildings, (p) => p.name || "");
      labels.groups.building.addTo(map);
      labels.place();
      legend.refresh();
      document.body.dataset.buildings = "drawn";
    });
  }).catch(() => {});
  let caseLayer = L.featureGroup().addTo(map);
  const overlays = { boundary: outline, grids: gridLayer, cases: caseLayer };
  const ramp = ["#fff7ec", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000"];  // hot spots: few → many cases
  let breaks = [];
  const legend = gridmapLegend.create(map, () => ({
    boundary: [["line", L_.styles.jurisdiction, t("boundary")]],
    streets: [["line", L_.styles.street_edge, t("streets")]],
    buildings: [["area", L_.styles.building, t("buildings")]],
    grids: breaks.length ? breaks.map((b, k) => ["area", { ...L_.styles.grid, fillColor: ramp[k], fillOpacity: 0.65 },
                                                 k ? t("hot_n").replace("{n}", String(b)) : t("hot_none")])
      : [["area", L_.styles.grid, t("grids")]],
    cases: L_.caseLegend(),
  }), overlays);

  // How the community stands this month (接诉即办: what grid leaders are judged by), for who may read
  // the numbers: this month so far in the service's time zone, and the way to the monthly report.
  // The month shown is the one the list is filtered to (from the street office's comparison, say),
  // else this month so far; its 超期 counts that month's cases only, so the cases overdue now,
  // whenever received, are said beneath, a tap from the list of them.
  async function monthStands() {
    if (!me || !me.may.includes("read")) return;
    const today = gridmapDates.day(tz);
    const month = fMonth.value || today.slice(0, 7);
    const last = month === today.slice(0, 7) ? today : gridmapDates.lastDay(month);
    const [r, now] = await Promise.all([fetch(`${api}/kpi?from=${month}-01&to=${last}`),
                                        fetch(`${api}?overdue=true&open=true&limit=1`)]);
    if (!r.ok) return;
    const k = (await r.json()).overall;
    const title = month === today.slice(0, 7) ? t("this_month") : month;
    document.getElementById("kpi-title").textContent = `${title} · ${t("monthly_report")}`;
    document.getElementById("kpi-table").replaceChildren(...L_.rows([
      ["received", String(k.received)], ["response_rate", gridmapPercent(k.response_rate)],
      ["resolution_rate", gridmapPercent(k.resolution_rate)], ["satisfaction_rate", gridmapPercent(k.satisfaction_rate)],
      ["on_time_closure_rate", gridmapPercent(k.on_time_closure_rate)], ["overdue_of_month", String(k.overdue)]]));
    const overdueNow = document.getElementById("kpi-overdue-now");
    overdueNow.replaceChildren();
    if (now.ok) {
      const n = (await now.json()).total;
      const show = el("a", { href: "#", id: "show-overdue" }, t("show_them"));
      show.onclick = (e) => {
        e.preventDefault();
        fMonth.value = ""; fOverdue.checked = true; fOpen.checked = true;
        changed(); monthStands();
      };
      overdueNow.append(t("overdue_now_n").replace("{n}", String(n)), n ? " · " : "", n ? show : "");
      overdueNow.dataset.n = String(n);
    }
    const link = document.getElementById("kpi-report");
    link.textContent = t("open_monthly_report");
    link.href = withLang(`/cases-report?jurisdiction=${encodeURIComponent(slug)}&month=${month}`, lang);
    document.getElementById("kpi").hidden = false;
  }

  // The filters, from the URL and back into it (a filtered list can be bookmarked and shared).
  const options = (select, pairs) => select.replaceChildren(
    el("option", { value: "" }, t("all")), ...pairs.map(([v, label]) => el("option", { value: v }, label)));
  const fState = document.getElementById("f-state"), fGrid = document.getElementById("f-grid");
  const fCategory = document.getElementById("f-category");
  const fOverdue = document.getElementById("f-overdue"), fOpen = document.getElementById("f-open");
  const fMonth = document.getElementById("f-month");
  const catName = (c) => (lang === "en" ? c.name_en : c.name_zh);
  options(fState, ["reported", "accepted", "dispatched", "handled", "verified", "parked", "closed", "rejected"]
    .map((s) => [s, t(`state_${s}`)]));
  options(fGrid, grids.features.map((f) => [f.properties.code, L_.gridLabel(f.properties)]));
  options(fCategory, catalogue.categories.map((c) => [c.code, catName(c)]));
  fState.value = q.get("state") || ""; fGrid.value = q.get("grid") || ""; fCategory.value = q.get("category") || "";
  // open cases unless asked otherwise: what is still to be done
  fOverdue.checked = q.get("overdue") === "true"; fOpen.checked = q.get("open") !== "false" && !q.get("state");
  fMonth.value = /^\d{4}-\d{2}$/.test(q.get("month") || "") ? q.get("month") : "";
  monthStands();

  const list = document.getElementById("cases");
  const dot = (urgency) => {
    const node = el("span", { className: "urgency-dot", title: t(`urgency_${urgency}`) });
    node.style.background = L_.urgencyColours[urgency];
    return node;
  };
  async function load() {
    const params = new URLSearchParams({ limit: "500" });
    for (const [k, node] of [["state", fState], ["grid", fGrid], ["category", fCategory]]) if (node.value) params.set(k, node.value);
    if (fOverdue.checked) params.set("overdue", "true");
    params.set("open", String(fOpen.checked));  // false: kept in the page's address as unticked
    if (fMonth.value) { params.set("from", `${fMonth.value}-01`); params.set("to", gridmapDates.lastDay(fMonth.value)); }
    const page = new URLSearchParams(params); page.delete("limit"); page.set("jurisdiction", slug); page.set("lang", lang);
    page.delete("from"); page.delete("to");
    if (fMonth.value) page.set("month", fMonth.value);
    history.replaceState(null, "", `${location.pathname}?${page}`);
    const r = await fetch(`${api}?${params}`);
    const body = await r.json();
    if (!r.ok) { document.getElementById("count").textContent = body.detail || t("error"); return; }
    document.getElementById("count").textContent = t("total_n").replace("{n}", String(body.total));
    list.replaceChildren(...body.cases.map((c) => el("li", { dataset: { case: String(c.id), state: c.state } },
      el("a", { href: L_.caseLink(c) }, `#${c.id} ${L_.categoryName(c)}`),
      el("div", { className: "meta" },
        dot(c.urgency),
        `${t(`state_${c.state}`)} · ${c.grid ? `${t("grid_n")} ${c.grid.slice(-3)}` : "-"} · ${gridmapDates.stamp(tz, new Date(c.reported_at))}`,
        c.overdue ? el("span", { className: "overdue" }, t("overdue")) : null),
      el("div", { className: "case-text" }, c.description.length > 80 ? `${c.description.slice(0, 80)}…` : c.description))));
    if (!body.cases.length) list.replaceChildren(el("li", {}, t("no_cases")));
    map.removeLayer(caseLayer);
    caseLayer = L_.cases(body.cases).addTo(map);
    overlays.cases = caseLayer;
    legend.refresh();
    labels.place();
  }
  // Hot spots (leaders, planners, schedulers): the grids shaded by the cases of the category
  // received in a period, and the counts listed, most first.
  async function hot() {
    const on = document.getElementById("h-on").checked;
    const table = document.getElementById("hot-table");
    if (!on) {
      gridLayer.setStyle({ ...L_.styles.grid });
      table.replaceChildren();
      breaks = [];
      legend.refresh();
      return;
    }
    const params = new URLSearchParams({ from: document.getElementById("h-from").value,
                                         to: document.getElementById("h-to").value });
    if (fCategory.value) params.set("category", fCategory.value);
    const r = await fetch(`${api}/hotspots?${params}`);
    const body = await r.json();
    if (!r.ok) { table.replaceChildren(el("tr", {}, el("td", {}, body.detail || t("error")))); return; }
    const counts = Object.fromEntries(body.features.map((f) => [f.properties.code, f.properties.cases]));
    const most = Math.max(1, ...Object.values(counts));
    // none; at least one; then quarters of the most (a grid with one case is not one with none)
    breaks = [0, 1, ...[1, 2, 3].map((k) => Math.max(2, Math.ceil((most * k) / 4)))];
    const colour = (n) => ramp[breaks.filter((b) => n >= b).length - 1];
    gridLayer.eachLayer((l) => l.setStyle({ ...L_.styles.grid, fillColor: colour(counts[l.gridCode] || 0), fillOpacity: 0.65 }));
    table.replaceChildren(...[...body.features].sort((a, b) => b.properties.cases - a.properties.cases)
      .map((f) => el("tr", { dataset: { grid: f.properties.code } }, el("td", {}, L_.gridLabel(f.properties)),
                     el("td", {}, `${f.properties.cases}（${t("overdue")} ${f.properties.overdue}）`))));
    legend.refresh();
  }
  if ((me && me.may || []).includes("read")) {
    document.getElementById("hot").hidden = false;
    const today = gridmapDates.day(tz);
    document.getElementById("h-to").value = today;
    document.getElementById("h-from").value = `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`;
    for (const id of ["h-on", "h-from", "h-to"]) document.getElementById(id).onchange = hot;
  }
  function changed() { return Promise.all([load(), hot()]); }
  for (const node of [fState, fGrid, fCategory, fOverdue, fOpen]) node.onchange = changed;
  fMonth.onchange = () => Promise.all([changed(), monthStands()]);
  await load();

  // Reporting: a point clicked on the map, a category, urgency and what the problem is. The
  // client_id (a UUID made here) makes a report sent twice (a double tap, a retry) one case.
  if ((me && me.may || []).includes("report")) {
    const box = document.getElementById("report");
    box.hidden = false;
    const rCategory = document.getElementById("r-category"), rUrgency = document.getElementById("r-urgency");
    rCategory.replaceChildren(...catalogue.categories.map((c) => el("option", { value: c.code }, catName(c))));
    rUrgency.replaceChildren(...["blue", "yellow", "red"].map((u) => el("option", { value: u }, t(`urgency_${u}`))));
    const submit = document.getElementById("r-submit"), where = document.getElementById("r-where");
    const message = document.getElementById("r-message");
    let point = null, marker = null, clientId = crypto.randomUUID();
    map.on("click", (e) => {
      if (!box.open) return;
      point = [Number(e.latlng.lng.toFixed(7)), Number(e.latlng.lat.toFixed(7))];
      if (marker) marker.setLatLng(e.latlng); else marker = L.marker(e.latlng, { keyboard: false }).addTo(map);
      where.textContent = `${t("picked")} ${point[0].toFixed(5)}, ${point[1].toFixed(5)}`;
      submit.disabled = false;
    });
    document.getElementById("report-form").onsubmit = async (e) => {
      e.preventDefault();
      submit.disabled = true;
      const r = await fetch(api, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({
        category: rCategory.value, urgency: rUrgency.value, description: document.getElementById("r-description").value,
        at: { type: "Point", coordinates: point }, client_id: clientId, source: "patrol" }) });
      const body = await r.json();
      if (!r.ok) {
        message.className = ""; message.textContent = [body.detail, ...(body.problems || [])].join(" ");
        submit.disabled = false;
        return;
      }
      message.className = "ok";
      message.replaceChildren(`${t("reported_ok")} `, el("a", { href: L_.caseLink(body), id: "reported-link" }, `#${body.id}`));
      clientId = crypto.randomUUID();
      document.getElementById("r-description").value = "";
      if (marker) { map.removeLayer(marker); marker = null; }
      point = null;
      where.textContent = t("pick_on_map");
      await load();
    };
  }
  document.body.dataset.ready = "true";
})();
