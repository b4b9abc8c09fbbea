// Our own layers, drawn from the API's GeoJSON: styles, tooltips and popups, in the page's language.
window.gridmapLayers = (function () {
  const styles = {
    jurisdiction: { color: "#222", weight: 3, fill: false },
    compound: { color: "#4393c3", weight: 1, dashArray: "4 4", fillOpacity: 0.05 },
    grid: { color: "#d6604d", weight: 2, fillOpacity: 0.08 },
    building: { color: "#333", weight: 1, fillColor: "#bbb", fillOpacity: 0.7 },
    courier_zone: { color: "#1a9850", weight: 2, fillOpacity: 0.5 },
    street_edge: { color: "#777", weight: 3 },
  };

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

  function geojson(name, fc, slug) {
    const opts = { style: () => styles[name] || {} };
    if (name === "grid") {
      opts.onEachFeature = (f, l) => {
        const p = f.properties;
        const link = `/grids/${encodeURIComponent(p.code)}?jurisdiction=${encodeURIComponent(slug)}&lang=${gridmapLang()}`;
        l.bindTooltip(lines(p.code, p.name), { sticky: true });
        l.bindPopup(el("div", {},
          el("table", { className: "numbers" }, rows([["code", p.code], ["name", p.name], ["leader", p.leader]])),
          el("a", { className: "open-grid", href: link }, t("open_grid"))));
        l.gridCode = p.code;
      };
    } else if (name === "building") {
      opts.onEachFeature = (f, l) => l.bindTooltip(
        lines(`${f.properties.name || ""} · ${t("households")} ${f.properties.households ?? "-"}`), { sticky: true });
    } else if (name === "courier_zone" || name === "compound" || name === "street_edge") {
      opts.onEachFeature = (f, l) => l.bindTooltip(lines(f.properties.name || ""), { sticky: true });
    }
    return L.geoJSON(fc, opts);
  }

  function stations(fc) {
    return L.geoJSON(fc, {
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6, color: "#762a83", fillOpacity: 0.9 }),
      onEachFeature: (f, l) => l.bindTooltip(lines(`${f.properties.name} (${f.properties.kind})`)),
    });
  }

  const routeColours = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3"];
  function patrol(fc) {
    return L.geoJSON(fc, {
      filter: (f) => f.geometry.type === "LineString",
      style: (f) => ({ color: routeColours[(f.properties.worker - 1) % routeColours.length], weight: 4, opacity: 0.8 }),
      onEachFeature: (f, l) => l.bindTooltip(
        lines(`${t("route")} ${f.properties.worker} · #${f.properties.seq} ${f.properties.name || ""}`)),
    });
  }

  function coverage(fc) {
    const colours = { 100: "#1a9850", 200: "#fee08b", 300: "#fc8d59" };
    return L.geoJSON(fc, {
      filter: (f) => f.properties.layer === "service_area" && f.geometry,
      style: (f) => ({ color: colours[f.properties.within_m] || "#d73027", weight: 1, fillOpacity: 0.15 }),
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
    return L.vectorGrid.protobuf(tj.tiles[0], { vectorTileLayerStyles: style, maxNativeZoom: 22, interactive: false });
  }

  async function count(layer, slug) {
    const r = await fetch(`/collections/${layer}/items?jurisdiction=${encodeURIComponent(slug)}&limit=1`);
    return (await r.json()).numberMatched;
  }

  return { items, geojson, stations, patrol, coverage, rows, tiles, basemap, crs, vectorTiles, count };
})();
