// Names written on the map, readable without hovering and on paper: permanent Leaflet tooltips
// (direction "center", text only), street names turned along their street, placed in order of
// importance; a name whose box would cover one already placed, or leave the map, is hidden.
window.gridmapNames = (function () {
  function create(map) {
    const layer = L.layerGroup().addTo(map);
    const order = [];  // tooltips, most important first

    function name(latlng, text, kind, angle = 0, direction = "center", offset = [0, 0]) {
      const span = el("span", { className: "name-text" }, text);
      // Chinese along a north–south street is written top to bottom, upright; other text turns.
      if (Math.abs(angle) > 60 && /[\u3400-\u9fff]/.test(text)) span.classList.add("upright");
      else if (angle) span.style.transform = `rotate(${angle.toFixed(1)}deg)`;
      const tip = L.tooltip({ permanent: true, direction, className: `map-name ${kind}`, interactive: false,
                              opacity: 1, offset })
        .setLatLng(latlng).setContent(span);
      layer.addLayer(tip);
      order.push(tip);
      return tip;
    }

    // A point `f` of the way along a line (screen pixels), and the angle of the line there.
    function along(latlngs, f) {
      const pts = latlngs.map((ll) => map.project(ll, 20));
      let total = 0;
      for (let k = 1; k < pts.length; k++) total += pts[k - 1].distanceTo(pts[k]);
      let walked = 0;
      for (let k = 1; k < pts.length; k++) {
        const a = pts[k - 1], b = pts[k];
        const d = a.distanceTo(b);
        if (walked + d >= total * f && d > 0) {
          const g = (total * f - walked) / d;
          let angle = (Math.atan2(b.y - a.y, b.x - a.x) * 180) / Math.PI;
          if (angle > 90) angle -= 180;  // never upside down
          if (angle < -90) angle += 180;
          const normal = L.point(-(b.y - a.y) / d, (b.x - a.x) / d);  // unit, screen pixels
          return { at: map.unproject(L.point(a.x + (b.x - a.x) * g, a.y + (b.y - a.y) * g), 20), angle, normal };
        }
        walked += d;
      }
      return { at: latlngs[0], angle: 0, normal: L.point(0, 0) };
    }

    return {
      // One name a street, on its longest piece in view (or its longest), along the street and
      // beside it (towards the middle of the map), so that it covers neither the street nor a
      // boundary drawn along it.
      streets(fc, gap = 9) {
        const view = map.getBounds();
        const best = {};
        for (const f of fc.features) {
          const n = f.properties.name;
          if (!n || !f.geometry || f.geometry.type !== "LineString") continue;
          const latlngs = f.geometry.coordinates.map(([lon, lat]) => L.latLng(lat, lon));
          const mid = along(latlngs, 0.5);
          const score = (f.properties.length_m || 0) * (view.contains(mid.at) ? 10 : 1);
          if (!best[n] || best[n].score < score) best[n] = { score, mid };
        }
        const centre = map.project(map.getCenter(), 20);
        for (const [n, { mid }] of Object.entries(best)) {
          const at = map.project(mid.at, 20);
          const side = (centre.x - at.x) * mid.normal.x + (centre.y - at.y) * mid.normal.y >= 0 ? 1 : -1;
          name(mid.at, n, "street", mid.angle, "center", [side * gap * mid.normal.x, side * gap * mid.normal.y]);
        }
      },
      // A name in the middle of each polygon (the text from `text(properties)`; none: no name).
      polygons(fc, text, kind) {
        for (const f of fc.features) {
          const words = f.geometry && text(f.properties);
          if (!words) continue;
          name(L.geoJSON(f).getBounds().getCenter(), words, kind);
        }
      },
      // A name beside each point (a station).
      points(fc, text, kind) {
        for (const f of fc.features) {
          const words = f.geometry && f.geometry.type === "Point" && text(f.properties);
          if (!words) continue;
          const [lon, lat] = f.geometry.coordinates;
          name(L.latLng(lat, lon), words, kind, 0, "right");
        }
      },
      // Show each name in order unless it would cover one shown before or leave the map.
      place() {
        const frame = map.getContainer().getBoundingClientRect();
        const placed = [];
        for (const tip of order) {
          const node = tip.getElement();
          if (!node) continue;
          node.classList.remove("hidden");
          const box = node.querySelector(".name-text").getBoundingClientRect();
          const clear = box.width > 0 && box.left >= frame.left && box.right <= frame.right
            && box.top >= frame.top && box.bottom <= frame.bottom
            && !placed.some((b) => box.left < b.right && b.left < box.right && box.top < b.bottom && b.top < box.bottom);
          if (clear) placed.push(box);
          node.classList.toggle("hidden", !clear);
        }
        return placed.length;
      },
      shown() {
        return order.filter((tip) => tip.getElement() && !tip.getElement().classList.contains("hidden"))
          .map((tip) => tip.getElement().textContent);
      },
      layer,
    };
  }
  return { create };
})();
