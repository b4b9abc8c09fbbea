// 网格规划: edit the grids of a draft on the map; each edit is checked by the service at once:
// saved with the metrics of the grids it touched, or refused with the reasons (and undone).
(async function () {
  const slug = document.body.dataset.jurisdiction;
  gridmapHeader(slug, "planner");
  const status = document.getElementById("status");
  const problems = document.getElementById("problems");
  const metrics = document.getElementById("metrics");
  const select = document.getElementById("draft");

  const map = L.map("map");
  window.gridmapMap = map;
  L.control.scale({ imperial: false }).addTo(map);
  const boundary = gridmapLayers.geojson("jurisdiction", await gridmapLayers.items("jurisdiction", slug), slug).addTo(map);
  map.fitBounds(boundary.getBounds());
  gridmapLayers.geojson("street_edge", await gridmapLayers.items("street_edge", slug), slug).addTo(map);
  gridmapLayers.geojson("building", await gridmapLayers.items("building", slug), slug).addTo(map);
  let grids = null;
  let saving = false;

  function showMetrics(rows, touched) {
    const head = el("tr", {}, ["code", "households", "deviation", "area", "compactness"].map((k) => el("th", {}, t(k))));
    metrics.replaceChildren(head, ...rows.map((g) => el("tr",
      { className: touched.includes(g.code) ? "touched" : "", dataset: { code: g.code } },
      el("td", {}, String(g.code).slice(-3)), el("td", {}, g.households),
      el("td", {}, g.deviation === null ? "" : `${Math.round(g.deviation * 100)}%`),
      el("td", { className: "area" }, `${(g.area_m2 / 10000).toFixed(3)} ha`),
      el("td", {}, g.polsby_popper.toFixed(3)))));
  }

  let zones = null;
  const coverageLine = document.createElement("div");
  coverageLine.id = "zone-coverage";
  document.getElementById("side").appendChild(coverageLine);

  async function showZoneCoverage(id) {
    const r = await fetch(`/coverage/${encodeURIComponent(slug)}?facility=courier_zone&draft=${id}`);
    if (!r.ok) { coverageLine.textContent = ""; return; }
    const c = await r.json();
    const w = c.summary.within["100"];
    coverageLine.textContent = `${t("courier_zones")} ≤ 100 ${t("metres")}: ${Math.round(w.households_share * 100)}% `
      + `${t("households")}`;
    coverageLine.dataset.share = w.households_share;
  }

  async function saveZone(id, layer) {
    if (saving) return;
    saving = true;
    try {
      const f = layer.feature;
      const r = await fetch(`/layouts/${id}/courier_zone/${f.id}`, {
        method: "PUT",
        headers: { "Content-Type": "application/json", "If-Match": `"layout_courier_zone-${f.id}-${f.properties.version}"` },
        body: JSON.stringify({ type: "Feature", geometry: layer.toGeoJSON(false).geometry,
                               properties: { name: f.properties.name, capacity: f.properties.capacity } }),
      });
      const body = await r.json();
      problems.replaceChildren();
      status.textContent = r.ok ? t("accepted") : `${t("refused")}: ${body.detail}`;
      status.dataset.state = r.ok ? "accepted" : "refused";
      await loadDraft(id);
    } finally {
      saving = false;
    }
  }

  async function loadDraft(id) {
    if (grids) map.removeLayer(grids);
    if (zones) map.removeLayer(zones);
    const d = await (await fetch(`/layouts/${id}`)).json();
    zones = L.geoJSON(d.courier_zones, { style: { color: "#1a9850", weight: 2, fillOpacity: 0.5 } }).addTo(map);
    zones.eachLayer((layer) => {
      layer.pm.enable({ allowSelfIntersection: false });
      layer.on("pm:edit", () => saveZone(id, layer));
    });
    showZoneCoverage(id);
    grids = L.geoJSON(d.grids, { style: { color: "#d6604d", weight: 2, fillOpacity: 0.1 } }).addTo(map);
    grids.eachLayer((layer) => {
      layer.pm.enable({ allowSelfIntersection: false });
      layer.on("pm:edit", () => save(id, layer));
    });
    showMetrics(d.grids.features.map((f) => f.properties), []);
    document.body.dataset.draft = id;
    document.body.dataset.ready = "true";
  }

  async function save(id, layer) {
    if (saving) return;  // one edit at a time; the draft is reloaded after each
    saving = true;
    try { await saveOne(id, layer); } finally { saving = false; }
  }

  async function saveOne(id, layer) {
    const f = layer.feature;
    const r = await fetch(`/layouts/${id}/grids/${f.id}`, {
      method: "PUT", headers: { "Content-Type": "application/json", "If-Match": f.properties.etag },
      body: JSON.stringify({ type: "Feature", geometry: layer.toGeoJSON(false).geometry }),  // no rounding
    });
    const body = await r.json();
    problems.replaceChildren();
    if (r.ok) {
      status.textContent = body.changed === false ? t("unchanged") : t("accepted");
      status.dataset.state = body.changed === false ? "unchanged" : "accepted";
      const d = await (await fetch(`/layouts/${id}`)).json();
      await loadDraft(id);
      showMetrics(d.grids.features.map((x) => x.properties), body.grids.map((g) => g.code));
    } else {
      status.textContent = `${t("refused")}: ${body.detail}`;
      status.dataset.state = "refused";
      for (const p of body.problems || []) {
        const [kind, ...rest] = p.split(": ");
        problems.appendChild(el("li", { dataset: { kind } }, el("b", {}, t(kind)), " ",
                                el("small", {}, rest.join(": ") || p)));
      }
      await loadDraft(id);  // back to what the service holds
    }
  }

  async function refreshDrafts(selectId) {
    const all = await (await fetch(`/jurisdictions/${encodeURIComponent(slug)}/layouts`)).json();
    select.replaceChildren();
    for (const l of all.filter((x) => x.status === "draft")) {
      const o = document.createElement("option"); o.value = l.id; o.textContent = `${l.id} · ${l.name}`;
      if (String(l.id) === String(selectId)) o.selected = true;
      select.appendChild(o);
    }
    if (select.value) await loadDraft(select.value);
    else { status.textContent = t("no_draft"); document.body.dataset.ready = "true"; }
  }
  select.onchange = () => loadDraft(select.value);
  document.getElementById("new").onclick = async () => {
    const r = await fetch(`/jurisdictions/${encodeURIComponent(slug)}/layouts`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: t("draft") }) });
    const l = await r.json();
    await refreshDrafts(l.id);
  };
  document.getElementById("compare").onclick = async () => {
    if (!select.value) return;
    const c = await (await fetch(`/layouts/${select.value}/compare`)).json();
    status.textContent = `${c.buildings_moved.length} ${t("moved_buildings")}`;
  };
  document.getElementById("publish").onclick = async () => {
    if (!select.value) return;
    const r = await fetch(`/layouts/${select.value}/publish`, { method: "POST" });
    const body = await r.json();
    status.textContent = r.ok ? t("published") : `${t("refused")}: ${body.detail}`;
    if (r.ok) await refreshDrafts(null);
  };
  await refreshDrafts(new URLSearchParams(location.search).get("draft"));
})();
