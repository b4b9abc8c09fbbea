// Our own layers, drawn from the API's GeoJSON: styles, panes, tooltips, popups and labels, in the
// page's language. Every value from data reaches the page as text (el(), lines()).
window.gridmapLayers = (function () {
  // One colour and one line style a layer, told apart at a glance and in greyscale print: the
  // boundary thick and dashed, grids solid and strong, compounds dotted and quiet, streets grey.
  const styles = {
    jurisdiction: { color: "#111", weight: 4, dashArray: "10 6", fill: false, interactive: false },
    compound: { color: "#475569", weight: 1.5, dashArray: "2 5", fillColor: "#94a3b8", fillOpacity: 0.06, interactive: false },
    grid: { color: "#c2410c", weight: 3, fillColor: "#fdba74", fillOpacity: 0.06 },
    building: { color: "#4b5563", weight: 1, fillColor: "#cbd5e1", fillOpacity: 0.85 },
    courier_zone: { color: "#15803d", weight: 2, fillColor: "#4ade80", fillOpacity: 0.45 },
    street_edge: { color: "#9ca3af", weight: 3 },
  };
  const station = { radius: 6, color: "#fff", weight: 2, fillColor: "#7e22ce", fillOpacity: 1 };
  // Patrol routes: none is the grids' orange, the zones' green, the stations' purple, nor a case's
  // red, yellow or blue (the first route was the blue of 一般 cases, and read as one on the map).
  const routeColours = ["#0f766e", "#a21caf", "#92400e", "#111827"];
  const coverageColours = { 100: "#16a34a", 200: "#eab308", 300: "#f97316" };
  // Panes keep the drawing order fixed whatever is switched off and on: grids under what is in
  // them (so a building or zone answers its own hover), above the compounds; the boundary on top.
  // The hot spots' shading under the stations and cases it is about (over them it hid their colours).
  const PANES = [["gm-compound", 401], ["gm-grid", 402], ["gm-street", 403], ["gm-building", 404],
    ["gm-zone", 405], ["gm-route", 406], ["gm-boundary", 407], ["gm-heat", 408], ["gm-station", 409],
    ["gm-case", 410]];
  const paneOf = { jurisdiction: "gm-boundary", compound: "gm-compound", grid: "gm-grid", street_edge: "gm-street",
    building: "gm-building", courier_zone: "gm-zone" };

  function panes(map) {
    for (const [name, z] of PANES) {
      if (!map.getPane(name)) map.createPane(name).style.zIndex = String(z);
    }
  }
  L.Map.addInitHook(function () { panes(this); });  // every map of our pages has them
  // A community fills the screen it is shown on (a phone's too), not the nearest whole zoom.
  L.Map.mergeOptions({ zoomSnap: 0.25, zoomDelta: 0.5 });

  // Over Gaode tiles (GCJ-02) our WGS84 data are drawn shifted: the service shifts them.
  const params = new URLSearchParams(location.search);
  const basemap = params.get("basemap") || "none";
  const crs = basemap === "gaode" ? "&crs=gcj02" : "";

  async function items(layer, slug) {
    const filter = slug ? `jurisdiction=${encodeURIComponent(slug)}&` : "";
    const r = await fetch(`/collections/${layer}/items?${filter}limit=10000${crs}`);
    if (!r.ok) throw new Error(`${layer}: ${r.status}`);
    return r.json();
  }

  // Table rows of (label key, value), the values as text; empty values left out.
  function rows(pairs) {
    return pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => el("tr", {}, el("td", {}, t(k)), el("td", {}, v)));
  }

  // A grid's short name on the map: its sequence (the code's last 3 digits) and its name.
  function gridLabel(p) {
    return `${t("grid_n")} ${String(p.code).slice(-3)}${p.name ? ` ${p.name}` : ""}`;
  }

  function geojson(name, fc, slug) {
    const opts = { style: () => styles[name] || {}, pane: paneOf[name], interactive: (styles[name] || {}).interactive !== false };
    if (name === "grid") {
      opts.onEachFeature = (f, l) => {
        const p = f.properties;
        const link = `/grids/${encodeURIComponent(p.code)}?jurisdiction=${encodeURIComponent(slug)}&lang=${gridmapLang()}`;
        l.bindTooltip(lines(gridLabel(p), p.leader ? `${t("leader")} ${p.leader}` : ""), { sticky: true });
        const table = el("table", { className: "numbers" }, rows([["code", p.code], ["name", p.name], ["leader", p.leader]]));
        l.bindPopup(el("div", {}, table, el("a", { className: "open-grid", href: link }, t("open_grid"))));
        // its numbers, asked when the popup first opens (what a leader looks a grid up for)
        l.once("popupopen", async () => {
          const me = await gridmapMe();  // a worker reads the numbers of their own grid only
          if (!me || !(me.may.includes("read") || me.grid === p.code)) return;
          const r = await fetch(`/jurisdictions/${encodeURIComponent(slug)}/grids/${encodeURIComponent(p.code)}/summary`);
          if (!r.ok) return;
          const n = await r.json();
          table.append(...rows([["households", String(n.households)], ["buildings", String(n.buildings)],
                                ["residents", String(n.residents)]]));
          table.dataset.numbers = "shown";
          l.getPopup().update();
        });
        l.gridCode = p.code;
      };
    } else if (name === "building") {
      opts.onEachFeature = (f, l) => l.bindTooltip(
        lines(`${f.properties.name || ""} · ${t("households")} ${f.properties.households ?? "-"}`), { sticky: true });
    } else if (name === "courier_zone" || name === "street_edge") {
      opts.onEachFeature = (f, l) => l.bindTooltip(lines(f.properties.name || ""), { sticky: true });
    }
    return L.geoJSON(fc, opts);
  }

  function stations(fc) {
    return L.geoJSON(fc, {
      // a dot names keep clear of (.keep-clear: a grid's name sat on 电厂小区's station)
      pointToLayer: (f, ll) => L.circleMarker(ll, { ...station, pane: "gm-station", className: "keep-clear" }),
      onEachFeature: (f, l) => l.bindTooltip(lines(`${f.properties.name} (${f.properties.kind})`)),
    });
  }

  function routeColour(worker) {
    return routeColours[(worker - 1) % routeColours.length];
  }

  function patrol(fc) {
    return L.geoJSON(fc, {
      pane: "gm-route",
      filter: (f) => f.geometry.type === "LineString",
      style: (f) => ({ color: routeColour(f.properties.worker), weight: 5, opacity: 0.85 }),
      onEachFeature: (f, l) => l.bindTooltip(
        lines(`${t("route")} ${f.properties.worker}${f.properties.walker ? ` · ${f.properties.walker}` : ""}`
              + ` · #${f.properties.seq} ${f.properties.name || ""}`)),
    });
  }

  // Arrows along each route in its walking direction: a small rotated "►" (text, DOM) every
  // ``spacing`` pixels of screen along the line through a route's legs, drawn again at each zoom.
  // ``colourOf``: route number → colour. Returns the layer group holding them.
  function arrows(map, fc, colourOf = routeColour, spacing = 90) {
    const group = L.layerGroup();
    const routes = [...new Set(fc.features.filter((f) => f.geometry.type === "LineString")
      .map((f) => f.properties.worker))];
    const paths = routes.map((route) => {
      const latlngs = [];
      for (const leg of fc.features.filter((f) => f.geometry.type === "LineString" && f.properties.worker === route)) {
        const pts = leg.geometry.coordinates.map(([lon, lat]) => L.latLng(lat, lon));
        latlngs.push(...(latlngs.length ? pts.slice(1) : pts));
      }
      return { route, latlngs };
    });
    function draw() {
      group.clearLayers();
      for (const { route, latlngs } of paths) {
        const pts = latlngs.map((ll) => map.project(ll));
        let next = spacing / 2;
        let walked = 0;
        for (let k = 1; k < pts.length; k++) {
          const a = pts[k - 1], b = pts[k];
          const d = a.distanceTo(b);
          while (d > 0 && next <= walked + d) {
            const f = (next - walked) / d;
            const at = map.unproject(L.point(a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f));
            const head = el("span", { className: "arrow-head" }, "►");
            head.style.color = typeof colourOf === "function" ? colourOf(route) : colourOf[route];
            head.style.transform = `rotate(${(Math.atan2(b.y - a.y, b.x - a.x) * 180) / Math.PI}deg)`;
            const icon = L.divIcon({ className: "route-arrow", html: head, iconSize: [18, 18], iconAnchor: [9, 9] });
            const m = L.marker(at, { icon, interactive: false, keyboard: false, pane: "gm-station" }).addTo(group);
            if (m.getElement()) m.getElement().dataset.route = String(route);
            next += spacing;
          }
          walked += d;
        }
      }
    }
    group.on("add", () => { draw(); map.on("zoomend", draw); });
    group.on("remove", () => map.off("zoomend", draw));
    return group;
  }

  function coverage(fc) {
    return L.geoJSON(fc, {
      pane: "gm-route",
      filter: (f) => f.properties.layer === "service_area" && f.geometry,
      style: (f) => ({ color: coverageColours[f.properties.within_m] || "#dc2626", weight: 1, fillOpacity: 0.18 }),
    });
  }

  function tiles(config) {
    if (basemap === "osm") {
      return L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" });
    }
    if (basemap === "gaode") {
      return L.tileLayer("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        { subdomains: "1234", maxZoom: 18, attribution: "&copy; 高德地图" });
    }
    if (basemap === "tianditu" && config.tianditu_key) {
      const url = (layer) => `https://t{s}.tianditu.gov.cn/${layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0`
        + `&LAYER=${layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}`
        + `&tk=${encodeURIComponent(config.tianditu_key)}`;
      return L.layerGroup([L.tileLayer(url("vec"), { subdomains: "01234567", maxZoom: 18 }),
                           L.tileLayer(url("cva"), { subdomains: "01234567", maxZoom: 18 })]);
    }
    return null;
  }

  // A large jurisdiction's buildings and streets come as vector tiles (the TileJSON names the
  // layer's current version, so an edit shows at once).
  async function vectorTiles(layer, slug) {
    const tj = await (await fetch(`/tiles/${layer}.json?jurisdiction=${encodeURIComponent(slug)}`)).json();
    const style = {};
    style[layer] = styles[layer] ? { ...styles[layer], fill: layer !== "street_edge", fillColor: styles[layer].fillColor || "#bbb" } : {};
    return L.vectorGrid.protobuf(tj.tiles[0], { vectorTileLayerStyles: style, maxNativeZoom: 22, interactive: false,
                                                 pane: paneOf[layer] });
  }

  // Cases: filled by urgency (red, yellow, blue), grey when parked, faint when closed or rejected;
  // an overdue one ringed with a dashed dark red line. Their tooltip and popup are text.
  const urgencyColours = { red: "#dc2626", yellow: "#eab308", blue: "#2563eb" };
  const parkedColour = "#9ca3af";
  const overdueRing = { color: "#7f1d1d", weight: 3, dashArray: "3 2" };
  // Which of two cases at one spot is drawn on top: the one most to be seen (an open red above a
  // blue, an overdue one above its urgency's others; a closed one under any open one). Drawn in
  // the order they came, three blue dots of one building hid the red case there.
  const URGENCY_RANK = { red: 3, yellow: 2, blue: 1 };
  const seenFirst = (c) => (c.state === "closed" || c.state === "rejected" ? 0
    : c.state === "parked" ? 1 : 2 + 2 * (URGENCY_RANK[c.urgency] || 0) + (c.overdue ? 1 : 0));
  const mostSeenLast = (list) => [...list].sort((a, b) => seenFirst(a) - seenFirst(b));
  function caseStyle(c) {
    const done = c.state === "closed" || c.state === "rejected";
    return { radius: 7, color: c.overdue ? overdueRing.color : "#fff", weight: c.overdue ? 3 : 1.5,
             dashArray: c.overdue ? overdueRing.dashArray : null,
             fillColor: c.state === "parked" ? parkedColour : urgencyColours[c.urgency] || "#666",
             fillOpacity: done ? 0.35 : 0.95 };
  }
  function categoryName(c) {
    return gridmapLang() === "en" ? c.category_en || c.category.replace(/_/g, " ") : c.category_zh;
  }
  function caseLink(c) {
    return `/case/${c.id}?lang=${gridmapLang()}${basemap !== "none" ? `&basemap=${basemap}` : ""}`;
  }
  function cases(list) {
    const group = L.featureGroup();
    for (const c of mostSeenLast(list)) {
      if (c.lon === null || c.lat === null) continue;  // a hotline ticket not placed yet
      // (keep-clear: no name is placed on a case, labels.js)
      const m = L.circleMarker([c.lat, c.lon], { ...caseStyle(c), pane: "gm-case", className: "keep-clear" });
      m.bindTooltip(lines(`#${c.id} ${categoryName(c)}`, `${t(`state_${c.state}`)} · ${t(`urgency_${c.urgency}`)}`,
                          c.overdue ? t("overdue") : ""));
      m.bindPopup(el("div", {}, el("p", { className: "case-text" }, c.description),
                     el("a", { className: "open-case", href: caseLink(c) }, `${t("open_case")} #${c.id}`)));
      m.on("popupopen", () => m.closeTooltip());  // the popup says it all: the tooltip under it hid the map
      m.caseId = c.id;
      m.addTo(group);
    }
    return group;
  }
  // Cases on a printed sheet: each one's dot (by urgency, overdue ringed) and the number the list
  // beside the map gives it (``numberOf(c)``, none for a case not listed there); the numbers of
  // cases within a few pixels of one another in one label ("2,4,8", a run as "1–26"), not on top
  // of one another.
  // Every layer drawn is returned, for the names placed after to keep clear of them (names.js
  // obstacles): a name drawn over them hid the number.
  const SPOT_PX = 22;  // a number label's height and more: closer dots share one
  function numberedCases(map, list, numberOf) {
    const drawn = [], spots = [];
    for (const c of mostSeenLast(list)) {
      if (c.lon === null || c.lat === null) continue;  // a hotline ticket not placed yet
      const dot = L.circleMarker([c.lat, c.lon], { ...caseStyle(c), pane: "gm-case", interactive: false }).addTo(map);
      dot.caseId = c.id;
      drawn.push(dot);
      const n = numberOf(c);
      if (!n) continue;
      const at = map.latLngToContainerPoint([c.lat, c.lon]);
      // joined to every spot it is near (and they to one another): a chain of cases along a kerb is one label
      const near = spots.filter((s) => s.points.some((p) => p.distanceTo(at) < SPOT_PX));
      const spot = { points: [at], latlng: L.latLng(c.lat, c.lon), numbers: [n] };
      for (const s of near) {
        spot.points.push(...s.points); spot.numbers.push(...s.numbers);
        spots.splice(spots.indexOf(s), 1);
      }
      spots.push(spot);
    }
    for (const s of spots) {
      const text = numberRuns(s.numbers);
      drawn.push(L.marker(s.latlng, { icon: L.divIcon({ className: "case-no", html: "", iconSize: null, iconAnchor: [-4, 14] }),
                                      interactive: false, keyboard: false })
        .on("add", (e) => { e.target.getElement().textContent = text; }).addTo(map));
    }
    return drawn;
  }
  // Numbers as a label: sorted, three or more in a row as one run ("1–26,30": 26 cases at one
  // building ran across the sheet's map as "1,2,3,…,26").
  function numberRuns(numbers) {
    const sorted = [...numbers].sort((a, b) => a - b), out = [];
    for (let i = 0; i < sorted.length;) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j += 1;
      out.push(j - i >= 2 ? `${sorted[i]}–${sorted[j]}` : sorted.slice(i, j + 1).join(","));
      i = j + 1;
    }
    return out.join(",");
  }
  // The legend's lines for the layers every map of a community draws (legend.js), by overlay key.
  function baseLegend() {
    return {
      boundary: [["line", styles.jurisdiction, t("boundary")]],
      compounds: [["area", styles.compound, t("compounds")]],
      grids: [["area", styles.grid, t("grids")]],
      streets: [["line", styles.street_edge, t("streets")]],
      buildings: [["area", styles.building, t("buildings")]],
      courier_zones: [["area", styles.courier_zone, t("courier_zones")]],
      stations: [["point", station, t("stations")]],
    };
  }
  // The legend's lines for the cases layer.
  function caseLegend() {
    return [...Object.entries(urgencyColours).map(([u, c]) => ["point", { color: "#fff", fillColor: c }, t(`urgency_${u}`)]),
            ["point", { color: "#fff", fillColor: parkedColour }, t("case_parked")],
            ["point", { ...overdueRing, fillColor: "#fff" }, t("case_overdue")]];
  }

  // Hot spots: a density surface's cells in five classes of their share of the highest cell
  // (yellow → dark red), drawn over the map half-transparent; the peaks as rings naming the building.
  const heatClasses = [[0.8, "#bd0026"], [0.6, "#f03b20"], [0.4, "#fd8d3c"], [0.2, "#fecc5c"], [0, "#ffffb2"]];
  function heatColour(share) {
    return heatClasses.find(([low]) => share >= low)[1];
  }
  function heat(body) {
    const group = L.featureGroup();
    L.geoJSON(body, {
      pane: "gm-heat", interactive: false,
      style: (f) => ({ stroke: false, fillColor: heatColour(f.properties.share),
                       fillOpacity: 0.25 + 0.45 * f.properties.share }),
    }).addTo(group);
    body.peaks.forEach((p, k) => {
      const m = L.circleMarker([p.lat, p.lon], { pane: "gm-heat", radius: 9, color: "#450a0a", weight: 2,
                                                 fill: false });
      m.bindTooltip(lines(`${t("hot_peak")} ${k + 1}${p.building ? ` · ${p.building}` : ""}`,
                          `${p.density} ${t("hot_per_km2")}`));
      m.peak = k + 1;
      m.addTo(group);
    });
    return group;
  }
  function heatLegend() {
    return [...heatClasses.map(([low, c]) => ["area", { color: c, fillColor: c, fillOpacity: 0.6, weight: 0 },
                                              `≥ ${Math.round(low * 100) || 5}% ${t("hot_of_peak")}`]),
            ["point", { color: "#450a0a", fillColor: "#fff" }, t("hot_peak")]];
  }

  async function count(layer, slug) {
    const r = await fetch(`/collections/${layer}/items?jurisdiction=${encodeURIComponent(slug)}&limit=1`);
    return (await r.json()).numberMatched;
  }

  // Whether a jurisdiction has too many buildings to draw as GeoJSON (`config`: GET /config): its
  // buildings and streets then come as vector tiles (in the web map's own CRS only).
  async function large(slug, config) {
    return crs === "" && (await count("building", slug)) > config.tiles_above;
  }

  return { items, geojson, stations, patrol, arrows, coverage, rows, tiles, basemap, crs, vectorTiles, count, large, panes, numberedCases, baseLegend,
           styles, station, routeColours, routeColour, coverageColours, gridLabel, cases, caseStyle, caseLegend,
           categoryName, caseLink, urgencyColours, heat, heatColour, heatLegend };
})();
