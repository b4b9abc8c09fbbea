// Labels on the map, readable without hovering: each grid always, compounds, streets and
// buildings as the zoom allows, placed in order of importance and never on top of one another.
window.gridmapLabels = (function () {
  // The least zoom at which each kind is labelled, in the order labels are placed. Buildings are
  // named briefly until FULL_FROM — by their number alone (3号楼, A座: the compound is named beside
  // them), else by their name — and in full (with their households, where the page gives them)
  // from there.
  const KINDS = [["grid", 0], ["compound", 16], ["street", 16], ["building", 17]];
  const FULL_FROM = 18;
  const NUMBERED = /((?:\d+|[A-Z]|[一二三四五六七八九十]+)\s*(?:号楼|号|栋|幢|座|楼))$/;
  const briefName = (name) => { const number = NUMBERED.exec(name || ""); return number ? number[1] : name || ""; };
  // Names in a list as a Chinese reader orders them: by pinyin, numbers by their value (第2小组
  // before 第10小组; the database's order put 第10 first).
  const naturally = new Intl.Collator("zh", { numeric: true }).compare;
  const byName = (a, b) => naturally(a.name || "", b.name || "");

  // The point halfway along a line (LatLngs), and the index of the vertex that ends the segment it
  // lies on: a street's middle vertex would be an end of a two-point street, a junction, where the
  // name reads as the cross street's (and an arrow points the way of the segment it sits on).
  // ``share`` (0.5 by default) of the way along: where a name goes when the middle is taken.
  function halfwayAlong(pts, share = 0.5) {
    const at = [0];
    for (let i = 1; i < pts.length; i += 1) at.push(at[i - 1] + pts[i - 1].distanceTo(pts[i]));
    const half = at[at.length - 1] * share;
    let i = 1;
    while (i < pts.length - 1 && at[i] < half) i += 1;
    const f = at[i] > at[i - 1] ? (half - at[i - 1]) / (at[i] - at[i - 1]) : 0;
    return [L.latLng(pts[i - 1].lat + f * (pts[i].lat - pts[i - 1].lat), pts[i - 1].lng + f * (pts[i].lng - pts[i - 1].lng)), i];
  }
  const halfway = (pts) => halfwayAlong(pts)[0];
  // How far from either end of a street a name off its middle stays (clear of the junction,
  // where it would read as the cross street's).
  const CLEAR_OF_JUNCTION_M = 25;

  // Whether a label's box lies inside the frame (the map's) and covers none of the boxes placed.
  const fits = (box, frame, placed) => box.width > 0
    && box.left >= frame.left && box.right <= frame.right && box.top >= frame.top && box.bottom <= frame.bottom
    && !placed.some((b) => box.left < b.right && b.left < box.right && box.top < b.bottom && b.top < box.bottom);

  function within(pt, ring) {
    let yes = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const a = ring[i], b = ring[j];
      if ((a.lat > pt.lat) !== (b.lat > pt.lat)
          && pt.lng < ((b.lng - a.lng) * (pt.lat - a.lat)) / (b.lat - a.lat) + a.lng) yes = !yes;
    }
    return yes;
  }

  // ``from``: a page's own least zooms for some kinds (the phone's map, which shows a whole route
  // at once, names its streets from further out).
  function create(map, from = {}) {
    const least = { ...Object.fromEntries(KINDS), ...from };
    const groups = {};
    for (const [kind] of KINDS) groups[kind] = L.layerGroup();

    function marker(kind, latlng, ...texts) {
      const icon = L.divIcon({ className: `label ${kind}`, html: lines(...texts), iconSize: null });
      return L.marker(latlng, { icon, interactive: false, keyboard: false, pane: "tooltipPane", snapIgnore: true });
    }

    // Places for a name inside a ring (LatLngs): its box's centre when that lies inside, then the
    // points of a 7×7 lattice over the box that lie inside, nearest the centre first.
    function placesInside(ring) {
      const box = L.latLngBounds(ring), c = box.getCenter();
      const lattice = [];
      for (let i = 1; i < 8; i++) {
        for (let j = 1; j < 8; j++) {
          lattice.push(L.latLng(box.getSouth() + (i / 8) * (box.getNorth() - box.getSouth()),
                                box.getWest() + (j / 8) * (box.getEast() - box.getWest())));
        }
      }
      const far = (p) => (p.lat - c.lat) ** 2 + (p.lng - c.lng) ** 2;
      return [c, ...lattice.sort((a, b) => far(a) - far(b))].filter((p) => within(p, ring));
    }
    // A polygon's label inside it: its centre when that lies inside (most grids, compounds and
    // buildings), else the lattice point inside nearest it.
    function inside(layer) {
      return placesInside(layer.getLatLngs().flat(2))[0] || layer.getBounds().getCenter();
    }

    // Places in the part of a polygon the map shows (its largest piece, a little in from the map's
    // edges): where a grid's name goes when its own middle is off the map, cut by its edge or
    // under a control.
    function shownPlaces(layer) {
      const size = map.getSize(), inset = 8;
      const frame = L.bounds([inset, inset], [size.x - inset, size.y - inset]);
      const ll = layer.getLatLngs();
      let best = null, most = 0;
      for (const polygon of Array.isArray(ll[0][0]) ? ll : [ll]) {
        const clipped = L.PolyUtil.clipPolygon(polygon[0].map((p) => map.latLngToContainerPoint(p)), frame);
        let area = 0;
        clipped.forEach((p, i) => { const q = clipped[(i + 1) % clipped.length]; area += p.x * q.y - q.x * p.y; });
        if (clipped.length > 2 && Math.abs(area) > most) { most = Math.abs(area); best = clipped; }
      }
      return best ? placesInside(best.map((p) => map.containerPointToLatLng(p))) : [];
    }

    // A quarter of the way in from either end of a polygon's longer side (through its middle),
    // those of the two that lie inside it.
    function alongside(layer) {
      const b = layer.getBounds(), c = b.getCenter(), ring = layer.getLatLngs().flat(2);
      const wide = (b.getEast() - b.getWest()) * Math.cos((c.lat * Math.PI) / 180) >= b.getNorth() - b.getSouth();
      return [0.25, 0.75].map((f) => (wide ? L.latLng(c.lat, b.getWest() + f * (b.getEast() - b.getWest()))
        : L.latLng(b.getSouth() + f * (b.getNorth() - b.getSouth()), c.lng))).filter((p) => within(p, ring));
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
          const m = L.marker(inside(l), { icon, interactive: false, keyboard: false, pane: "tooltipPane", snapIgnore: true })
            .addTo(groups.grid);
          Object.assign(m, { home: m.getLatLng(), gridLayer: l });
        });
      },
      // Compounds are named near their top edge, out of the way of the grid names at their centres.
      // A numbered building has two labels: its number below FULL_FROM, ``text`` from there; and
      // where its middle is taken (a pin of a page's, a street's name), a quarter of the way in
      // from either end of its longer side, when that lies inside it (a slab 100 m long).
      polygons(kind, geojsonLayer, text) {
        let n = 0;
        geojsonLayer.eachLayer((l) => {
          const words = text(l.feature.properties);
          if (!words) return;
          let at = inside(l);
          if (kind === "compound") {
            const b = l.getBounds();
            const top = L.latLng(b.getNorth() - 0.12 * (b.getNorth() - b.getSouth()), b.getCenter().lng);
            if (within(top, l.getLatLngs().flat(2))) at = top;
          }
          const places = kind === "building" ? [at, ...alongside(l)] : [at];
          const labelKey = `${kind}:${n++}`;  // what is named once
          const brief = kind === "building" ? briefName(l.feature.properties.name) : null;
          places.forEach((where, rank) => {
            const full = marker(kind, where, words).addTo(groups[kind]);
            Object.assign(full, { rank, labelKey });
            if (brief && brief !== words) {
              Object.assign(marker(kind, where, brief).addTo(groups[kind]), { rank, labelKey, zooms: [least[kind], FULL_FROM] });
              full.zooms = [FULL_FROM, Infinity];
            }
          });
        });
      },
      // One label a street name: halfway along its longest piece or, where a label placed before
      // (a grid's) covers that, at the next place that is free — off the middle of a long piece,
      // nearer and nearer its ends, then halfway along its next longest pieces. Never at a junction.
      streets(geojsonLayer) {
        const pieces = {};
        geojsonLayer.eachLayer((l) => {
          const name = l.feature.properties.name;
          if (!name) return;
          (pieces[name] = pieces[name] || []).push({ len: l.feature.properties.length_m || 0, layer: l });
        });
        for (const [name, all] of Object.entries(pieces)) {
          all.sort((a, b) => b.len - a.len);
          const places = [];
          all.slice(0, 3).forEach(({ len, layer }, k) => {
            const pts = layer.getLatLngs().flat(3);
            if (k === 0 || len >= 2 * CLEAR_OF_JUNCTION_M) places.push(halfway(pts));
            if (k === 0) {
              for (const share of [0.3, 0.7, 0.18, 0.82, 0.12, 0.88]) {
                if (Math.min(share, 1 - share) * len >= CLEAR_OF_JUNCTION_M) places.push(halfwayAlong(pts, share)[0]);
              }
            }
          });
          places.forEach((at, rank) => {
            const m = marker("street", at, name);
            m.streetName = name;
            m.labelKey = `street:${name}`;
            m.rank = rank;  // 0: the first choice; the others only when it is covered
            m.addTo(groups.street);
          });
        }
      },
      // Hide the labels whose kind the zoom does not allow, that would cover one placed before, or
      // that the map's edge would cut ("汇路" for 金汇路); a street or a building named once (at its
      // first place that is free) is not named again.
      place() {
        const zoom = map.getZoom();
        const frame = map.getContainer().getBoundingClientRect();
        // a page's own names pinned to a point that ask to be read whole (.keep-inside: the phone's
        // start and office) are moved in from the map's edge first (起点 · 社区办公室 was cut there)
        map.getContainer().querySelectorAll(".keep-inside").forEach((n) => {
          n.style.marginLeft = n.style.marginTop = "";
          const at = n.parentElement.getBoundingClientRect();  // its marker: the point it names
          if (at.left < frame.left || at.left > frame.right || at.top < frame.top || at.top > frame.bottom) return;
          const b = n.getBoundingClientRect(), pad = 4;
          const dx = b.right > frame.right - pad ? frame.right - pad - b.right : b.left < frame.left + pad ? frame.left + pad - b.left : 0;
          const dy = b.top < frame.top + pad ? frame.top + pad - b.top : b.bottom > frame.bottom - pad ? frame.bottom - pad - b.bottom : 0;
          if (dx) n.style.marginLeft = `${dx}px`;
          if (dy) n.style.marginTop = `${dy}px`;
        });
        // the map's own controls (zoom, scale, legend, attribution) are taken: no name under them;
        // nor under a page's pins that ask for room (.keep-clear: the phone's start, office, cases)
        const placed = [...map.getContainer().querySelectorAll(".leaflet-control, .keep-clear")]
          .map((c) => c.getBoundingClientRect()).filter((b) => b.width > 0);
        const controls = [...placed];  // the controls and pins alone, before any name
        const named = new Set();
        for (const [kind] of KINDS) {
          const shown = map.hasLayer(groups[kind]);
          // first choices first: a street's fallback never takes the place of another's first choice
          groups[kind].getLayers().sort((a, b) => (a.rank || 0) - (b.rank || 0)).forEach((m) => {
            const node = m.getElement();
            if (!node || !node.firstChild) return;
            const [lo, hi] = m.zooms || [least[kind], Infinity];
            let ok = shown && zoom >= lo && zoom < hi && !(m.labelKey && named.has(m.labelKey));
            if (ok && kind === "grid") {  // every grid is always named; the others keep clear of them
              node.classList.remove("hidden");
              // its name up to nine tenths of the grid's width on screen (cut with … only where the grid is
              // narrower: a fixed 11em, 6.5em on a phone, cut 第二网格（… where there was room)
              const gb = m.gridLayer.getBounds();
              const wide = map.latLngToContainerPoint(gb.getNorthEast()).x - map.latLngToContainerPoint(gb.getSouthWest()).x;
              node.querySelectorAll("span").forEach((x) => { x.style.maxWidth = `${Math.max(84, Math.round(wide * 0.9))}px`; });
              // at its middle, or, cut there by the map's edge or under a control, the middle of what is shown of it
              m.setLatLng(m.home);
              const whole = () => fits(node.firstChild.getBoundingClientRect(), frame, controls);
              if (!whole()) {
                const places = shownPlaces(m.gridLayer);
                const free = places.find((p) => { m.setLatLng(p); return whole(); });
                m.setLatLng(free || places[0] || m.home);
                // a sliver of a grid at the map's edge, too narrow for its name: named when more of
                // it is shown, not cut ("网格 00… 第二网格（柴家" ran off a phone's map)
                if (!free && !fits(node.firstChild.getBoundingClientRect(), frame, [])) ok = false;
              }
              if (ok) placed.push(node.firstChild.getBoundingClientRect());
            } else if (ok) {
              node.classList.remove("hidden");
              const box = node.firstChild.getBoundingClientRect();
              ok = fits(box, frame, placed);
              if (ok) placed.push(box);
              if (ok && m.labelKey) named.add(m.labelKey);
            }
            node.classList.toggle("hidden", !ok);
          });
        }
      },
    };
    map.on("zoomend moveend overlayadd overlayremove resize", () => api.place());
    return api;
  }

  return { create, KINDS, FULL_FROM, briefName, byName, fits, halfway, halfwayAlong, within };
})();
