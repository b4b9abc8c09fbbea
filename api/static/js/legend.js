// The legend: every layer shown on the map, drawn as it is drawn there (lines as lines, points as
// points, areas as boxes); it follows the layers switched on and off, and folds on a phone.
window.gridmapLegend = (function () {
  const SVG = "http://www.w3.org/2000/svg";

  function swatch(kind, s) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "26");
    svg.setAttribute("height", "14");
    svg.setAttribute("aria-hidden", "true");
    let shape;
    if (kind === "point") {
      shape = document.createElementNS(SVG, "circle");
      shape.setAttribute("cx", "13"); shape.setAttribute("cy", "7"); shape.setAttribute("r", "5");
      shape.setAttribute("fill", s.fillColor || s.color);
      shape.setAttribute("stroke", s.color || "#fff");
    } else if (kind === "line") {
      shape = document.createElementNS(SVG, "line");
      shape.setAttribute("x1", "1"); shape.setAttribute("y1", "7"); shape.setAttribute("x2", "25"); shape.setAttribute("y2", "7");
      shape.setAttribute("stroke", s.color);
      shape.setAttribute("stroke-width", String(Math.min(s.weight || 2, 6)));
    } else {
      shape = document.createElementNS(SVG, "rect");
      shape.setAttribute("x", "2"); shape.setAttribute("y", "2"); shape.setAttribute("width", "22"); shape.setAttribute("height", "10");
      shape.setAttribute("fill", s.fill === false ? "none" : (s.fillColor || s.color));
      shape.setAttribute("fill-opacity", String(s.fill === false ? 0 : Math.max(s.fillOpacity ?? 0.3, 0.25)));
      shape.setAttribute("stroke", s.color);
      shape.setAttribute("stroke-width", String(Math.min(s.weight || 1, 3)));
    }
    if (s.dashArray) shape.setAttribute("stroke-dasharray", s.dashArray);
    svg.append(shape);
    return svg;
  }

  // entries: overlay key → [[kind, style, label], …] (a layer may have several lines: routes)
  function create(map, entries, overlays) {
    const Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd() {
        const box = el("div", { className: "legend leaflet-control" });
        const toggle = el("button", { type: "button", className: "legend-toggle" }, t("legend"));
        toggle.setAttribute("aria-expanded", "true");
        toggle.onclick = () => {
          const folded = box.classList.toggle("folded");
          toggle.setAttribute("aria-expanded", String(!folded));
        };
        this.list = el("ul", { tabIndex: 0 });  // it scrolls when long: reachable by keyboard too
        this.notes = el("div");
        box.append(toggle, this.list, this.notes);
        L.DomEvent.disableClickPropagation(box);
        if (window.matchMedia("(max-width: 700px)").matches) box.classList.add("folded");
        this.box = box;
        return box;
      },
      refresh() {
        const items = [];
        for (const [key, lines_] of Object.entries(entries())) {
          if (!overlays[key] || !map.hasLayer(overlays[key])) continue;
          for (const [kind, style, label] of lines_) {
            items.push(el("li", { dataset: { layer: key } }, swatch(kind, style), label));
          }
        }
        this.list.replaceChildren(...items);
      },
      note(text) {
        this.notes.append(el("div", { className: "layer-note" }, text));
      },
    });
    const legend = new Legend().addTo(map);
    map.on("overlayadd overlayremove", () => legend.refresh());
    legend.refresh();
    return legend;
  }

  return { create, swatch };
})();
