// A case's page: where it is, what it is, its timeline, and a button for each step the signed-in
// user may take next (the service says which); each step is sent with the case's ETag, so that a
// step taken meanwhile by someone else is not overwritten (412: the case is loaded again).
(async function () {
  const slug = document.body.dataset.jurisdiction;
  const id = document.body.dataset.case;
  const lang = gridmapHeader(slug);
  const L_ = gridmapLayers;
  const api = `/cases/${encodeURIComponent(slug)}/${encodeURIComponent(id)}`;
  const toList = document.getElementById("to-list");
  toList.textContent = t("cases_page");
  toList.href = `/cases?jurisdiction=${encodeURIComponent(slug)}&lang=${lang}`;
  const map = L.map("map");
  window.gridmapMap = map;
  L.control.scale({ imperial: false }).addTo(map);
  const [tz, catalogue, boundary, grids] = await Promise.all([
    gridmapDates.zone(), fetch(`/cases/${encodeURIComponent(slug)}/categories`).then((r) => r.json()),
    L_.items("jurisdiction", slug), L_.items("grid", slug)]);
  const outline = L_.geojson("jurisdiction", boundary, slug).addTo(map);
  const gridLayer = L_.geojson("grid", grids, slug).addTo(map);
  // the case's own building stands out among those around it
  const CASE_BUILDING = { ...L_.styles.building, color: "#111", weight: 3 };
  let marker = L.featureGroup().addTo(map);
  const overlays = { boundary: outline, grids: gridLayer, cases: marker };
  const legend = gridmapLegend.create(map, () => ({
    boundary: [["line", L_.styles.jurisdiction, t("boundary")]], grids: [["area", L_.styles.grid, t("grids")]],
    buildings: [["area", CASE_BUILDING, t("case_building")]], nearby: [["area", L_.styles.building, t("buildings")]],
    streets: [["line", L_.styles.street_edge, t("streets")]], cases: L_.caseLegend(),
  }), overlays);
  const when = (iso) => (iso ? gridmapDates.stamp(tz, new Date(iso)) : null);
  const department = document.getElementById("department");
  department.replaceChildren(el("option", { value: "" }, "—"),
    ...catalogue.departments.map((d) => el("option", { value: d.code }, lang === "en" ? d.name_en : d.name_zh)));
  const message = document.getElementById("step-message");
  let fitted = false;
  let caseBuilding = null;

  // a worker by name, their account after it (the name is what the office knows them by)
  const named = (name, account) => (name && account ? `${name}（${account}）` : account);

  function show(c) {
    document.title = `${t("case_n")} #${c.id}`;
    document.getElementById("title").textContent = `${t("case_n")} #${c.id} ${L_.categoryName(c)}`;
    document.getElementById("state").textContent = t(`state_${c.state}`);
    document.body.dataset.state = c.state;
    const overdue = document.getElementById("overdue");
    overdue.hidden = !c.overdue;
    overdue.textContent = t("overdue");
    document.getElementById("description").textContent = c.description;
    document.getElementById("facts").replaceChildren(...L_.rows([
      ["urgency", t(`urgency_${c.urgency}`)], ["source", t(`source_${c.source}`)], ["ticket", c.ticket_no],
      ["grid_page", c.grid ? `${c.grid} ${c.grid_name || ""}` : null], ["buildings", c.building], ["where", c.address],
      ["reporter", named(c.reporter_name, c.reporter)], ["reported_at", when(c.reported_at)], ["due", when(c.due_at)],
      ["assignee", c.assignee], ["department", lang === "en" ? c.department : c.department_zh],
      ["handling", c.handling], ["handled_by", named(c.handled_by_name, c.handled_by)], ["reason", c.reason], ["review_on", c.review_on],
      ["satisfaction", c.satisfaction ? t(`satisfaction_${c.satisfaction}`) : null],
      ["solved", c.solved === null || c.solved === undefined ? null : t(c.solved ? "solved_yes" : "solved_no")],
    ]));
    // The steps as the actions took them: 立案 and the dispatch it made at once are one line (上报 →
    // 立案 → 派遣（周敏）), with the leader's instruction and how it was dispatched; who took each
    // by name (their account beside it); whom it went to where it went to someone, not on every
    // later step; a step written well after the time it gives (a phone's offline step, 补录) says
    // when it was written.
    const steps = [];
    for (const e of c.events) {
      const last = steps[steps.length - 1];
      const together = last && last.to === "accepted" && e.from === "accepted" && e.to === "dispatched"
        && last.actor === e.actor && Math.abs(Date.parse(e.at) - Date.parse(last.at)) < 2000;
      if (together) Object.assign(last, { to: e.to, path: [...last.path, e.to], notes: [...last.notes, e.note], e });
      else steps.push({ ...e, path: [e.from, e.to].filter(Boolean), notes: [e.note], e });
    }
    const whom = (e) => e.assignee || (lang === "en" ? e.department_en : e.department_zh) || e.department;
    const given = (s) => (["accepted", "dispatched"].includes(s.to) && whom(s.e)
      ? (lang === "en" ? ` (${whom(s.e)})` : `（${whom(s.e)}）`) : "");
    const noteOf = (n) => (n.startsWith("automatic: ") ? t("auto_dispatched") : n);
    document.getElementById("timeline").replaceChildren(...steps.map((s) => el("li", { className: s.late ? "late" : "" },
      el("div", { className: "when" }, `${when(s.at)} · ${named(s.actor_name, s.actor)}`,
         s.late ? el("span", { className: "recorded" }, ` · ${t("recorded_late")} ${when(s.recorded_at)}`) : null),
      el("div", {}, s.path.map((x) => t(`state_${x}`)).join(" → "), given(s)),
      ...s.notes.filter(Boolean).map((n) => el("div", { className: "case-text" }, noteOf(n))))));
    // the steps this user may take, one button each, with the fields they need
    const actions = c.actions;
    document.getElementById("review-label").hidden = !actions.includes("parked");
    const dispatching = actions.includes("accepted") || actions.includes("dispatched");
    document.getElementById("assignee-label").hidden = !dispatching;
    if (dispatching) offerAssignees(c.grid);
    document.getElementById("department-label").hidden = !dispatching;
    document.getElementById("note-label").hidden = !actions.length;
    document.getElementById("after-label").hidden = !actions.includes("handled");  // the handler's proof
    const buttons = actions.map((to) => {
      const key = c.state === "verified" && to === "handled" ? "do_back_handled" : `do_${to}`;
      const b = el("button", { type: "button", className: ["rejected", "parked"].includes(to) ? "secondary" : "",
                               dataset: { to } }, t(key));
      b.onclick = () => step(c, to);
      return b;
    });
    document.getElementById("buttons").replaceChildren(...(buttons.length ? buttons
      : [el("p", { className: "note" }, t("no_actions"))]));
    showPhotos(c);
    showCallBack(c);
    caseBuilding = c.building_id;
    if (c.building_id && !building) drawBuilding(c.building_id);
    map.removeLayer(marker);
    marker = L_.cases([c]).addTo(map);
    overlays.cases = marker;
    legend.refresh();
    if (!fitted) {
      if (c.lat !== null) map.setView([c.lat, c.lon], 17); else map.fitBounds(outline.getBounds());
      fitted = true;
      if (c.lat !== null) around(c.lat, c.lon);
    }
  }

  // What is around the case, to find the place by: the streets and buildings (those the user may
  // read) within some 300 m, named on the map as the one map names them.
  async function around(lat, lon) {
    const d = 0.003;
    const bbox = [lon - d * 1.3, lat - d, lon + d * 1.3, lat + d].map((x) => x.toFixed(6)).join(",");
    const get = (layer) => fetch(`/collections/${layer}/items?jurisdiction=${encodeURIComponent(slug)}&bbox=${bbox}`
                                 + "&limit=1000").then((r) => (r.ok ? r.json() : null)).catch(() => null);
    const [streets, buildings] = await Promise.all([get("street_edge"), get("building")]);
    const labels = gridmapLabels.create(map);
    if (streets) {
      overlays.streets = L_.geojson("street_edge", streets, slug).addTo(map);
      labels.streets(overlays.streets);
      labels.groups.street.addTo(map);
    }
    if (buildings) {
      const others = { ...buildings, features: buildings.features.filter((f) => String(f.id) !== String(caseBuilding)) };
      overlays.nearby = L_.geojson("building", others, slug).addTo(map);
      overlays.nearby.setStyle({ fillOpacity: 0.45 });
      labels.polygons("building", overlays.nearby, (p) => p.name);
      labels.groups.building.addTo(map);
    }
    labels.place();
    legend.refresh();
    document.body.dataset.around = "drawn";
  }

  // The building the case is at, drawn and named (a department sees where it is sent); a user
  // who may not read that building (a worker of another grid) simply sees the point.
  let building = null;
  async function drawBuilding(bid) {
    building = L.featureGroup().addTo(map);
    const r = await fetch(`/collections/building/items/${encodeURIComponent(bid)}?jurisdiction=${encodeURIComponent(slug)}`);
    if (!r.ok) return;
    const f = await r.json();
    const layer = L_.geojson("building", { type: "FeatureCollection", features: [f] }, slug);
    layer.eachLayer((l) => { l.buildingId = f.id; });
    layer.setStyle(CASE_BUILDING);
    layer.addTo(building);
    overlays.buildings = building;
    legend.refresh();
    document.body.dataset.building = "drawn";
  }

  // Photos, before and after, when the case lists them with the address of each (photos are served
  // by the field app's route): only this service's own paths are shown, as images, never as HTML.
  function showPhotos(c) {
    const box = document.getElementById("photos");
    const photos = (Array.isArray(c.photos) ? c.photos : [])
      .filter((p) => p && typeof p.url === "string" && p.url.startsWith("/") && !p.url.startsWith("//"));
    box.hidden = !photos.length;
    // a stage with no photo adds nothing (replaceChildren writes a null as the text "null")
    box.replaceChildren(...["before", "after"].flatMap((stage) => {
      const mine = photos.filter((p) => (p.stage || "before") === stage);
      return mine.length ? [el("figure", { className: "photos", dataset: { stage } },
        el("figcaption", {}, t(`photos_${stage}`)),
        ...mine.map((p) => el("a", { href: p.url, target: "_blank", rel: "noopener" },
          el("img", { src: p.url, alt: `${t(`photos_${stage}`)} ${p.id ?? ""}`, loading: "lazy" }))))] : [];
    }));
  }

  async function load() {
    const r = await fetch(api);
    const body = await r.json();
    if (!r.ok) {
      document.getElementById("title").textContent = r.status === 404 ? t("no_case") : t("error");
      message.textContent = body.detail || "";
      return null;
    }
    document.body.dataset.etag = r.headers.get("ETag");
    show(body);
    return body;
  }

  // Photos of the handling (处置后照片), sent by the handler at a desk as the phone sends them: one
  // by one, each with an id of its own (sent twice, kept once); the case is shown again after.
  document.getElementById("after-photos").onchange = async (e) => {
    message.textContent = "";
    for (const file of e.target.files) {
      const r = await fetch(`${api}/photos?stage=after&client_id=${crypto.randomUUID()}`,
        { method: "POST", body: file, headers: { "Content-Type": file.type || "application/octet-stream" } });
      if (!r.ok) { message.textContent = (await r.json()).detail || t("error"); break; }
    }
    e.target.value = "";
    await load();
  };

  // Whom to dispatch to, chosen from a list (typing a name is still possible): the case's grid's
  // people first; asked once, by one who dispatches.
  let assigneesP = null;
  async function offerAssignees(grid) {
    assigneesP = assigneesP || fetch(`/cases/${encodeURIComponent(slug)}/assignees`).then((r) => (r.ok ? r.json() : []));
    const people = await assigneesP;
    const ordered = [...people.filter((p) => p.grid === grid), ...people.filter((p) => p.grid !== grid)];
    // one entry a name and grid, with every part they have there (王芳: 社工 · 网格长): a case is
    // dispatched by name, so two entries of one name in one grid would look like two people
    const one = new Map();
    for (const p of ordered) {
      const key = `${p.name}\u0000${p.grid || ""}`;
      if (!one.has(key)) one.set(key, { ...p, kinds: [] });
      one.get(key).kinds.push(t(`assignee_${p.kind}`));
    }
    document.getElementById("assignees").replaceChildren(...[...one.values()].map((p) => el("option", { value: p.name },
      `${p.grid ? `${t("grid_n")} ${p.grid.slice(-3)} · ` : ""}${p.kinds.join(" · ")}`)));
  }

  // The resident's answer when called back (回访), once the case is handled: what the resolution
  // and satisfaction rates count (a 12345 ticket's come in the platform's file instead).
  const cbSatisfaction = document.getElementById("cb-satisfaction");
  const cbSolved = document.getElementById("cb-solved");
  cbSatisfaction.replaceChildren(el("option", { value: "" }, "—"),
    ...["satisfied", "basically", "dissatisfied"].map((s) => el("option", { value: s }, t(`satisfaction_${s}`))));
  cbSolved.replaceChildren(el("option", { value: "" }, "—"), el("option", { value: "true" }, t("solved_yes")),
    el("option", { value: "false" }, t("solved_no")));
  function showCallBack(c) {
    document.getElementById("call-back").hidden = !c.may_call_back;
    cbSatisfaction.value = c.satisfaction || "";
    cbSolved.value = c.solved === null || c.solved === undefined ? "" : String(c.solved);
  }
  document.getElementById("cb-save").onclick = async () => {
    const said = document.getElementById("cb-message");
    said.textContent = "";
    said.classList.remove("ok");
    const body = {};
    if (cbSatisfaction.value) body.satisfaction = cbSatisfaction.value;
    if (cbSolved.value) body.solved = cbSolved.value === "true";
    const r = await fetch(`${api}/feedback`, { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" } });
    const answer = await r.json();
    if (!r.ok) { said.textContent = [answer.detail, ...(answer.problems || [])].join(" "); return; }
    document.body.dataset.etag = r.headers.get("ETag");
    show(answer);
    said.textContent = t("call_back_saved");
    said.classList.add("ok");
  };

  async function step(c, to) {
    message.textContent = "";
    const body = { to };
    const note = document.getElementById("note").value.trim();
    if (note) body.note = note;
    if (to === "parked") body.review_on = document.getElementById("review-on").value || null;
    if (to === "accepted" || to === "dispatched") {
      const who = document.getElementById("assignee").value.trim();
      if (who) body.assignee = who;
      if (department.value) body.department = department.value;
    }
    for (const b of document.querySelectorAll("#buttons button")) b.disabled = true;
    const r = await fetch(`${api}/transitions`, { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "If-Match": document.body.dataset.etag } });
    const answer = await r.json();
    if (r.status === 412) {
      await load();
      message.textContent = t("stale");
      return;
    }
    if (!r.ok) {
      message.textContent = [answer.detail, ...(answer.problems || [])].join(" ");
      for (const b of document.querySelectorAll("#buttons button")) b.disabled = false;
      return;
    }
    document.getElementById("note").value = "";
    document.body.dataset.etag = r.headers.get("ETag");
    show(answer);
  }

  await load();
  document.body.dataset.ready = "true";
})();
