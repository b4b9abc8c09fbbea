// The grid worker's phone (走动式工作法): today's route and position, a walk recorded with the
// GPS, check-ins at the nearest building, cases reported with photos, the worker's cases marked
// handled. Everything recorded goes to a queue on the phone (IndexedDB, field_queue.js) first and
// is sent when there is a connection; the service worker (/field/sw.js) keeps the app and today's
// work for when there is none. Every value from data reaches the page as text.
(function () {
  const slug = document.body.dataset.jurisdiction;
  const Q = window.fieldQueue;
  // Each item is queued as the account it was recorded by, and sent only by that account: on a
  // phone shared by a shift, what one worker recorded offline must not be credited to the next
  // one to sign in. (Items queued before this carry no account: they are sent by whoever syncs.)
  // The account is asked of the service (/auth/me) whenever there is a connection: the page
  // itself may be the service worker's copy from another's session. Offline, the last one known.
  let me = localStorage.getItem(GRIDMAP_FIELD_USER) || null;
  // Known once /auth/me has answered this session (or at once with no signal: the last one known).
  let accountKnown = Promise.resolve();
  const record = async (item) => { await accountKnown; return Q.add({ user: me, ...item }); };
  const held = (i, who) => Boolean(i.user) && i.user !== who;
  async function signedInAs() {  // who this phone's session is now; null when signed out or unknown
    const r = await fetch("/auth/me", { noLoginRedirect: true });
    if (r.status === 401) { signedOut(); return null; }
    if (!r.ok) return null;
    const now = (await r.json()).username;
    if (now !== me) await gridmapForgetFieldDays();  // the day kept here was another's
    await endWalkUnless(now);  // a walk left going by another: ended as theirs
    me = now;
    localStorage.setItem(GRIDMAP_FIELD_USER, me);
    return me;
  }
  // The most walk points the service takes in one walk and in one batch (gis/limits.py).
  const maxFixes = () => Number(document.body.dataset.maxFixes) || 20000;
  const PHOTO_SIDE = 1600;  // the phone's own resize before upload (the service caps at 2048)
  const MAX_PHOTOS = 4;
  const state = { today: null, position: null, walk: null, syncing: false, pick: false, picked: null, candidate: null,
                  reportPhotos: [], handlePhotos: [], handling: null, signedOut: false, said: "", correcting: null,
                  follow: false, saved: "", syncAgain: false };
  const $ = (id) => document.getElementById(id);
  // A text cut to at most ``n`` characters, at a space or a mark of punctuation where there is one
  // in its second half (never in the middle of an English word), with … where it was cut.
  function brief(text, n) {
    const chars = [...text];
    if (chars.length <= n) return text;
    const head = chars.slice(0, n - 1).join("");
    const at = Math.max(...[" ", "，", "。", "、", "；", ",", ".", ";"].map((c) => head.lastIndexOf(c)));
    return (at >= head.length / 2 ? head.slice(0, at) : head).trimEnd() + "…";
  }
  // A case's category (or a category) in the page's language.
  const category = (c) => (gridmapLang() === "en" ? c.category_en || c.name_en : c.category_zh || c.name_zh);
  // A time as the phone's clock reads it (month, day, hour, minute).
  const when = (iso) => new Date(iso).toLocaleString(gridmapLang() === "en" ? "en-GB" : "zh-CN",
    { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });

  document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t(n.dataset.i18n); });
  document.documentElement.lang = gridmapLang() === "en" ? "en" : "zh";
  // The other language, a thumb away (short on the bar; its name said in full to a screen reader).
  // The page is the same page with ?lang=: the service worker serves it offline too.
  $("lang").textContent = t("f_lang");
  $("lang").setAttribute("aria-label", t("language"));
  $("lang").onclick = () => { location.href = withLang(location.href, gridmapLang() === "en" ? "zh" : "en"); };
  // Signing out on a shared phone: the days kept for offline and the day's walked streets go (the
  // next to sign in never sees them); what is queued stays, sent when its worker signs in again.
  // (in the sheet of her account, opened by a tap on her name in the bar)
  // From there, the office's pages she may open (online): the cases, her grid's page, the map.
  $("who").onclick = () => {
    $("account-title").textContent = $("worker").textContent || me || "";
    $("account-who").textContent = me ? tf("f_signed_in_as", { user: me }) : "";
    const d = state.today;
    const q = (path) => withLang(`${path}?jurisdiction=${encodeURIComponent(slug)}`, gridmapLang());
    $("account-pages").replaceChildren(...(d ? [
      el("a", { className: "big", href: q("/cases") }, t("nav_cases")),
      d.grid ? el("a", { className: "big", href: q(`/grids/${encodeURIComponent(d.grid.code)}`) }, t("my_grid")) : null,
      el("a", { className: "big", href: q("/") }, t("nav_map")),
    ] : []).filter(Boolean));
    show("account");
  };
  $("sign-out").onclick = async () => {
    const waiting = (await Q.all()).filter((i) => i.status === "waiting" && !held(i, me)).length;
    if (waiting && !confirm(tf("f_sign_out_waiting", { n: waiting }))) return;
    await gridmapSignOut("/login?next=" + encodeURIComponent("/field"));
  };

  // --- the map -----------------------------------------------------------------------------
  const map = L.map("map", { zoomControl: true, attributionControl: false, zoomSnap: 0.25 });
  window.gridmapMap = map;  // as on the office's pages
  map.createPane("me").style.zIndex = 650;  // the worker's own position above everything drawn
  map.setView([39.9143, 116.4818], 16);
  L.control.scale({ imperial: false }).addTo(map);
  // The map's box changes after it is drawn (the bar wraps to the worker's grid, a banner comes
  // and goes): Leaflet is told, or its middle is no longer the box's (centred on the worker, she
  // stood 54 px below the middle of a phone's map).
  new ResizeObserver(() => map.invalidateSize()).observe($("map"));
  const layers = { outside: L.layerGroup().addTo(map), area: L.layerGroup().addTo(map), route: L.layerGroup().addTo(map),
                   places: L.layerGroup().addTo(map), unsent: L.layerGroup().addTo(map),
                   me: L.layerGroup({ pane: "me" }).addTo(map), track: L.layerGroup().addTo(map) };
  let fitted = false;
  // The streets of the route named on the map, as on the office's maps (never one on another)
  // and its buildings, by their number (3号楼) from zoom 16 and in full from 18: two buildings 20 m
  // apart are told apart on the map, not by guess.
  const labels = gridmapLabels.create(map, { street: 15, building: 16 });
  for (const kind of ["grid", "compound", "street", "building"]) labels.groups[kind].addTo(map);

  // Centre on me: the map goes to where the phone is (near enough to name the buildings) and
  // follows it as it moves, until the map is dragged. It follows at once during a walk.
  const FOLLOW_ZOOM = 17;
  const Follow = L.Control.extend({
    options: { position: "bottomright" },
    onAdd() {
      const b = el("button", { id: "follow", type: "button", className: "follow", title: t("f_centre_me") }, "◎");
      b.setAttribute("aria-label", t("f_centre_me"));
      b.setAttribute("aria-pressed", "false");
      L.DomEvent.disableClickPropagation(b);
      b.onclick = () => follow(true, true);
      return b;
    },
  });
  new Follow().addTo(map);
  function follow(on, asked = false) {
    state.follow = on && Boolean(state.position);
    if (on && !state.position && asked) banner(t("f_no_position"));
    $("follow").classList.toggle("on", state.follow);
    $("follow").setAttribute("aria-pressed", String(state.follow));
    // at once, not animated: a fix arriving during a zoom's animation would be undone at its end
    if (state.follow) map.setView([state.position.lat, state.position.lon], Math.max(map.getZoom(), FOLLOW_ZOOM), { animate: false });
    // centred on a blank map: said why (she stands outside the community)
    if (state.follow && asked && state.today && !inCommunity([state.position.lon, state.position.lat], state.today)) {
      banner(t("f_you_outside"));
    }
  }
  map.on("dragstart", () => { if (state.follow) follow(false); });

  // The outer rings of a (Multi)Polygon, as [lon, lat] lists.
  const rings = (g) => (g.type === "Polygon" ? [g.coordinates[0]] : g.coordinates.map((p) => p[0]));
  // Is the point inside the (Multi)Polygon (even-odd over every ring: holes count as outside)?
  function inside([x, y], g) {
    let odd = false;
    for (const ring of (g.type === "Polygon" ? [g.coordinates] : g.coordinates).flat()) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i], [xj, yj] = ring[j];
        if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
      }
    }
    return odd;
  }

  // Whether a point lies in the community: inside its boundary or as near it as the service allows
  // (a worker on a street drawn along the boundary stands a few millimetres past it, and her report
  // there was refused as outside; a day kept from an older service has no tolerance: none).
  function inCommunity([lon, lat], d) {
    if (inside([lon, lat], d.boundary)) return true;
    const rings = (d.boundary.type === "Polygon" ? [d.boundary.coordinates] : d.boundary.coordinates).flat();
    return toLines({ lon, lat }, rings) <= (d.boundary_tolerance_m || 0);
  }

  // [lon, lat] → metres east and north of ``origin``, in the plane tangent there (a community's
  // few hundred metres: off by less than a millimetre a metre).
  function flat([lon0, lat0]) {
    const R = 6371008.8 * Math.PI / 180, kx = R * Math.cos(lat0 * Math.PI / 180);
    return ([lon, lat]) => [(lon - lon0) * kx, (lat - lat0) * R];
  }

  // --- the walk's own progress, on the phone ------------------------------------------------
  // A street of the route turns green as it is walked, not only once the walk has been sent and
  // matched: a leg is done on the phone when fixes of today's walks (accurate to 50 m) came within
  // NEAR_LEG_M of LEG_DONE of the points every LEG_STEP_M along it. Legs so done are kept for the
  // day on the phone: the service counts a street walked over half its length, so a street the
  // route's start splits in two (walked as its first leg and its last) would otherwise stay
  // "to walk" after its first leg was walked, and "next: 1." all day.
  const NEAR_LEG_M = 25, LEG_STEP_M = 10, LEG_DONE = 0.8, VAGUE_FIX_M = 50;
  const progress = { key: null, origin: null, samples: [], cells: new Map(), hits: new Map(), total: new Map(),
                     done: new Set() };
  const legKey = (leg) => `${leg.seq}:${leg.edge_id}`;
  const legDone = (d, leg) => d.walked.includes(leg.edge_id) || progress.done.has(legKey(leg));
  const plane = (lon, lat) => flat(progress.origin)([lon, lat]);
  const cellOf = (x, y) => `${Math.floor(x / NEAR_LEG_M)},${Math.floor(y / NEAR_LEG_M)}`;
  function prepareProgress(d) {
    const key = `gridmap-field-done-${slug}-${d.route ? d.route.day : ""}-${me || ""}`;
    const legs = d.legs.map(legKey).join(",");
    if (progress.key === `${key}|${legs}`) return false;
    Object.assign(progress, { key: `${key}|${legs}`, storeKey: key, samples: [], cells: new Map(), hits: new Map(),
                              total: new Map(), done: new Set() });
    if (!d.legs.length) return true;
    progress.origin = d.legs[0].coordinates[0];
    for (const old of Object.keys(localStorage)) {  // the days before are done with
      if (old.startsWith("gridmap-field-done-") && old !== key) localStorage.removeItem(old);
    }
    const kept = JSON.parse(localStorage.getItem(key) || "[]");
    for (const leg of d.legs) {
      if (kept.includes(legKey(leg))) progress.done.add(legKey(leg));
      if (legDone(d, leg)) continue;
      const pts = leg.coordinates.map(([lon, lat]) => plane(lon, lat));
      const along = [pts[pts.length - 1]];  // every LEG_STEP_M along each segment, and the end
      for (let i = 1; i < pts.length; i++) {
        const [ax, ay] = pts[i - 1], [bx, by] = pts[i], len = Math.hypot(bx - ax, by - ay);
        for (let f = 0; f < len; f += LEG_STEP_M) along.push([ax + (f / len) * (bx - ax), ay + (f / len) * (by - ay)]);
      }
      for (const [x, y] of along) {
        const id = progress.samples.push({ leg: legKey(leg), x, y }) - 1;
        const c = cellOf(x, y);
        if (!progress.cells.has(c)) progress.cells.set(c, []);
        progress.cells.get(c).push(id);
      }
      progress.total.set(legKey(leg), along.length);
      progress.hits.set(legKey(leg), new Set());
    }
    return true;
  }
  // A fix of a walk: the points of legs near it covered; true when a leg is done by it.
  function coverFix(p) {
    if (!progress.origin || (p.accuracy && p.accuracy > VAGUE_FIX_M)) return false;
    const [x, y] = plane(p.lon, p.lat);
    const [cx, cy] = [Math.floor(x / NEAR_LEG_M), Math.floor(y / NEAR_LEG_M)];
    let finished = false;
    for (let i = -1; i <= 1; i++) {
      for (let j = -1; j <= 1; j++) {
        for (const id of progress.cells.get(`${cx + i},${cy + j}`) || []) {
          const sample = progress.samples[id];
          if (progress.done.has(sample.leg) || Math.hypot(sample.x - x, sample.y - y) > NEAR_LEG_M) continue;
          const hits = progress.hits.get(sample.leg);
          hits.add(id);
          if (hits.size >= LEG_DONE * progress.total.get(sample.leg)) { progress.done.add(sample.leg); finished = true; }
        }
      }
    }
    if (finished) localStorage.setItem(progress.storeKey, JSON.stringify([...progress.done]));
    return finished;
  }
  // Today's walks on the phone (the one under way, and those waiting to be sent) counted again
  // when today's work changes; drawn again if a leg was done by them.
  async function walkedHere(d) {
    const queued = (await Q.all()).filter((i) => i.type === "track" && i.status === "waiting" && !held(i, me));
    const midnight = new Date(); midnight.setHours(0, 0, 0, 0);  // today's fixes only: a walk of yesterday's never sent walks nothing today
    const fixes = [...queued.flatMap((i) => i.body.points), ...(state.walk ? state.walk.points : [])]
      .filter((p) => new Date(p.t) >= midnight);
    let finished = false;
    for (const p of fixes) finished = coverFix(p) || finished;
    if (finished && state.today === d) { draw(); summary(); }
  }

  function draw() {
    const d = state.today;
    Object.values(layers).forEach((g) => { if (g !== layers.me && g !== layers.track) g.clearLayers(); });
    if (!d) return;
    // Outside the community shaded: a case is reported inside it only (the service refuses the rest).
    L.polygon([[[-89, -179], [-89, 179], [89, 179], [89, -179]], ...rings(d.boundary).map((r) => r.map(([x, y]) => [y, x]))],
      { stroke: false, fillColor: "#555", fillOpacity: 0.28, interactive: false, className: "outside" }).addTo(layers.outside);
    L.geoJSON(d.boundary, { style: { color: "#222", weight: 3, fill: false, dashArray: "8 5" }, interactive: false }).addTo(layers.area);
    // Her grid at a glance: tinted and named (its outline runs under the route, on its streets,
    // and a faint fill read as one more grey); the compounds outlined and named, so that 8号楼 is
    // known to be of 电厂小区, not 柴家湾小区 (each has an 8号楼).
    labels.groups.grid.clearLayers();
    labels.groups.compound.clearLayers();
    for (const c of d.compounds || []) {
      L.geoJSON(c.geometry, { style: { color: "#475569", weight: 1.5, dashArray: "4 4", fill: false }, interactive: false })
        .addTo(layers.area);
    }
    labels.polygons("compound", L.geoJSON({ type: "FeatureCollection", features: (d.compounds || []).map((c) => ({
      type: "Feature", properties: { name: c.name }, geometry: c.geometry })) }), (q) => q.name);
    if (d.grid) {
      const mine = { type: "Feature", properties: { code: d.grid.code, name: d.grid.name }, geometry: d.grid.geometry };
      L.geoJSON(mine, { style: { color: "#0b5cab", weight: 3, fillColor: "#3b82f6", fillOpacity: 0.16, className: "my-grid" },
                        interactive: false }).addTo(layers.area);
      labels.grids(L.geoJSON(mine));
    }
    // No base map: the buildings of the grid, named on a tap, are what a worker finds their way by.
    // A building she checked in at today is green: where she has been is seen at a glance.
    for (const b of d.buildings) {
      const been = b.visited.length > 0;
      L.geoJSON(b.outline, { style: { color: been ? "#15803d" : "#6b7a8c", weight: been ? 2 : 1, fillOpacity: 0.9,
                                      fillColor: been ? "#bbf7d0" : "#d5dbe3", className: `building${been ? " visited" : ""}` } })
        .bindTooltip(el("span", {}, `${b.name || `#${b.id}`}${been ? " ✓" : ""}`)).addTo(layers.area);
    }
    labels.groups.building.clearLayers();
    labels.polygons("building", L.geoJSON({ type: "FeatureCollection", features: d.buildings.filter((b) => b.outline)
      .map((b) => ({ type: "Feature", properties: { name: b.name || `#${b.id}` }, geometry: b.outline })) }), (q) => q.name);
    for (const leg of d.legs) {
      const done = legDone(d, leg);
      const line = L.polyline(leg.coordinates.map(([x, y]) => [y, x]),
        { color: done ? "#1b7f3b" : "#ff6a00", weight: done ? 6 : 8, opacity: 0.9, className: done ? "leg done" : "leg todo" });
      line.bindTooltip(el("span", {}, `${leg.seq}. ${leg.name || ""} · ${t(done ? "f_done" : "f_todo")}`));
      line.addTo(layers.route);
      if (!done) arrow(leg).addTo(layers.route);
    }
    // Where the walk begins, and the office: a labelled square, never a dot (the worker's own
    // position is the one blue dot); one label where the walk begins at the office, as it usually does.
    const start = d.legs.length ? d.legs[0].coordinates[0] : null;
    const atOffice = start && d.office && metres({ lon: start[0], lat: start[1] }, { lon: d.office[0], lat: d.office[1] }) <= 30;
    if (start) {
      L.marker([start[1], start[0]], { icon: L.divIcon({ className: "start-pin", iconSize: null,
                                                         html: el("span", { className: "keep-clear keep-inside" }, atOffice ? t("f_start_at_office") : t("f_start")) }),
                                       keyboard: false, interactive: false }).addTo(layers.route);
    }
    if (d.office && !atOffice) {
      L.marker([d.office[1], d.office[0]], { icon: L.divIcon({ className: "office-pin", html: el("span", { className: "keep-clear keep-inside" }, t("f_office_short")),
                                                               iconSize: null }), keyboard: false })
        .bindTooltip(el("span", {}, t("f_office"))).addTo(layers.places);
    }
    for (const v of d.visits) {
      if (v.lon === null) continue;
      L.circleMarker([v.lat, v.lon], { radius: 11, color: "#fff", weight: 3, fillColor: v.done ? "#1b7f3b" : "#7a1fa2", fillOpacity: 1 })
        .bindTooltip(el("span", {}, `${v.name || v.building_id} · ${t("visit_" + v.kind)}`)).addTo(layers.places);
    }
    casePins(d.cases.filter((c) => !DONE.has(c.state))).forEach((m) => m.addTo(layers.places));
    labels.groups.street.clearLayers();
    labels.streets(L.geoJSON({ type: "FeatureCollection", features: d.legs.map((leg) => ({
      type: "Feature", properties: { name: leg.name, length_m: leg.length_m },
      geometry: { type: "LineString", coordinates: leg.coordinates } })) }));
    if (!fitted) {
      const bounds = L.featureGroup([...layers.route.getLayers(), ...layers.area.getLayers()]).getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12], animate: false }); fitted = true; }
    }
    placeNames();
  }

  // Cases on the map: a pin in the colour of the most urgent case at its place (红 / 黄 / 蓝, as the
  // office's pages draw them; field.css), its
  // number of cases in it, so that two cases at one spot never read as one; a pin, not a dot, so
  // that a blue case left behind never reads as the worker's own position. A tap opens them in
  // 我的事件. Cases within SAME_PLACE_M of one another share a pin.
  const SAME_PLACE_M = 6;
  const RANK = { red: 0, yellow: 1, blue: 2 };
  // A case she has handled waits for the office (verified, closed): nothing more for her to do there.
  const DONE = new Set(["handled", "verified", "closed"]);
  // A case's pin: in its urgency's colour (none known: yellow), ``kind`` its other classes (reported:
  // hollow; unsent: dashed), ``mark`` the text in it.
  function pinIcon(urgency, kind, mark) {
    return L.divIcon({ className: `case-pin keep-clear ${kind} urgency-${urgency in RANK ? urgency : "none"}`,
                       html: el("span", {}, el("b", {}, mark)), iconSize: [30, 38], iconAnchor: [15, 38] });
  }
  function casePins(cases) {
    const groups = [];
    for (const c of cases) {
      if (c.lon === null) continue;
      const g = groups.find((x) => metres(x.at, c) <= SAME_PLACE_M);
      if (g) g.cases.push(c); else groups.push({ at: { lon: c.lon, lat: c.lat }, cases: [c] });
    }
    return groups.map(({ at, cases: here }) => {
      const top = here.reduce((a, b) => ((RANK[b.urgency] ?? 3) < (RANK[a.urgency] ?? 3) ? b : a));
      const hers = here.some((c) => c.assigned);  // given to her (filled), or only reported by her (hollow)
      const pin = L.marker([at.lat, at.lon], { icon: pinIcon(top.urgency, hers ? "" : "reported",
                                                             here.length > 1 ? String(here.length) : "!"),
                                              title: here.map((c) => `#${c.id}`).join(" "), riseOnHover: true });
      pin.bindTooltip(el("span", {}, ...here.flatMap((c, i) => [i ? el("br") : null,
        `#${c.id} ${category(c)} · ${t("urgency_" + c.urgency)}`])), { direction: "top", offset: [0, -34] });
      pin.on("click", (e) => { if (state.pick) pickAt(e.latlng); else openCases(here.map((c) => c.id)); });
      return pin;
    });
  }

  // Her reports kept on the phone, not sent yet (no signal): on the map where she made them, a
  // hollow pin with a dashed edge, until the service has them and they come back as its cases (a
  // report made offline was in the list but nowhere on the map).
  function drawUnsent(items) {
    layers.unsent.clearLayers();
    for (const i of items.filter((x) => x.type === "case" && !held(x, me) && x.body.where)) {
      const [lon, lat] = i.body.where.coordinates;
      L.marker([lat, lon], { icon: pinIcon(i.body.urgency, "reported unsent", "!"), title: i.label || "", riseOnHover: true })
        .bindTooltip(el("span", {}, `${i.label || ""} · ${t(i.status === "refused" ? "f_refused" : "f_report_waiting")}`),
                     { direction: "top", offset: [0, -34] })
        .on("click", (e) => { if (state.pick) pickAt(e.latlng); else openCases(); })
        .addTo(layers.unsent);
    }
    placeNames();  // names make room for them, as for the service's pins
  }

  // An arrow along a street still to walk, pointing the way the route walks it: halfway along, or
  // where a name is written there, at the first of a few places along it clear of every name (an
  // arrow went through the middle of 电厂路).
  function arrow(leg) {
    const head = el("span", { className: "arrow-head" }, "►");
    const m = L.marker([0, 0], { icon: L.divIcon({ className: "leg-arrow", html: head, iconSize: [22, 22], iconAnchor: [11, 11] }),
                                 keyboard: false, interactive: false });
    Object.assign(m, { along: leg.coordinates.map(([x, y]) => L.latLng(y, x)), head });
    return aim(m, 0.5);
  }
  // The arrow ``share`` of the way along its street, turned the way of the segment there. The map is
  // conformal: the angle on the screen is the same at every zoom.
  function aim(m, share) {
    const [at, i] = gridmapLabels.halfwayAlong(m.along, share);
    const a = map.project(m.along[i - 1], 18), b = map.project(m.along[i], 18);
    m.head.style.transform = `rotate(${(Math.atan2(b.y - a.y, b.x - a.x) * 180) / Math.PI}deg)`;
    return m.setLatLng(at);
  }
  const ARROW_AT = [0.5, 0.35, 0.65, 0.2, 0.8];
  function placeArrows() {
    const names = [...map.getContainer().querySelectorAll(".label:not(.hidden) > *")].map((n) => n.getBoundingClientRect());
    const clear = (b) => !names.some((n) => b.left < n.right && n.left < b.right && b.top < n.bottom && n.top < b.bottom);
    layers.route.eachLayer((m) => {
      if (!m.along) return;
      if (!ARROW_AT.some((share) => clear(aim(m, share).getElement().getBoundingClientRect()))) aim(m, 0.5);
    });
  }
  // The names placed again (what they keep clear of moved, or they did), then the arrows around them.
  function placeNames() {
    labels.place();
    placeArrows();
  }
  map.on("zoomend moveend resize overlayadd overlayremove", placeArrows);  // after the names' (gridmapLabels.create)

  function summary() {
    const d = state.today;
    const box = $("summary");
    box.replaceChildren();
    if (!d) { $("worker").textContent = ""; return; }
    const todo = d.legs.filter((l) => !legDone(d, l));
    const km = todo.reduce((m, l) => m + (l.length_m || 0), 0) / 1000;
    const parts = [];
    if (d.route) {
      const key = (d.route.grid ? "f_route_grid" : "f_route") + (d.route.of === 1 ? "_one" : "");
      parts.push(tf(key, { n: d.route.number, of: d.route.of, km: (d.route.length_m / 1000).toFixed(1), min: Math.round(d.route.minutes) }));
      parts.push(todo.length ? tf("f_streets_left", { n: todo.length, km: km.toFixed(1) }) : t("f_route_done"));
      const next = [...d.legs].sort((a, b) => a.seq - b.seq).find((l) => !legDone(d, l));
      if (next) parts.push(tf("f_next", { n: next.seq, name: next.name || "" }).trim());
    } else parts.push(t("f_no_route"));
    if (!d.workday && d.route) parts.unshift(tf("f_rest_day", { day: d.route.day }));
    if (d.visits.length) parts.push(tf("f_visits_left", { n: d.visits.filter((v) => !v.done).length }));
    box.append(el("div", { id: "route-text" }, parts.join(" · ")));
    $("worker").textContent = `${d.worker.name} · ${d.grid ? d.grid.name || d.grid.code : d.jurisdiction_name}`;
  }

  // --- today's work: from the network, else the copy the service worker kept -------------
  // Asked again when the app comes back to the front and every REFRESH_S while it is in front: a
  // case the office gives her (a red one is due in hours) reaches the phone without a reload, and
  // is said (接诉即办).
  const REFRESH_S = 120;
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    if (gridmapSessionOver() && state.today) noOnesDay();  // offline too: no one's day past the session's end
    else if (navigator.onLine && !state.signedOut && !state.syncing) loadToday();
  });
  setInterval(() => {  // and what waits on the phone goes again (sent back for now: busy, streets changed)
    if (document.visibilityState === "visible" && navigator.onLine && !state.signedOut && !state.syncing) {
      sync().then(() => loadToday());
    }
  }, REFRESH_S * 1000);
  // The cases given to her, as last seen on this phone, kept (a case given while the app was shut
  // was never said: the app opened knowing none, and took all it found as known). Opened with none
  // kept (first use, or signed in again), the cases waiting for her are said by their number.
  const seenKey = () => `gridmap-field-seen-${slug}-${me || ""}`;
  function newCases(d) {
    const given = d.cases.filter((c) => c.assigned && !DONE.has(c.state));
    const kept = localStorage.getItem(seenKey());
    const known = kept === null ? null : new Set(JSON.parse(kept));
    localStorage.setItem(seenKey(), JSON.stringify(given.map((c) => c.id)));
    if (known === null) {
      if (given.length) banner(tf("f_cases_waiting", { n: given.length }), given.some((c) => c.urgency === "red"));
      return;
    }
    const fresh = given.filter((c) => !known.has(c.id));
    if (!fresh.length) return;
    fresh.sort((a, b) => (RANK[a.urgency] ?? 3) - (RANK[b.urgency] ?? 3));
    const c = fresh[0];
    banner(tf("f_new_cases", { n: fresh.length, id: c.id, urgency: t("urgency_" + c.urgency),
                               what: category(c) }), c.urgency === "red");
  }
  // One load at a time. Asked while one is on its way, another follows it (once, for every caller
  // meanwhile): a load begun before a sync would bring back the cases as they were before it.
  let loading = null, again = null;
  function loadToday() {
    if (!loading) {
      loading = fetchToday().finally(() => { loading = null; });
      return loading;
    }
    if (!again) again = loading.then(() => { again = null; return loadToday(); });
    return again;
  }

  async function fetchToday() {
    const url = `/field/${encodeURIComponent(slug)}/today`;
    // past the session's end, offline too (the service worker would answer with the day it kept)
    if (gridmapSessionOver()) { await noOnesDay(); return; }
    let r = null;
    const viaWorker = Boolean(navigator.serviceWorker && navigator.serviceWorker.controller);
    // asked again with the version in hand and kept for offline: 304 when nothing changed (a
    // refresh every two minutes costs a phone's data nothing then). Not kept yet (the first time,
    // before the service worker was in control), asked whole: the worker keeps what it passes on.
    const kept = state.today && viaWorker && document.body.dataset.kept === state.today.version;
    const headers = kept ? { "If-None-Match": state.today.version } : {};
    try { r = await fetch(url, { noLoginRedirect: true, headers }); } catch (e) { r = null; }
    if (r && r.status === 304) return;  // the day as it is drawn
    if (r && r.status === 401) {  // signed out: never the day kept for whoever was signed in
      await noOnesDay();
      return;
    }
    if (r && !r.ok && r.status < 500) {  // refused (not a worker's account, another community): said, nothing kept shown
      banner((await r.json().catch(() => ({}))).detail || t("error"), true);
      return;
    }
    if (!r || !r.ok) {  // no signal, or the service unreachable: the day kept, while the session lasts
      const hit = window.caches ? await caches.match(url, { ignoreSearch: true }) : null;
      r = hit || null;
    }
    if (!r) { banner(t("error"), true); return; }
    const day = await r.json();
    // through the service worker, which keeps each version before it answers: kept for offline
    if (viaWorker) document.body.dataset.kept = day.version;
    if (state.today && day.version === state.today.version) return;  // the same: nothing to draw again
    state.today = day;
    document.body.dataset.version = state.today.version;
    document.body.dataset.legs = JSON.stringify(state.today.legs.map((l) => l.edge_id));
    // the streets walked on the phone known before they are counted, and the bar at its height
    // (the worker's grid) before the map is fitted
    const fresh = prepareProgress(state.today);
    summary(); draw(); renderCases();
    if (fresh) walkedHere(state.today);
    newCases(state.today);
  }

  // A message under the bar: a mistake stays until the next thing is done; news goes by itself
  // after NEWS_S (the map takes its room back).
  const NEWS_S = 12;
  let fading = null;
  function banner(text, error, link) {
    const b = $("banner");
    clearTimeout(fading);
    if (text && !error) fading = setTimeout(() => { if (b.firstChild && b.firstChild.textContent === text) b.hidden = true; }, NEWS_S * 1000);
    b.replaceChildren(el("span", {}, text));
    if (link) b.append(" ", el("a", { href: link.href }, link.text));
    b.className = error ? "error" : "";
    b.hidden = !text;
    // the banner is under an open sheet: a mistake in its form is said in the sheet as well
    document.querySelectorAll(".sheet-error").forEach((x) => x.remove());
    const open = document.querySelector(".sheet:not([hidden])");
    if (error && text && open) {
      const said = el("div", { className: "sheet-error", role: "alert" }, text);
      open.querySelector("h2").after(said);
      said.scrollIntoView({ block: "nearest" });
    }
  }

  function signedOut() {
    state.signedOut = true;
    banner(t("f_sign_in_again"), true, { href: "/login?next=" + encodeURIComponent("/field"), text: t("f_sign_in") });
  }
  // Signed out, or the session over: the day drawn goes with the one kept (an app left open at
  // the end of a shift showed her route and cases to the next one to pick the phone up), and a
  // walk still going is ended as hers, queued (the next one's fixes are never added to it).
  async function noOnesDay() {
    signedOut();
    await gridmapForgetFieldDays();
    state.today = null;
    delete document.body.dataset.version;
    draw(); summary(); renderCases();
    await endWalkUnless(null);
  }
  // A walk going ended and queued as its owner's, unless it is ``who``'s (a walk from before walks
  // carried their account counts as the one signed in); ``who`` none: whoever's it is.
  async function endWalkUnless(who) {
    const w = state.walk;
    if (!w || (who && (w.user || who) === who)) return;
    state.walk = null;
    await Q.endWalk();
    if (goesAnywhere(w)) await keepWalk(w);
    drawWalk();
  }
  // The session's end (known from its sign-in) comes while the app is open: the day goes then.
  function watchSessionEnd() {
    const left = (gridmapSessionEnds() || 0) - Date.now();
    if (left > 0 && left < 2 ** 31 - 1) setTimeout(() => { if (gridmapSessionOver()) noOnesDay(); }, left + 1000);
  }

  // --- position and the walk --------------------------------------------------------------
  let meMarker = null, meCircle = null, trackLine = null;
  function onPosition(p) {
    const c = p.coords;
    state.position = { lon: c.longitude, lat: c.latitude, accuracy: c.accuracy, t: new Date(p.timestamp || Date.now()).toISOString() };
    const at = [c.latitude, c.longitude];
    if (!meMarker) {
      meCircle = L.circle(at, { pane: "me", radius: c.accuracy || 10, color: "#1e88e5", weight: 1, fillOpacity: 0.12, interactive: false }).addTo(layers.me);
      // keep-clear: no name is placed under her (a street's name went under the dot where she stood on it)
      meMarker = L.circleMarker(at, { pane: "me", radius: 10, color: "#fff", weight: 3, fillColor: "#1e88e5", fillOpacity: 1,
                                      className: "me keep-clear", interactive: false }).addTo(layers.me);  // a tap goes to the pin under it
    } else { meMarker.setLatLng(at); meCircle.setLatLng(at); meCircle.setRadius(c.accuracy || 10); }
    if (state.follow) map.panTo(at);  // the names are placed again when the map has moved
    document.body.dataset.position = `${c.longitude.toFixed(6)},${c.latitude.toFixed(6)}`;
    if (state.walk) {
      const last = state.walk.points[state.walk.points.length - 1];
      if (!last || last.lon !== state.position.lon || last.lat !== state.position.lat) {
        state.walk.points.push({ ...state.position });
        if (state.walk.points.length >= maxFixes()) splitWalk();  // a walk the service takes whole
        else Q.saveWalk(state.walk);
        drawWalk();
        if (state.today && coverFix(state.position)) { draw(); summary(); }  // a street just walked turns green
      }
    }
    if (!state.follow) clearOfMe(at);
    if (!$("checkin").hidden) nearby();
    if (!$("report").hidden && !state.picked) whereText();
  }
  // The names placed again about her dot when it has moved a few pixels on the screen since they
  // last were (not on every fix: placing reads every name's box, a phone's work).
  let placedAbout = null;
  map.on("moveend zoomend", () => { placedAbout = null; });
  function clearOfMe(at) {
    const p = map.latLngToContainerPoint(at);
    if (placedAbout && p.distanceTo(placedAbout) < 6) return;
    placedAbout = p;
    placeNames();
  }

  function drawWalk() {
    const pts = state.walk ? state.walk.points.map((p) => [p.lat, p.lon]) : [];
    if (!trackLine) trackLine = L.polyline(pts, { color: "#1e88e5", weight: 4, dashArray: "2 6" }).addTo(layers.track);
    else trackLine.setLatLngs(pts);
    walkButton();
  }

  // The walk's button: while walking, how far and how long so far (it showed the number of fixes,
  // "(13)", which said nothing to her).
  function walkButton() {
    const b = $("walk");
    const w = state.walk;
    if (stopAsked) return;  // asking "tap again to stop": left as it is until answered
    if (w) b.replaceChildren(t("f_walk_stop"), el("small", { className: "sub" }, tf("f_walk_so_far", walkedSoFar(w))));
    else b.textContent = t("f_walk_start");
    b.className = w ? "big stop" : "big primary";
    b.setAttribute("aria-pressed", w ? "true" : "false");
  }
  function walkedSoFar(w) {
    let m = 0;
    for (let i = 1; i < w.points.length; i++) m += metres(w.points[i - 1], w.points[i]);
    const minutes = Math.max(0, Math.round((Date.now() - Date.parse(w.started)) / 60000));
    return { km: (m / 1000).toFixed(1), min: minutes };
  }
  // Stopping asks a second tap within a few seconds (one tap in a pocket ended the walk).
  let stopAsked = null;
  const STOP_CONFIRM_S = 5;
  function askToStop() {
    const b = $("walk");
    b.textContent = t("f_walk_stop_again");
    b.classList.add("confirm");
    stopAsked = setTimeout(() => { stopAsked = null; b.classList.remove("confirm"); walkButton(); }, STOP_CONFIRM_S * 1000);
  }

  $("walk").onclick = async () => {
    if (!state.walk && (!state.today || !me)) {  // whose walk, and along what: as the sheets, it says why not
      noDay();
      return;
    }
    if (!state.walk) {
      state.walk = { client_id: Q.uuid(), user: me, started: new Date().toISOString(),
                     points: state.position ? [{ ...state.position }] : [] };
      await Q.saveWalk(state.walk);
      follow(true);
    } else {
      if (!stopAsked) { askToStop(); return; }
      clearTimeout(stopAsked);
      stopAsked = null;
      $("walk").classList.remove("confirm");
      const w = state.walk;
      state.walk = null;
      await Q.endWalk();
      if (goesAnywhere(w)) {
        await keepWalk(w);
        await afterRecord(tf("f_walk_saved", { n: w.points.length }));
      } else if (!w.continued) banner(t("f_walk_too_short"));  // a tap on start and stop: nothing to send back
    }
    drawWalk();
  };

  const keepWalk = (w) => record({ type: "track", client_id: w.client_id, user: w.user || me, body: { points: w.points },
                                   label: tf("f_fixes", { n: w.points.length }) });
  // A walk as long as the service takes in one (hours of fixes every second) is kept as it is,
  // and the walk goes on as a new one from its last point: nothing recorded is ever too long to send.
  async function splitWalk() {
    const w = state.walk;
    const next = { client_id: Q.uuid(), user: w.user, started: w.points[w.points.length - 1].t,
                   points: [w.points[w.points.length - 1]], continued: true };
    state.walk = next;
    await keepWalk(w);  // queued before the walk kept as "current" is the new one: nothing lost between
    if (state.walk === next) await Q.saveWalk(next);  // not when stopped meanwhile: no walk is current then
  }
  // A walk is kept if it goes anywhere (20 m from where it began, the service's least step): a
  // start and stop tapped at once, or the last piece of a split walk at the spot where the one
  // before ended, would only come back refused ("too short").
  const goesAnywhere = (w) => w.points.some((p) => metres(w.points[0], p) >= 20);

  if ("geolocation" in navigator) {
    navigator.geolocation.watchPosition(onPosition, () => {}, { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 });
  }

  // --- sheets -------------------------------------------------------------------------------
  // A sheet opens on today's work: with none (signed out, or never loaded with no signal) it says
  // why instead of opening empty ("no building nearby", "choose a category" were not true). The
  // queue opens always: what waits on the phone is there whoever is signed in.
  const noDay = () => (state.signedOut ? signedOut() : banner(t("f_no_today"), true));
  function show(id) {
    if (!state.today && id !== "queue" && id !== "account") {
      noDay();
      return false;
    }
    document.querySelectorAll(".sheet").forEach((s) => { s.hidden = s.id !== id; });
    $("who").setAttribute("aria-expanded", String(id === "account"));
    // an open sheet is a step of the phone's history: Back closes it (it left the app for the
    // sign-in page, and what she had typed was lost)
    if (history.state && history.state.sheet) history.replaceState({ sheet: id }, "");
    else history.pushState({ sheet: id }, "");
    return true;
  }
  // A sheet closed: by its button, or once what it recorded is kept (its step of history taken back).
  function closeSheet(id) {
    $(id).hidden = true;
    state.pick = false;
    if (id === "report") pickMarker(null);
    if (history.state && history.state.sheet) history.back();
  }
  document.querySelectorAll("[data-close]").forEach((b) => { b.onclick = () => closeSheet(b.dataset.close); });
  // Back: the sheet open is closed (choosing a case's place on the map: back to the report).
  addEventListener("popstate", () => {
    const open = [...document.querySelectorAll(".sheet")].find((s) => !s.hidden);
    if (!open) return;
    if (open.id === "pickbar") { $("pick-back").click(); return; }
    open.hidden = true;
    state.pick = false;
    if (open.id === "report") pickMarker(null);
  });

  function metres(a, b) {
    const R = 6371008.8, r = Math.PI / 180;
    const dLat = (b.lat - a.lat) * r, dLon = (b.lon - a.lon) * r;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(dLon / 2) ** 2;
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  // Metres from a point to a building: to its outline, 0 inside (a worker at the door of a tower
  // 60 m deep is at the tower, not 30 m from its middle); the point given for it with no outline.
  function toBuilding(p, b) {
    if (!b.outline) return metres(p, b);
    if (inside([p.lon, p.lat], b.outline)) return 0;
    return toLines(p, (b.outline.type === "Polygon" ? [b.outline.coordinates] : b.outline.coordinates).flat());
  }
  // Metres from a point to the nearest of some lines ([lon, lat] lists), in a plane about it.
  function toLines(p, lines) {
    const xy = flat([p.lon, p.lat]);
    let best = Infinity;
    for (const ring of lines) {
      for (let i = 1; i < ring.length; i++) {
        const [ax, ay] = xy(ring[i - 1]), [bx, by] = xy(ring[i]);
        const dx = bx - ax, dy = by - ay, len = dx * dx + dy * dy;
        const f = len ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len)) : 0;
        best = Math.min(best, Math.hypot(ax + f * dx, ay + f * dy));
      }
    }
    return best;
  }

  // Check-in: the buildings nearest to where the worker stands, the nearest chosen already.
  // A building she chose stays chosen while the phone moves; the nearest, chosen for her, follows her.
  let chosenByHer = null;
  function nearby() {
    const d = state.today;
    const list = $("nearby");
    const chosen = chosenByHer;
    list.replaceChildren();
    if (!d) return;
    const here = state.position;
    const rows = d.buildings.map((b) => ({ b, m: here ? toBuilding(here, b) : null }))
      .sort((x, y) => (x.m === null ? 0 : x.m - y.m)).slice(0, 6);  // with no fix: the service's order, her grid's first
    rows.forEach(({ b, m }, i) => {
      const input = el("input", { type: "radio", name: "building", value: String(b.id) });
      input.checked = chosen ? chosen === String(b.id) : i === 0;
      const label = el("label", {}, input, el("span", {}, b.name || `#${b.id}`),
        b.visited.length ? el("span", { className: "meta" }, "✓") : null,
        m === null ? null : el("span", { className: "dist" }, tf("f_m", { m: Math.round(m) })));
      list.append(el("li", {}, label));
    });
  }
  // A check-in further than this from where the phone stands (beyond its accuracy) is asked again:
  // a visit is recorded as made, and the nearest building of one's grid may be streets away.
  const FAR_M = 100;
  function farNote() { $("checkin-far").hidden = true; $("checkin-far").textContent = ""; }
  // Opened, the sheet starts at the building she stands at and a small visit (it kept the last
  // check-in's building and kind, and one tap recorded a big visit 83 m behind her); a note typed
  // and not sent stays. While it is open, a building she chose stays chosen as the phone moves.
  $("open-checkin").onclick = () => {
    if (!show("checkin")) return;
    farNote();
    chosenByHer = null;
    $("nearby").replaceChildren();
    document.querySelectorAll("input[name=visit-kind]").forEach((i) => { i.checked = i.defaultChecked; });
    nearby();
  };
  $("nearby").onchange = () => { chosenByHer = ($("nearby").querySelector("input:checked") || {}).value || null; farNote(); };
  $("do-checkin").onclick = async () => {
    const chosen = $("nearby").querySelector("input:checked");
    if (!chosen) { banner(t("f_need_building"), true); return; }
    const kind = document.querySelector("input[name=visit-kind]:checked").value;
    const note = $("visit-note").value.trim();
    const b = state.today.buildings.find((x) => String(x.id) === chosen.value);
    const name = b ? b.name || `#${b.id}` : chosen.value;
    const here = state.position;
    const away = here && b ? toBuilding(here, b) - (here.accuracy || 0) : 0;
    if (away > FAR_M && $("checkin-far").hidden) {  // said once; a second tap records it
      $("checkin-far").textContent = tf("f_far", { name, m: Math.round(toBuilding(here, b)) });
      $("checkin-far").hidden = false;
      $("checkin-far").scrollIntoView({ block: "center" });
      return;
    }
    await record({ type: "visit", client_id: Q.uuid(), label: name,
                  body: { building_id: Number(chosen.value), kind, note: note || null, at: new Date().toISOString() } });
    $("visit-note").value = "";
    closeSheet("checkin");
    await afterRecord(tf("f_checked_in", { name }));
  };

  // Report: category, urgency, text, photos (resized here), where the worker stands or a tap.
  // Where, in the words of the street: at or by the nearest building, else by the nearest street
  // of the route (the coordinates only when neither is near), and how sure the phone is.
  function placeWords(p) {
    const acc = p.accuracy ? tf("f_accuracy", { acc: Math.round(p.accuracy) }) : "";
    const d = state.today;
    const near = d ? d.buildings.map((b) => ({ b, m: toBuilding(p, b) })).sort((x, y) => x.m - y.m)[0] : null;
    const street = d ? d.legs.filter((l) => l.name).map((l) => ({ l, m: toLines(p, [l.coordinates]) }))
      .sort((x, y) => x.m - y.m)[0] : null;
    let said = null;  // the point alone: its coordinates are the case's own
    if (near && near.m === 0) said = ["f_in_building", { name: near.b.name || `#${near.b.id}` }];
    else if (near && near.m <= 60) said = ["f_by_building", { name: near.b.name || `#${near.b.id}`, m: Math.round(near.m) }];
    else if (street && street.m <= 60) said = ["f_by_street", { name: street.l.name }];
    return {
      text: (said ? tf(...said) : tf("f_position", { lon: p.lon.toFixed(5), lat: p.lat.toFixed(5) })) + acc,
      words: said ? tf(...said, "zh") : "",  // kept with the case in the office's words (Chinese, as the names in them)
    };
  }
  function whereText() {
    const p = state.picked || state.position;
    const node = $("where-text");
    if (!p) { node.textContent = t("f_no_position"); return; }
    const { text, words } = placeWords(p);
    node.dataset.words = words;
    node.textContent = text;
    node.dataset.lonlat = `${p.lon.toFixed(6)},${p.lat.toFixed(6)}`;
  }
  $("open-report").onclick = () => { state.correcting = null; openReport(); };
  function openReport() {
    const select = $("category");
    if (state.today && !select.options.length) {  // no category chosen for the worker: a wrong one is hard to undo
      select.append(el("option", { value: "" }, t("f_choose_category")));
      for (const c of state.today.categories) select.append(el("option", { value: c.code }, category(c)));
    }
    select.value = "";  // each report its own category and urgency, never the last one's
    document.querySelector("input[name=urgency][value=blue]").checked = true;
    $("case-thumbs").querySelectorAll("img.kept").forEach((n) => n.remove());  // a corrected report's
    state.picked = null; state.pick = false; pickMarker(null);
    $("where-here").classList.add("on"); $("where-tap").classList.remove("on");
    if (!show("report")) return false;
    whereText(); buildingChoices();
    return true;
  }
  // A case the service sent back, corrected on the phone and sent again as the same report (its
  // client_id, its time, its photos): the form opens with what it said, the reason above it.
  async function correct(item) {
    state.correcting = item;
    if (!openReport()) return;
    const b = item.body;
    $("category").value = [...$("category").options].some((o) => o.value === b.category) ? b.category : "";
    const urgency = document.querySelector(`input[name=urgency][value="${b.urgency}"]`);
    if (urgency) urgency.checked = true;
    $("case-text").value = b.description;
    const [lon, lat] = b.where.coordinates;
    state.picked = { lon, lat, accuracy: null };
    pickMarker(state.picked);
    $("where-tap").classList.add("on"); $("where-here").classList.remove("on");
    whereText(); buildingChoices(b.building_id);
    banner(item.reason || "", true);
    // its photos, waiting on the phone to go after it, shown as they will be sent
    const kept = (await Q.all()).filter((x) => x.type === "photo" && x.case_client_id === item.client_id);
    const thumbs = await Promise.all(kept.map((x) => createImageBitmap(x.blob).then((bm) => thumbOf(bm, bm.width, bm.height))
      .catch(() => null)));
    $("case-thumbs").replaceChildren(...thumbs.filter(Boolean).map((src) => el("img", { src, alt: "", className: "kept" })));
  }
  $("category").onchange = () => banner("");
  // The building the case is at: the nearest of the worker's own grid (``own``: the service takes a
  // report at no other), chosen when the place is within NEAR_M of it (beyond the fix's accuracy);
  // or none, the point alone. Only hers within OFFER_M of the place are offered: at a building of
  // another grid the list offered hers 400 m away, and one chosen sent the case to the wrong block
  // (the place's words name the building there, and the case goes to that grid by its point).
  // ``keep``: the building a corrected report named, offered (and chosen) if it is one of hers,
  // however far (one of another grid's is not: that was why it came back).
  const NEAR_M = 30;
  const OFFER_M = 100;
  function buildingChoices(keep = null) {
    const d = state.today;
    const p = state.picked || state.position;
    const select = $("case-building");
    select.replaceChildren(el("option", { value: "" }, t("f_no_building")));
    $("building-note").hidden = true;
    if (!d || !p) return;
    const own = d.buildings.filter((b) => b.own).map((b) => ({ b, m: toBuilding(p, b) })).sort((x, y) => x.m - y.m);
    const rows = own.filter(({ b, m }, i) => (i < 5 && m - (p.accuracy || 0) <= OFFER_M) || b.id === keep);
    $("building-note").hidden = rows.length > 0;
    for (const { b, m } of rows) select.append(el("option", { value: String(b.id) }, `${b.name || `#${b.id}`} · ${tf("f_m", { m: Math.round(m) })}`));
    if (keep !== null) select.value = rows.some(({ b }) => b.id === keep) ? String(keep) : "";
    else if (rows.length && rows[0].m - (p.accuracy || 0) <= NEAR_M) select.value = String(rows[0].b.id);
  }
  $("where-here").onclick = () => { state.pick = false; state.picked = null; pickMarker(null); $("where-here").classList.add("on"); $("where-tap").classList.remove("on"); whereText(); buildingChoices(); };
  // Choosing the place on the map: the form steps aside for a short bar; each tap puts the point
  // there (a wrong tap is tapped again), said in the street's words, and 用这里 takes it back to the
  // form; 返回 keeps what the form had. A place outside the community is said at once, not taken.
  let pickedMarker = null;
  let before = null;  // the place the form had, for 返回
  function pickMarker(p) {
    if (pickedMarker) pickedMarker.remove();
    if (!p) { pickedMarker = null; return; }
    // a case she reports: a hollow pin (as on the map once sent), in the urgency chosen
    const urgency = document.querySelector("input[name=urgency]:checked").value;
    pickedMarker = L.marker([p.lat, p.lon], { icon: pinIcon(urgency, "reported", "+"), title: t("f_case_here"),
                                              interactive: false, zIndexOffset: 1000 }).addTo(layers.me);
  }
  $("where-tap").onclick = () => {
    before = state.picked;
    state.pick = true; state.candidate = before;
    $("pick-words").textContent = before ? placeWords(before).text : t("f_tap_map");
    $("pick-words").className = "hint";
    $("pick-use").disabled = !before;
    show("pickbar");
  };
  function pickAt(latlng) {
    const p = { lon: latlng.lng, lat: latlng.lat, accuracy: null };
    const outside = !inCommunity([p.lon, p.lat], state.today);
    state.candidate = outside ? null : p;
    pickMarker(p);
    $("pick-words").textContent = outside ? t("f_outside") : placeWords(p).text;
    $("pick-words").className = outside ? "hint warn" : "hint";
    $("pick-use").disabled = outside;
  }
  map.on("click", (e) => { if (state.pick) pickAt(e.latlng); });
  function backToReport(p) {
    state.pick = false; state.picked = p;
    pickMarker(p);
    $("where-tap").classList.toggle("on", Boolean(p)); $("where-here").classList.toggle("on", !p);
    show("report"); whereText(); buildingChoices();
  }
  $("pick-use").onclick = () => backToReport(state.candidate);
  $("pick-back").onclick = () => backToReport(before);

  async function resized(file) {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.82));
    return { blob, thumb: thumbOf(canvas, canvas.width, canvas.height) };
  }
  // A photo small, as a data: address (the page's policy loads no blob: image).
  function thumbOf(image, width, height) {
    const thumb = document.createElement("canvas");
    const ts = 144 / Math.max(width, height);
    thumb.width = Math.round(width * ts); thumb.height = Math.round(height * ts);
    thumb.getContext("2d").drawImage(image, 0, 0, thumb.width, thumb.height);
    return thumb.toDataURL("image/jpeg", 0.7);
  }
  // (``box`` may show a corrected report's photos already queued: they count, and stay)
  async function addPhotos(input, into, box) {
    const kept = [...box.querySelectorAll("img.kept")];
    for (const file of [...input.files]) {
      if (kept.length + into.length >= MAX_PHOTOS) break;
      try { into.push(await resized(file)); } catch (e) { banner(t("error"), true); }
    }
    input.value = "";
    box.replaceChildren(...kept, ...into.map((p) => el("img", { src: p.thumb, alt: "" })));
  }
  $("case-photos").onchange = () => addPhotos($("case-photos"), state.reportPhotos, $("case-thumbs"));
  $("handle-photos").onchange = () => addPhotos($("handle-photos"), state.handlePhotos, $("handle-thumbs"));

  $("do-report").onclick = async () => {
    const text = $("case-text").value.trim();
    const where = state.picked || state.position;
    const category = $("category").value;
    if (!category) { banner(t("f_need_category"), true); return; }
    if (!text) { banner(t("f_need_text"), true); return; }
    if (!where) { banner(t("f_need_place"), true); return; }
    if (!inCommunity([where.lon, where.lat], state.today)) { banner(t("f_outside"), true); return; }
    const fixing = state.correcting;
    state.correcting = null;
    const clientId = fixing ? fixing.client_id : Q.uuid();
    const building = $("case-building").value;
    whereText();
    const address = brief($("where-text").dataset.words, 200);  // what she read: whoever handles the case reads it too
    if (fixing) await Q.remove(fixing.seq);  // replaced by the corrected report, under its own id
    await record({ type: "case", client_id: clientId, label: brief(text, 40),
                  body: { category, urgency: document.querySelector("input[name=urgency]:checked").value, description: text,
                          where: { type: "Point", coordinates: [where.lon, where.lat] },
                          at: fixing ? fixing.body.at : new Date().toISOString(),
                          ...(address ? { address } : {}), ...(building ? { building_id: Number(building) } : {}) } });
    if (fixing) {  // its photos, sent back with it, go again after it
      for (const p of (await Q.all()).filter((x) => x.type === "photo" && x.case_client_id === clientId)) {
        await Q.update({ ...p, status: "waiting", reason: null });
      }
    }
    for (const p of state.reportPhotos) {
      await record({ type: "photo", client_id: Q.uuid(), case_client_id: clientId, stage: "before", blob: p.blob, label: brief(text, 20) });
    }
    state.reportPhotos = []; $("case-thumbs").replaceChildren(); $("case-text").value = "";
    pickMarker(null);
    closeSheet("report");
    await afterRecord(tf("f_report_saved", { what: brief(text, 20) }), tf("f_reported", { what: brief(text, 20) }));
  };

  // My cases: those dispatched to me (mark handled, with an after photo) and those I reported.
  // ``marked``: the ids of a pin tapped on the map, listed first.
  async function renderCases(marked = []) {
    const list = $("case-list");
    const d = state.today;
    const queue = await Q.all();
    // a case marked handled on the phone, not yet sent: said so, and not offered again (a second
    // mark would be refused as the office's change, when it was the worker's own first one)
    const pending = new Set(queue.filter((i) => i.type === "handled" && i.status === "waiting").map((i) => i.body.case_id));
    // reported on the phone and not yet sent (or sent back): listed first, said so
    const unsent = queue.filter((i) => i.type === "case" && !held(i, me));
    $("cases-n").textContent = String(unsent.length + (d ? d.cases.filter((c) => !DONE.has(c.state)).length : 0));
    // of them, those given to her still to handle, apart (the count mixed them with those she reported)
    const todo = d ? d.cases.filter((c) => c.assigned && !DONE.has(c.state) && !pending.has(c.id)).length : 0;
    $("cases-todo").textContent = tf("f_todo_n", { n: todo });
    $("cases-todo").hidden = !todo;
    list.replaceChildren();
    for (const i of unsent) {
      const b = i.body, cat = d && d.categories.find((c) => c.code === b.category);
      list.append(el("li", { className: i.status, dataset: { queued: i.client_id } },
        el("div", { className: "what" }, cat ? category(cat) : b.category),
        el("div", { className: "urgency-" + b.urgency }, t("urgency_" + b.urgency)),
        longText(b.description),
        b.address ? el("div", { className: "where" }, b.address) : null,
        el("div", { className: i.status === "refused" ? "reason" : "pending" },
           i.status === "refused" ? `${t("f_refused")}${t("f_colon")}${i.reason || ""}` : `${when(b.at)} · ${t("f_report_waiting")}`)));
    }
    if (!d || !d.cases.length) { if (!unsent.length) list.append(el("li", {}, t("f_none"))); return; }
    // hers to handle first, each by when it is due (the red one due in 2 hours was under a blue one
    // due in 3 days she could not handle); then those she reported, the same way
    const due = (c) => (c.due_at ? Date.parse(c.due_at) : Infinity);
    const order = [...d.cases].sort((a, b) => (marked.includes(b.id) - marked.includes(a.id))
      || (b.may_handle - a.may_handle) || (due(a) - due(b)) || (RANK[a.urgency] ?? 3) - (RANK[b.urgency] ?? 3) || a.id - b.id);
    for (const c of order) {
      const li = el("li", { className: marked.includes(c.id) ? "marked" : "", dataset: { case: String(c.id) } },
        el("div", { className: "what" }, `#${c.id} ${category(c)}`),
        el("div", { className: "urgency-" + c.urgency }, `${t("urgency_" + c.urgency)} · ${t("state_" + c.state)}`),
        longText(c.description),
        c.building ? el("div", { className: "where" }, `${t("f_at_building")}${t("f_colon")}${c.building}`) : null,
        c.address ? el("div", { className: "where" }, c.address) : null,
        c.instructions ? el("div", { className: "said" }, `${t("f_instructions")}${t("f_colon")}${c.instructions}`) : null,
        el("div", { className: "meta" }, `${t(c.assigned ? "f_assigned" : "f_reported_by_me")} · ${t("f_due")} ${when(c.due_at)}`),
        // the photos themselves (they were "1 张照片" alone), each opened whole by a tap
        c.photos.length ? el("div", { className: "thumbs" }, ...c.photos.map((p) => {
          const src = `/cases/${encodeURIComponent(slug)}/${c.id}/photos/${p.id}`;
          return el("a", { href: src, className: `photo ${p.stage}` },
            el("img", { src, alt: t(p.stage === "after" ? "f_after_photo" : "f_photo_before"), loading: "lazy" }));
        })) : null);
      if (c.lon !== null) {  // where it is, on the map
        const go = el("button", { type: "button", className: "big show-on-map" }, t("f_show_on_map"));
        go.onclick = () => showOnMap(c);
        li.append(go);
      }
      if (pending.has(c.id)) {
        li.append(el("div", { className: "pending" }, t("f_handled_waiting")));
      } else if (c.may_handle) {
        const b = el("button", { type: "button", className: "big primary handle" }, t("f_mark_handled"));
        b.onclick = () => openHandle(c);
        li.append(b);
      }
      list.append(li);
    }
  }
  // A case's description in a card: a long one (a hotline ticket runs to hundreds of characters)
  // shows its first lines and a button for the rest, so the next card and its buttons stay near.
  const LONG_TEXT = 60;
  function longText(text) {
    const words = el("div", { className: "text" }, text);
    if (text.length <= LONG_TEXT) return words;
    words.classList.add("clamped");
    const more = el("button", { type: "button", className: "more" }, t("f_more"));
    more.setAttribute("aria-expanded", "false");
    more.onclick = () => {
      const open = words.classList.toggle("clamped") === false;
      more.textContent = t(open ? "f_less" : "f_more");
      more.setAttribute("aria-expanded", String(open));
    };
    return el("div", {}, words, more);
  }

  // 我的事件, with ``ids`` (a pin's cases) first and marked.
  async function openCases(ids = []) {
    await renderCases(ids);
    if (!show("cases")) return;
    $("cases").scrollTop = 0;  // a pin's cases are listed first, under the sheet's title
  }
  $("open-cases").onclick = () => openCases();

  function openHandle(c) {
    state.handling = c; state.handlePhotos = [];
    $("handle-thumbs").replaceChildren(); $("handle-note").value = "";
    $("handle-title").textContent = tf("f_handle_title", { id: c.id });
    // what and where, to be sure of the case while writing what was done (the title said "#423" alone)
    $("handle-what").textContent = [category(c), c.description, c.building || c.address].filter(Boolean).join(" · ");
    show("handle");
  }
  // How much of the description is written, of the most it may be (it stopped at 2,000 without a
  // word, and the end was lost); said in red near the end.
  const MAX_TEXT = Number($("case-text").maxLength);
  function textCount() {
    const n = $("case-text").value.length;
    $("case-text-count").textContent = n ? tf("f_count", { n, max: MAX_TEXT }) : "";
    $("case-text-count").classList.toggle("near", n >= MAX_TEXT * 0.9);
  }
  $("case-text").addEventListener("input", textCount);
  // a mistake said in a sheet goes once the field it was about is filled (that one only: "choose a
  // category" stays while the description is typed)
  const saidOf = { "case-text": ["f_need_text"], "handle-note": ["f_need_note"], category: ["f_need_category"] };
  for (const [id, keys] of Object.entries(saidOf)) {
    $(id).addEventListener("input", () => {
      if (!$(id).value.trim()) return;
      const about = new Set(keys.map((k) => t(k)));
      document.querySelectorAll(".sheet-error").forEach((x) => { if (about.has(x.textContent)) x.remove(); });
    });
  }

  // A case of the list shown on the map: the list closed, the map on it, its pin's tooltip open.
  function showOnMap(c) {
    closeSheet("cases");
    follow(false);  // the map stays on the case, not back on her at the next fix
    map.setView([c.lat, c.lon], Math.max(map.getZoom(), 18), { animate: false });
    map.eachLayer((l) => { if (l.getTooltip && l.getTooltip() && l.options.title && l.options.title.split(" ").includes(`#${c.id}`)) l.openTooltip(); });
    document.body.dataset.shown = String(c.id);
  }
  $("do-handle").onclick = async () => {
    const c = state.handling;
    const note = $("handle-note").value.trim();
    if (!note) { banner(t("f_need_note"), true); return; }
    const photoIds = [];
    for (const p of state.handlePhotos) {
      const id = Q.uuid();
      photoIds.push(id);
      await record({ type: "photo", client_id: id, case_id: c.id, stage: "after", blob: p.blob, label: `#${c.id}` });
    }
    await record({ type: "handled", client_id: Q.uuid(), label: `#${c.id}`,
                  body: { case_id: c.id, version: c.version, note, at: new Date().toISOString(), photos: photoIds } });
    state.handlePhotos = [];
    closeSheet("handle");
    await afterRecord(tf("f_marked", { id: c.id }));
  };

  // --- the queue and the sync ---------------------------------------------------------------
  async function renderQueue() {
    const items = await Q.all();
    const waiting = items.filter((i) => i.status === "waiting").length;
    $("waiting").textContent = String(waiting);
    $("queue-button").classList.toggle("has", items.length > 0);
    document.body.dataset.waiting = String(waiting);
    document.body.dataset.refused = String(items.length - waiting);
    document.body.dataset.held = String(items.filter((i) => i.status === "waiting" && held(i, me)).length);
    drawUnsent(items);
    const list = $("queue-list");
    list.replaceChildren();
    for (const i of items) {
      const status = i.status === "refused" ? t("f_refused")
        : held(i, me) ? t("f_held").replaceAll("{user}", i.user) : t("f_waiting_item");
      // another's record says whose and what kind only: its words (a case's, a building's name) are theirs
      const li = el("li", { className: i.status, dataset: { type: i.type, held: String(held(i, me)) } },
        el("div", { className: "what" }, held(i, me) ? t("f_" + i.type) : `${t("f_" + i.type)} · ${i.label || ""}`),
        el("div", { className: "meta" }, `${when(i.queued_at)} · ${status}`));
      if (i.status === "refused" || held(i, me)) {  // another's, who may never sign in here again: it may go
        if (i.status === "refused" && !held(i, me)) li.append(el("div", { className: "reason" }, i.reason || ""));
        if (i.status === "refused" && i.type === "case" && !held(i, me)) {
          const fix = el("button", { type: "button", className: "big primary fix" }, t("f_correct"));
          fix.onclick = () => correct(i);
          li.append(fix);
        }
        const del = el("button", { type: "button", className: "big" }, t("f_delete"));
        del.onclick = async () => {
          if (held(i, me) && !confirm(tf("f_delete_held", { user: i.user }))) return;  // a colleague's record
          await Q.remove(i.seq);
          renderQueue();
        };
        li.append(del);
      } else if (TAKE_BACK.includes(i.type) && i.status === "waiting" && !state.syncing) {
        // her own check-in or report kept by mistake, not sent yet: taken back, it is never sent
        const back = el("button", { type: "button", className: "big take-back" }, t("f_take_back"));
        back.onclick = () => takeBack(i);
        li.append(back);
      }
      list.append(li);
    }
  }
  // What she may take back while it waits on the phone (a walk stays: it is what she walked).
  const TAKE_BACK = ["visit", "case"];
  async function takeBack(i) {
    if (!confirm(tf("f_take_back_ask", { what: `${t("f_" + i.type)} · ${i.label || ""}` }))) return;
    if (state.syncing) { banner(t("f_take_back_late")); return; }  // on its way: the service may have it already
    state.takingBack = true;  // set with nothing awaited since the check: a sync now waits for this (see sync)
    try {
      const items = await Q.all();
      if (!items.some((x) => x.seq === i.seq && x.status === "waiting")) return;  // sent meanwhile
      // a report's photos go with it
      for (const x of items.filter((x) => x.seq === i.seq || (x.type === "photo" && x.case_client_id === i.client_id))) {
        await Q.remove(x.seq);
      }
      state.said = state.saved = "";
      banner(tf("f_taken_back", { what: `${t("f_" + i.type)} · ${i.label || ""}` }));
    } finally {
      state.takingBack = false;
      await renderQueue();
      await renderCases();
      if (state.syncAgain) { state.syncAgain = false; sync(); }  // a sync asked for meanwhile
    }
  }
  $("queue-button").onclick = () => { renderQueue(); show("queue"); };
  $("sync-now").onclick = () => sync();

  // After something is recorded: what was done, said until the next thing is (kept across the sync),
  // and that it waits on the phone while there is no signal.
  // Said at once: what was kept on the phone, and that it is on its way (or waits for a signal);
  // ``done`` (已上报) only once the service has it. "已上报" was said before anything was sent, on
  // a connection that carried nothing for 95 s, and offline.
  async function afterRecord(saved, done = saved) {
    state.said = done;
    state.saved = saved;
    banner(`${saved} · ${t(navigator.onLine ? "f_sending" : "f_queued")}`);
    await renderQueue();
    await renderCases();
    sync();
  }

  // The service busy (429, 503: too many at once, a full pool): try again later, nothing refused.
  let retrying = null;
  function busy(r) {
    if (r.status !== 429 && r.status !== 503) return false;
    banner(t("f_busy"));
    const wait = Math.min(300, Math.max(1, Number(r.headers.get("Retry-After")) || 30));
    clearTimeout(retrying);  // sent again once the service said to, a moment more so that phones spread out
    retrying = setTimeout(() => sync(), (wait + Math.random() * 3) * 1000);
    return true;
  }

  // The queue in batches the service takes: up to 50 items, and up to maxFixes() walk points in all.
  function batches(items) {
    const out = [];
    let batch = [], fixes = 0;
    for (const i of items) {
      const n = i.type === "track" ? i.body.points.length : 0;
      if (batch.length && (batch.length === 50 || fixes + n > maxFixes())) { out.push(batch); batch = []; fixes = 0; }
      batch.push(i);
      fixes += n;
    }
    if (batch.length) out.push(batch);
    return out;
  }

  // ``who``: the account these are sent as (their own); the service refuses them (409) if the
  // phone's session has changed meanwhile, and they wait for the next sync to sort them again.
  async function send(items, who) {
    const body = { recorded_by: who, items: items.map((i) => ({ type: i.type, client_id: i.client_id, ...i.body })) };
    const r = await fetch(`/field/${encodeURIComponent(slug)}/sync`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), noLoginRedirect: true });
    if (r.status === 401) { signedOut(); return false; }
    if (busy(r) || r.status === 409) return false;  // refused for now, not for good: they wait for the next sync
    const answer = await r.json().catch(() => ({}));
    if (!r.ok) {
      for (const i of items) await Q.update({ ...i, status: "refused", reason: answer.detail || String(r.status) });
      return true;
    }
    for (const [k, res] of answer.results.entries()) {
      const i = items[k];
      if (res.status === "refused") {
        await Q.update({ ...i, status: "refused", reason: [res.reason, ...(res.problems || [])].join(" ") });
      } else {
        if (i.type === "case") await Q.setCaseId(i.client_id, res.id);
        await Q.remove(i.seq);
      }
    }
    return true;
  }

  async function sendPhoto(i, who) {
    let caseId = i.case_id || (await Q.caseId(i.case_client_id));
    if (!caseId) {
      const items = await Q.all();
      const parent = items.find((x) => x.client_id === i.case_client_id);
      if (parent && parent.status === "refused") await Q.update({ ...i, status: "refused", reason: parent.reason });
      return true;  // its case has not arrived yet: the photo waits
    }
    const url = `/cases/${encodeURIComponent(slug)}/${caseId}/photos?stage=${i.stage}&client_id=${i.client_id}`
      + `&recorded_by=${encodeURIComponent(who)}`;
    const r = await fetch(url, { method: "POST", headers: { "Content-Type": "image/jpeg" }, body: i.blob, noLoginRedirect: true });
    if (r.status === 401) { signedOut(); return false; }
    if (busy(r) || r.status === 409) return false;
    if (r.ok) { await Q.remove(i.seq); return true; }
    const answer = await r.json().catch(() => ({}));
    await Q.update({ ...i, status: "refused", reason: answer.detail || String(r.status) });
    return true;
  }

  async function sync() {
    // a record kept meanwhile, or one being taken back: sent after this round, or once it is gone
    if (state.syncing || state.takingBack) { state.syncAgain = true; return; }
    state.syncing = true;
    try {
      const before = await Q.all();
      if (!before.some((i) => i.status === "waiting")) return;  // nothing to send
      const refusedBefore = new Set(before.filter((i) => i.status === "refused").map((i) => i.seq));
      const who = await signedInAs();  // and only what they recorded
      if (!who) return;
      const waiting = () => Q.all().then((all) => all.filter((i) => i.status === "waiting" && !held(i, who)));
      if (!(await waiting()).length) return;  // nothing of theirs
      let items = (await waiting()).filter((i) => ["track", "visit", "case"].includes(i.type));
      for (const batch of batches(items)) { if (!(await send(batch, who))) return; }
      for (const p of (await waiting()).filter((i) => i.type === "photo")) { if (!(await sendPhoto(p, who))) return; }
      items = (await waiting()).filter((i) => i.type === "handled");
      if (items.length && !(await send(items, who))) return;
      state.signedOut = false;
      const refused = (await Q.all()).filter((i) => i.status === "refused" && !refusedBefore.has(i.seq));
      if (refused.length) {  // never "synced" for what the service sent back: why, and where to see it
        state.said = state.saved = "";
        banner(tf("f_refused_now", { n: refused.length, what: `${t("f_" + refused[0].type)} · ${refused[0].label || ""}`,
                                     reason: refused[0].reason || "" }), true);
      } else if (!(await waiting()).length) {  // 已同步 only when nothing of hers waits (one kept meanwhile goes next)
        banner(state.said ? `${state.said} · ${t("f_synced")}` : "");
        state.saved = "";
      }
      await loadToday();
    } catch (offline) {
      // no connection: everything stays queued on the phone, and is said to
      if (state.saved) banner(`${state.saved} · ${t("f_queued")}`);
    } finally {
      state.syncing = false;
      if (state.syncAgain) { state.syncAgain = false; setTimeout(sync, 0); }
      await renderQueue();
      document.body.dataset.syncs = String(Number(document.body.dataset.syncs || 0) + 1);  // tried, done
    }
  }

  function network() {
    const on = navigator.onLine;
    $("net").textContent = t(on ? "f_online" : "f_offline");
    $("net").className = "chip " + (on ? "online" : "offline");
    if (on) sync();
  }
  window.addEventListener("online", network);
  window.addEventListener("offline", network);

  // --- start ---------------------------------------------------------------------------------
  (async function start() {
    // reloaded with a sheet's step of history current: no sheet is open now (a closing sheet took
    // back one step too many, out of the app)
    if (history.state && history.state.sheet) history.replaceState(null, "");
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/field/sw.js", { scope: "/field" }).catch(() => {});
      // the first time, today's work was asked before the worker could keep it: ask once more
      navigator.serviceWorker.addEventListener("controllerchange", () => (loading || Promise.resolve()).finally(loadToday));
    }
    await gridmapFinishSignOut();  // a session over forgets its day; one signed out here with no signal is ended first
    if (navigator.onLine) {
      accountKnown = signedInAs().catch(() => null);
      await accountKnown;
    }
    state.walk = (await Q.walk()) || null;
    if (me) await endWalkUnless(me);
    drawWalk();
    watchSessionEnd();
    await loadToday();
    document.body.dataset.readyMs = String(Math.round(performance.now()));  // route drawn (bench/field_bench.py)
    await renderQueue();
    network();
    document.body.dataset.ready = "1";
  })();
})();
