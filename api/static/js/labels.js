// Labels on the map, readable without hovering: each grid always, compounds, streets and
// buildings as the zoom allows, placed in order of importance and never on top of one another.
window.gridmapLabels = (function () {
  // The least zoom at which each kind is labelled, in the order labels are placed. Buildings are
  // named briefly until FULL_FROM — by their number alone (3号楼, A座: the compound is named beside
  // them), else by their name — and in full (with their households, where the page gives them)
  // from there.
  const KINDS = [["grid", 0], ["compound", 16], ["street", 17], ["building", 17]];
  const FULL_FROM = 18;
  const NUMBERED = /((?:\d+|[A-Z]|[一二三四五六七八九十]+)\s*(?:号楼|号|栋|幢|座|楼))$/;
  const least = Object.fromEntries(KINDS);
  const briefName = (name) => { const number = NUMBERED.exec(name || ""); return number ? number[1] : name || ""; };

  // The point halfway along a line (LatLngs), and the index of the vertex that ends the segment it
  // lies on: a street's middle vertex would be an end of a two-point street, a junction, where the
  // name reads as the cross street's (and an arrow points the way of the segment it sits on).
  function halfwayAlong(pts) {
    const at = [0];
    for (let i = 1; i < pts.length; i += 1) at.push(at[i - 1] + pts[i - 1].distanceTo(pts[i]));
    const half = at[at.length - 1] / 2;
    let i = 1;
    while (i < pts.length - 1 && at[i] < half) i += 1;
    const f = at[i] > at[i - 1] ? (half - at[i - 1]) / (at[i] - at[i - 1]) : 0;
    return [L.latLng(pts[i - 1].lat + f * (pts[i].lat - pts[i - 1].lat), pts[i - 1].lng + f * (pts[i].lng - pts[i - 1].lng)), i];
  }
  const halfway = (pts) => halfwayAlong(pts)[0];

  function within(pt, ring) {
    let yes = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const a = ring[i], b = ring[j];
      if ((a.lat > pt.lat) !== (b.lat > pt.lat)
          && pt.lng < ((b.lng - a.lng) * (pt.lat - a.lat)) / (b.lat - a.lat) + a.lng) yes = !yes;
    }
    return yes;
  }

  function create(map) {
    const groups = {};
    for (const [kind] of KINDS) groups[kind] = L.layerGroup();

    function marker(kind, latlng, ...texts) {
      const icon = L.divIcon({ className: `label ${kind}`, html: lines(...texts), iconSize: null });
      return L.marker(latlng, { icon, interactive: false, keyboard: false, pane: "tooltipPane" });
    }

    // A polygon's label inside it: its centre when that lies inside (most grids, compounds and
    // buildings), else the point of a 7×7 lattice over it that lies inside, nearest the centre.
    function inside(layer) {
      const box = layer.getBounds();
      const c = box.getCenter();
      const ring = layer.getLatLngs().flat(2);
      if (within(c, ring)) return c;
      let best = c, far = Infinity;
      for (let i = 1; i < 8; i++) {
        for (let j = 1; j < 8; j++) {
          const p = L.latLng(box.getSouth() + (i / 8) * (box.getNorth() - box.getSouth()),
                             box.getWest() + (j / 8) * (box.getEast() - box.getWest()));
          const d = (p.lat - c.lat) ** 2 + (p.lng - c.lng) ** 2;
          if (d < far && within(p, ring)) { best = p; far = d; }
        }
      }
      return best;
    }

    const api = {
      groups,
      // A grid's sequence on one line, its name under it (cut short with … where the grid is narrow
      // on screen: the whole name is in its tooltip and popup).
      grids(geojsonLayer) {
        geojsonLayer.eachLayer((l) => {
          const p = l.feature.properties;
          const icon = L.divIcon({ className: "label grid", iconSize: null, html: el("div", {},
            el("span", {}, `${t("grid_n")} ${String(p.code).slice(-3)}`), p.name ? el("span", {}, p.name) : null) });
          L.marker(inside(l), { icon, interactive: false, keyboard: false, pane: "tooltipPane" }).addTo(groups.grid);
        });
      },
      // Compounds are named near their top edge, out of the way of the grid names at their centres.
      // A numbered building has two labels: its number below FULL_FROM, ``text`` from there.
      polygons(kind, geojsonLayer, text) {
        geojsonLayer.eachLayer((l) => {
          const words = text(l.feature.properties);
          if (!words) return;
          let at = inside(l);
          if (kind === "compound") {
            const b = l.getBounds();
            const top = L.latLng(b.getNorth() - 0.12 * (b.getNorth() - b.getSouth()), b.getCenter().lng);
            if (within(top, l.getLatLngs().flat(2))) at = top;
          }
          const full = marker(kind, at, words).addTo(groups[kind]);
          if (kind === "building") {
            const brief = briefName(l.feature.properties.name);
            if (brief && brief !== words) {
              marker(kind, at, brief).addTo(groups[kind]).zooms = [least[kind], FULL_FROM];
              full.zooms = [FULL_FROM, Infinity];
            }
          }
        });
      },
      // One label a street name, on its longest piece.
      streets(geojsonLayer) {
        const longest = {};
        geojsonLayer.eachLayer((l) => {
          const name = l.feature.properties.name;
          if (!name) return;
          const len = l.feature.properties.length_m || 0;
          if (!longest[name] || longest[name].len < len) longest[name] = { len, layer: l };
        });
        for (const [name, { layer }] of Object.entries(longest)) {
          const m = marker("street", halfway(layer.getLatLngs().flat(3)), name);
          m.streetName = name;
          m.addTo(groups.street);
        }
      },
      // Hide the labels whose kind the zoom does not allow, or that would cover one placed before.
      place() {
        const zoom = map.getZoom();
        const placed = [];
        for (const [kind, from] of KINDS) {
          const shown = map.hasLayer(groups[kind]);
          groups[kind].eachLayer((m) => {
            const node = m.getElement();
            if (!node || !node.firstChild) return;
            const [lo, hi] = m.zooms || [from, Infinity];
            let ok = shown && zoom >= lo && zoom < hi;
            if (ok && kind === "grid") {  // every grid is always named; the others keep clear of them
              node.classList.remove("hidden");
              placed.push(node.firstChild.getBoundingClientRect());
            } else if (ok) {
              node.classList.remove("hidden");
              const box = node.firstChild.getBoundingClientRect();
              ok = box.width > 0 && !placed.some((b) => box.left < b.right && b.left < box.right
                                                   && box.top < b.bottom && b.top < box.bottom);
              if (ok) placed.push(box);
            }
            node.classList.toggle("hidden", !ok);
          });
        }
      },
    };
    map.on("zoomend moveend overlayadd overlayremove resize", () => api.place());
    return api;
  }

  return { create, KINDS, FULL_FROM, briefName, halfway, halfwayAlong, within };
})();
