// Names written on the map, readable without hovering and on paper: permanent Leaflet tooltips
// (text only), street names along their street, placed in order of importance. A name may have
// several places to go (a street: along each of its pieces); it takes the first where it covers no
// name placed before it and stays on the map, and is left out when there is none. (labels.js,
// loaded before it, gives the line arithmetic and the test of a free place.)
window.gridmapNames = (function () {
  // Where along a piece of street its name may go, best first.
  const FRACTIONS = [0.5, 0.35, 0.65, 0.2, 0.8];
  // Places tried for one street name, at most.
  const MAX_PLACES = 8;

  // `obstacles`: what names must not cover besides each other (a function giving elements: a
  // marker, a legend on the map).
  function create(map, { obstacles = () => [] } = {}) {
    const layer = L.layerGroup().addTo(map);
    const order = [];  // for each name, its places (tooltips), most important name first

    function tooltip(latlng, text, kind, angle = 0, direction = "center", offset = [0, 0]) {
      const span = el("span", { className: "name-text" }, text);
      // Chinese along a north–south street is written top to bottom, upright; other text turns.
      if (Math.abs(angle) > 60 && /[\u3400-\u9fff]/.test(text)) span.classList.add("upright");
      else if (angle) span.style.transform = `rotate(${angle.toFixed(1)}deg)`;
      const tip = L.tooltip({ permanent: true, direction, className: `map-name ${kind} hidden`, interactive: false,
                              opacity: 1, offset })
        .setLatLng(latlng).setContent(span);
      layer.addLayer(tip);
      return tip;
    }

    // The point `share` of the way along a line (LatLngs), projected at zoom `z`, with the angle of
    // the line there (never upside down) and its unit normal, in screen terms; none on a segment of
    // no length.
    function along(lls, share, z) {
      const [at, i] = gridmapLabels.halfwayAlong(lls, share);
      const a = map.project(lls[i - 1], z), b = map.project(lls[i], z);
      const d = a.distanceTo(b);
      if (!d) return null;
      let angle = (Math.atan2(b.y - a.y, b.x - a.x) * 180) / Math.PI;
      if (angle > 90) angle -= 180;
      if (angle < -90) angle += 180;
      return { latlng: at, at: map.project(at, z), angle, normal: L.point(-(b.y - a.y) / d, (b.x - a.x) / d) };
    }

    return {
      // Each street's name along one of its pieces in view (the longest first, nearest their
      // middle first), beside the street towards the middle of the map, so that it covers neither
      // the street nor a boundary drawn along it.
      streets(fc, gap = 9) {
        const Z = 20;  // a fixed zoom for the geometry: names keep their places at every zoom
        const view = map.getBounds().pad(-0.03);
        const centre = map.project(map.getCenter(), Z);
        const places = {};
        for (const f of fc.features) {
          const n = f.properties.name;
          if (!n || !f.geometry || f.geometry.type !== "LineString") continue;
          const lls = f.geometry.coordinates.map(([lon, lat]) => L.latLng(lat, lon));
          FRACTIONS.forEach((fr, rank) => {
            const p = along(lls, fr, Z);
            if (!p) return;
            const score = (f.properties.length_m || 1) * (view.contains(p.latlng) ? 1000 : 1) / (1 + rank);
            (places[n] ||= []).push({ score, at: p.latlng, p });
          });
        }
        for (const [n, list] of Object.entries(places)) {
          list.sort((a, b) => b.score - a.score);
          order.push(list.slice(0, MAX_PLACES).map(({ at, p }) => {
            const side = (centre.x - p.at.x) * p.normal.x + (centre.y - p.at.y) * p.normal.y >= 0 ? 1 : -1;
            return tooltip(at, n, "street", p.angle, "center", [side * gap * p.normal.x, side * gap * p.normal.y]);
          }));
        }
      },
      // A name in the middle of each polygon (the text from `text(properties)`; none: no name). The
      // text may be several forms, longest first (a building's name with its households, then its
      // number alone): the first that has room is shown.
      polygons(fc, text, kind) {
        for (const f of fc.features) {
          const forms = [].concat((f.geometry && text(f.properties)) || []).filter(Boolean);
          if (!forms.length) continue;
          const at = L.geoJSON(f).getBounds().getCenter();
          order.push(Object.assign(forms.map((words) => tooltip(at, words, kind)), { feature: f }));
        }
      },
      // A name beside each point (a station).
      points(fc, text, kind) {
        for (const f of fc.features) {
          const words = f.geometry && f.geometry.type === "Point" && text(f.properties);
          if (!words) continue;
          const [lon, lat] = f.geometry.coordinates;
          order.push([tooltip(L.latLng(lat, lon), words, kind, 0, "right", [6, 0])]);
        }
      },
      // Put each name at its first place that covers no name placed before and stays on the map.
      place() {
        const frame = map.getContainer().getBoundingClientRect();
        const placed = obstacles().filter(Boolean).map((node) => node.getBoundingClientRect());
        const fixed = placed.length;
        for (const tips of order) {
          let done = false;
          for (const tip of tips) {
            const node = tip.getElement();
            if (!node) continue;
            let fits = false;
            if (!done) {
              const box = node.querySelector(".name-text").getBoundingClientRect();
              fits = gridmapLabels.fits(box, frame, placed);
              if (fits) { placed.push(box); done = true; }
            }
            node.classList.toggle("hidden", !fits);
          }
        }
        return placed.length - fixed;
      },
      // The polygons whose name found no room on the map (their features, in the order given).
      left() {
        const visible = (tip) => tip.getElement() && !tip.getElement().classList.contains("hidden");
        return order.filter((tips) => tips.feature && !tips.some(visible)).map((tips) => tips.feature);
      },
      // The names shown.
      shown() {
        return order.flat().filter((tip) => tip.getElement() && !tip.getElement().classList.contains("hidden"))
          .map((tip) => tip.getElement().textContent);
      },
      layer,
    };
  }
  return { create };
})();
