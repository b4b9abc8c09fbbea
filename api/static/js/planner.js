// 网格规划: edit the grids and courier zones of a draft on the map; each edit is checked by the
// service at once: saved with the metrics of the grids it touched, or refused with the reasons
// (and undone). Publishing and discarding a draft ask to be confirmed.
(async function () {
  const slug = document.body.dataset.jurisdiction;
  gridmapHeader(slug, "planner");
  const L_ = gridmapLayers;
  const status = document.getElementById("status");
  const problems = document.getElementById("problems");
  const metrics = document.getElementById("metrics");
  const select = document.getElementById("draft");
  const confirmBar = document.getElementById("confirm");

  // One status line: what happened last, replacing what it said before (never left stale).
  function say(state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }
  function quiet() {
    status.textContent = "";
    status.removeAttribute("data-state");
    problems.replaceChildren();
  }

  const map = L.map("map");
  window.gridmapMap = map;
  L.control.scale({ imperial: false }).addTo(map);
  const [boundaryFc, streetFc, buildingFc] = await Promise.all(
    ["jurisdiction", "street_edge", "building"].map((layer) => L_.items(layer, slug)));
  const boundary = L_.geojson("jurisdiction", boundaryFc, slug).addTo(map);
  map.fitBounds(boundary.getBounds());
  const streetLayer = L_.geojson("street_edge", streetFc, slug).addTo(map);
  const buildingLayer = L_.geojson("building", buildingFc, slug).addTo(map);
  // A vertex dragged snaps to the grids' and zones' vertices and edges and the boundary's, never
  // to a street, a building's outline or a name (it snapped to a building's name at its middle,
  // and the edit was refused as splitting the building)
  for (const layer of [streetLayer, buildingLayer]) layer.eachLayer((l) => { l.options.snapIgnore = true; });
  // What each line and area on the map is (the grids' thick boundaries were unexplained); the
  // draft's layers join it as they are drawn.
  const shown = { boundary, streets: streetLayer, buildings: buildingLayer };
  const legend = gridmapLegend.create(map, L_.baseLegend, shown);
  const drawn = () => { Object.assign(shown, { grids, courier_zones: zones, stations }); legend.refresh(); };
  const labels = gridmapLabels.create(map);
  labels.groups.grid.addTo(map);
  // buildings named (by their number until zoom 18), so that the one to give away is found by name
  labels.polygons("building", buildingLayer, (p) => p.name);
  labels.groups.building.addTo(map);
  labels.place();  // the map was fitted before the labels were made: placed now, again at each move
  let grids = null;
  let zones = null;
  let stations = null;
  let saving = false;

  const area = (m2) => `${(m2 / 10000).toFixed(2)} ha`;
  // A grid whose households stray from the draft's target by more than its tolerance (±15 % by
  // default) is marked: the edit is saved (it is the planner's call), but never silently.
  const over = (g, tolerance) => g.deviation !== null && Math.abs(g.deviation) > tolerance + 1e-9;
  function showMetrics(rows, touched, tolerance) {
    const head = el("tr", {}, ["code", "households", "deviation", "area", "compactness"].map((k) => el("th", {}, t(k))));
    metrics.replaceChildren(head, ...rows.map((g) => el("tr",
      { className: [touched.includes(g.code) ? "touched" : "", over(g, tolerance) ? "over" : ""].join(" ").trim(),
        dataset: { code: g.code } },
      el("td", {}, String(g.code).slice(-3)), el("td", {}, g.households),
      el("td", { title: over(g, tolerance) ? overText([g], tolerance) : "" },
        g.deviation === null ? "" : `${over(g, tolerance) ? "⚠ " : ""}${Math.round(g.deviation * 100)}%`),
      el("td", { className: "area" }, area(g.area_m2)),
      el("td", {}, g.polsby_popper.toFixed(2)))));
  }
  function overText(rows, tolerance) {
    return t("over_tolerance").replace("{pct}", String(Math.round(tolerance * 100)))
      .replace("{grids}", rows.map((g) => String(g.code).slice(-3)).join("、"));
  }
  // The grids of the draft drawn now that stray past its tolerance.
  const straying = () => (draft ? draft.grids.features.map((f) => f.properties).filter((g) => over(g, draft.tolerance)) : []);

  const coverageLine = el("div", { id: "zone-coverage" });
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

  // With no draft open, the layout everyone works with, as it is (not editable): what a new
  // draft starts from, and what was just published.
  async function showPublished() {
    const fc = await L_.items("grid", slug);
    grids = L_.geojson("grid", fc, slug).addTo(map);
    labels.grids(grids);
    labels.place();
    drawn();
    document.body.dataset.published = String(fc.features.length);
  }

  function clearDraft() {
    draft = null;
    delete document.body.dataset.published;
    for (const layer of [grids, zones, stations]) if (layer) map.removeLayer(layer);
    grids = zones = stations = null;
    labels.groups.grid.clearLayers();
    metrics.replaceChildren();
    coverageLine.textContent = "";
    delete document.body.dataset.draft;
  }

  // Draw a draft: grids and zones editable (vertices dragged), stations shown, grids labelled.
  // Courier coverage is computed again only when the zones may have changed.
  // Only the draft asked for last is drawn: an answer overtaken by a later request (the draft
  // just made still loading when the planner chooses another) is dropped, so that what is drawn,
  // and the ETag a discard sends, are always the chosen draft's.
  let asked = 0;
  async function loadDraft(id, { coverage = true } = {}) {
    const mine = ++asked;
    const d = await (await fetch(`/layouts/${id}`)).json();
    if (mine !== asked) return null;
    clearDraft();
    zones = L.geoJSON(d.courier_zones, { pane: "gm-zone", style: L_.styles.courier_zone }).addTo(map);
    zones.eachLayer((layer) => editable(layer, () => saveZone(id, layer)));
    stations = L_.stations(d.post_stations || { type: "FeatureCollection", features: [] }).addTo(map);
    stations.eachLayer((l) => { l.options.snapIgnore = true; });
    if (coverage) showZoneCoverage(id);
    grids = L.geoJSON(d.grids, { pane: "gm-grid", style: L_.styles.grid }).addTo(map);
    grids.eachLayer((layer) => editable(layer, () => save(id, layer)));
    labels.grids(grids);
    labels.place();
    drawn();
    const tolerance = d.layout && d.layout.tolerance !== null ? Number(d.layout.tolerance) : 0.15;
    showMetrics(d.grids.features.map((f) => f.properties), [], tolerance);
    document.body.dataset.draft = id;
    document.body.dataset.ready = "true";
    draft = { id, grids: d.grids, etag: d.etag, tolerance };
    return d;
  }

  // A polygon whose vertices are dragged (a new one from an edge's middle handle), saved when a
  // drag ends or a vertex is removed (right click). Not on Geoman's pm:edit, which also fires as
  // a middle handle is grabbed: the polygon was sent with its new vertex still on the old edge
  // ("nothing changed") and drawn again under the drag, which was lost. A drag that would make the
  // boundary cross itself is undone by Geoman, and said. Snapped to another vertex within 10 px.
  function editable(layer, saveIt) {
    layer.pm.enable({ allowSelfIntersection: false, snapDistance: 10 });
    layer.on("pm:markerdragend", (e) => {
      if (e.intersectionReset) { quiet(); say("refused", t("self_crossing")); } else saveIt();
    });
    layer.on("pm:vertexremoved", saveIt);
  }

  // A building given to another grid of the draft (with the ground around it): what a boundary
  // dragged vertex by vertex cannot do across a row of buildings, each step of which splits one.
  let draft = null;
  buildingLayer.eachLayer((layer) => layer.on("click", (e) => {
    if (!draft) return;
    const f = layer.feature;
    const current = draft.grids.features.find((g) => outerRings(g).some((r) => gridmapLabels.within(e.latlng, r)));
    const others = draft.grids.features.filter((g) => g !== current);
    const choices = others.length ? others : draft.grids.features;
    const pick = el("select", { className: "move-to" }, ...choices.map((g) =>
      el("option", { value: String(g.id) }, `${String(g.properties.code).slice(-3)} ${g.properties.name || ""}`)));
    const go = el("button", { type: "button", className: "move-building" }, t("move_to_grid"));
    go.onclick = () => { map.closePopup(); moveBuilding(draft.id, f.id, Number(pick.value)); };
    L.popup().setLatLng(e.latlng).setContent(el("div", { className: "move-form" },
      el("b", {}, f.properties.name || `#${f.id}`), el("label", {}, t("grid_n"), " ", pick), go)).openOn(map);
  }));

  // The outer rings of a grid (a Polygon's one, a MultiPolygon's each), as LatLngs.
  function outerRings(feature) {
    const out = [];
    L.geoJSON(feature).eachLayer((l) => {
      const ll = l.getLatLngs();
      for (const polygon of Array.isArray(ll[0][0]) ? ll : [ll]) out.push(polygon[0]);
    });
    return out;
  }

  function moveBuilding(id, buildingId, gridId) {
    const target = draft.grids.features.find((g) => g.id === gridId);
    return editGrids(id, () => fetch(`/layouts/${id}/grids/${gridId}/buildings`, {
      method: "POST", headers: { "Content-Type": "application/json", "If-Match": target.properties.etag },
      body: JSON.stringify({ buildings: [buildingId] }),
    }));
  }

  // A refusal's reasons, each grid named as the table beside names it (001, not its whole
  // 15-digit code: the service's answer keeps the code whole for other clients).
  const shortCodes = (text) => text.replace(/\b\d{12}(\d{3})\b/g, "$1");
  function refused(body) {
    say("refused", shortCodes(body.detail || t("refused")));
    problems.replaceChildren(...(body.problems || []).map((p) => {
      const [kind, ...rest] = p.split(": ");
      return el("li", { dataset: { kind } }, el("b", {}, t(kind)), " ", el("small", {}, shortCodes(rest.join(": ") || p)));
    }));
  }

  // While an edit is on its way, no other can begin (one begun then was dropped, and the draft
  // drawn again over it, saying "saved"): the handles go until the draft is drawn again.
  function lockEdits() {
    for (const g of [grids, zones]) if (g) g.eachLayer((l) => l.pm.disable());
  }

  async function saveZone(id, layer) {
    if (saving) return;
    saving = true;
    lockEdits();
    const started = performance.now();
    try {
      const f = layer.feature;
      const r = await fetch(`/layouts/${id}/courier_zone/${f.id}`, {
        method: "PUT",
        headers: { "Content-Type": "application/json", "If-Match": `"layout_courier_zone-${f.id}-${f.properties.version}"` },
        body: JSON.stringify({ type: "Feature", geometry: layer.toGeoJSON(false).geometry,
                               properties: { name: f.properties.name, capacity: f.properties.capacity } }),
      });
      const body = await r.json();
      try {
        await loadDraft(id);  // the saved shape, or back to what the service holds
      } finally {  // said once the draft is drawn again (the next edit is taken from then on)
        quiet();
        if (r.ok) say("accepted", t("accepted"));
        else refused(body);
      }
    } finally {
      saving = false;
      status.dataset.ms = String(Math.round(performance.now() - started));
    }
  }

  // A boundary dragged: the grid's new polygon.
  function save(id, layer) {
    const f = layer.feature;
    return editGrids(id, () => fetch(`/layouts/${id}/grids/${f.id}`, {
      method: "PUT", headers: { "Content-Type": "application/json", "If-Match": f.properties.etag },
      body: JSON.stringify({ type: "Feature", geometry: layer.toGeoJSON(false).geometry }),  // no rounding
    }));
  }

  // One edit of the grids (``send`` makes the request): one at a time, the draft drawn again after
  // it (the saved shape, or back to what the service holds; the zones did not move), then said.
  async function editGrids(id, send) {
    if (saving) return;
    saving = true;
    lockEdits();
    const started = performance.now();
    try {
      const r = await send();
      const body = await r.json();
      const d = await loadDraft(id, { coverage: false });
      if (!d) return;  // another draft was chosen meanwhile: this answer is not the one drawn
      quiet();  // said once drawn again, as for zones
      if (r.ok) {
        const rows = d.grids.features.map((x) => x.properties);
        const touched = body.grids.map((g) => g.code);
        const strayed = rows.filter((g) => touched.includes(g.code) && over(g, draft.tolerance));
        say(body.changed === false ? "unchanged" : "accepted", body.changed === false ? t("unchanged")
          : [t("accepted"), strayed.length ? overText(strayed, draft.tolerance) : ""].filter(Boolean).join(" · "));
        status.dataset.over = String(strayed.length);
        showMetrics(rows, touched, draft.tolerance);
      } else {
        refused(body);
      }
    } finally {
      saving = false;
      status.dataset.ms = String(Math.round(performance.now() - started));
    }
  }

  // The archived layout the service makes on the first publish has a name of its own.
  const layoutName = (l) => (l.name === "before the first publish" ? t("before_first_publish") : l.name);

  async function refreshDrafts(selectId) {
    const all = await (await fetch(`/jurisdictions/${encodeURIComponent(slug)}/layouts`)).json();
    select.replaceChildren();
    for (const l of all.filter((x) => x.status === "draft")) {
      const o = el("option", { value: l.id }, `${l.id} · ${layoutName(l)}`);
      if (String(l.id) === String(selectId)) o.selected = true;
      select.appendChild(o);
    }
    for (const b of ["compare", "publish", "discard"]) document.getElementById(b).disabled = !select.value;  // no draft: nothing to do
    if (select.value) {
      await loadDraft(select.value);
    } else {
      clearDraft();
      await showPublished();
      if (!status.dataset.state) say("none", t("no_draft"));
      document.body.dataset.ready = "true";
    }
  }
  select.onchange = () => { quiet(); unask(); loadDraft(select.value); };
  document.getElementById("new").onclick = async () => {
    quiet();
    unask();
    const stamp = new Date().toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "zh-CN",
                                             { dateStyle: "short", timeStyle: "short" });
    const r = await fetch(`/jurisdictions/${encodeURIComponent(slug)}/layouts`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: `${t("draft_default")} ${stamp}` }) });
    const l = await r.json();
    if (!r.ok) { refused(l); return; }
    await refreshDrafts(l.id);
  };
  // What a draft changes against the published layout: each grid whose ground or households
  // change (a boundary moved moves no building, and still changes the grid), each building that
  // changes grid (by name), and each courier zone or post station added, removed or changed (its
  // area and capacity before → after).
  const changes = el("ul", { id: "changes" });
  document.getElementById("side").appendChild(changes);
  const buildingName = Object.fromEntries(buildingFc.features.map((f) => [f.id, f.properties.name || `#${f.id}`]));
  async function compared(id) {
    const c = await (await fetch(`/layouts/${id}/compare`)).json();
    const grids = c.grids.filter((g) => g.changed);
    const summary = `${grids.length} ${t("grid_changes")} · ${c.buildings_moved.length} ${t("moved_buildings")}`
      + ` · ${c.facilities.length} ${t("facility_changes")}`;
    const area = (m2) => (m2 === null ? "—" : `${m2} m²`);
    const cap = (n) => (n === null ? "—" : String(n));
    const short = (code) => (code ? String(code).slice(-3) : "—");
    const ha = (g) => (g ? (g.area_m2 / 10000).toFixed(2) : "—");
    const hh = (g) => (g ? String(g.households) : "—");
    changes.replaceChildren(
      ...grids.map((g) => el("li", { dataset: { change: "grid", code: g.code } },
        el("b", {}, `${t("grid_n")} ${short(g.code)}`), ` · ${t("area")} ${ha(g.before)} → ${ha(g.after)} ha`,
        ` · ${t("households")} ${hh(g.before)} → ${hh(g.after)}`)),
      ...c.buildings_moved.map((m) => el("li", { dataset: { change: "building", building: String(m.building_id) } },
        el("b", {}, buildingName[m.building_id] || `#${m.building_id}`), ` · ${short(m.from)} → ${short(m.to)}`)),
      ...c.facilities.map((f) => el("li", { dataset: { change: f.change, layer: f.layer } },
        el("b", {}, `${t(f.layer === "courier_zone" ? "courier_zones" : "stations")} · ${f.name}`), " ",
        t(`change_${f.change}`),
        f.layer === "courier_zone" ? ` · ${t("area")} ${area(f.area_before_m2)} → ${area(f.area_after_m2)}` : "",
        ` · ${t("capacity")} ${cap(f.capacity_before)} → ${cap(f.capacity_after)}`,
        // moved with its area the same (a zone shifted, a station put elsewhere): said, not "901 → 901" alone
        f.moved ? ` · ${tf(f.layer === "courier_zone" ? "reshaped_m2" : "moved_m", { n: Math.round(f.moved) })}` : "")));
    return summary;
  }
  document.getElementById("compare").onclick = async () => {
    if (!select.value) return;
    quiet();
    say("compared", await compared(select.value));
  };
  // Publishing replaces the layout everyone works with, and a discarded draft is gone: each asks
  // first, on the page itself, saying what it would do.
  // The question is about the draft chosen when it was asked: choosing another, or making one,
  // takes it back, so that yes never publishes or discards a draft it did not name.
  let confirmed = null;
  function ask(text, yes, then) {
    const id = select.value;
    confirmed = () => then(id);
    confirmBar.hidden = false;
    document.getElementById("confirm-text").textContent = text;
    document.getElementById("confirm-yes").textContent = yes;
  }
  document.getElementById("publish").onclick = async () => {
    if (!select.value) return;
    quiet();
    const summary = await compared(select.value);
    const strayed = straying();
    const warning = strayed.length ? `⚠ ${overText(strayed, draft.tolerance)}. ` : "";
    ask(`${warning}${t("confirm_publish")} (${summary})`, t("publish"), async (id) => {
      const r = await fetch(`/layouts/${id}/publish`, { method: "POST" });
      const body = await r.json();
      if (!r.ok) { refused(body); return; }
      clearDraft();  // out of edit mode: what is published is on the one map now
      say("published", `${t("published")}: ${layoutName(body)}`);
      await refreshDrafts(null);
    });
  };
  document.getElementById("discard").onclick = () => {
    if (!select.value) return;
    quiet();
    const name = select.selectedOptions[0].textContent;
    const seen = draft && draft.etag;  // the draft as the planner last saw it drawn
    ask(`${t("confirm_discard")} (${name})`, t("discard_draft"), async (id) => {
      const r = await fetch(`/layouts/${id}`, { method: "DELETE", headers: { "If-Match": seen } });
      if (r.status === 412) {  // edited meanwhile (another planner): shown again, not thrown away unseen
        await loadDraft(id);
        refused(await r.json());
        return;
      }
      if (!r.ok) { refused(await r.json()); return; }
      clearDraft();
      await refreshDrafts(null);
      say("discarded", `${t("discarded")}: ${name}`);  // said once the drafts left are listed
    });
  };
  function unask() { confirmBar.hidden = true; confirmed = null; }
  document.getElementById("confirm-no").onclick = unask;
  document.getElementById("confirm-yes").onclick = async () => {
    const then = confirmed;
    unask();
    if (then) await then();
  };
  document.getElementById("hint").textContent = t("drag_hint");
  await refreshDrafts(new URLSearchParams(location.search).get("draft"));
})();
