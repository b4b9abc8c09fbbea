// 各社区接诉即办对比: the street office's view of its communities' numbers for a month, side by
// side (GET /jurisdictions/kpi), each community leading to its cases and its monthly report.
// Every value from data reaches the page as text (el()).
(async function () {
  const slug = document.body.dataset.jurisdiction;
  const lang = gridmapHeader(slug, "communities_page");
  const monthInput = document.getElementById("month");
  monthInput.value = document.body.dataset.month;
  const COLUMNS = [["received", (r) => r.received], ["response_rate", (r) => r.response_rate],
    ["resolution_rate", (r) => r.resolution_rate], ["satisfaction_rate", (r) => r.satisfaction_rate],
    ["on_time_closure_rate", (r) => r.on_time_closure_rate], ["open_n", (r) => r.open], ["overdue_n", (r) => r.overdue]];
  const RATES = new Set(["response_rate", "resolution_rate", "satisfaction_rate", "on_time_closure_rate"]);
  let sortKey = null;
  let bestFirst = false;  // the column clicked again: best first (worst first the first time)

  let shown = null;  // the month's answer: sorting draws it again, it is not asked again

  async function load() {
    const month = monthInput.value;
    const [r, tz] = await Promise.all([fetch(`/jurisdictions/kpi?from=${month}-01&to=${gridmapDates.lastDay(month)}`),
                                       gridmapDates.zone()]);
    const body = await r.json();
    if (!r.ok) { document.getElementById("compare-note").textContent = body.detail || String(r.status); return; }
    body.as_of_local = gridmapDates.stamp(tz, new Date(body.as_of));  // the communities' time, not UTC
    shown = { month, body };
    draw();
  }

  function draw() {
    const { month, body } = shown;
    let rows = body.jurisdictions;
    if (sortKey) {  // worst first: the lowest rate, the most open or overdue; a community with no number last either way
      const value = COLUMNS.find(([k]) => k === sortKey)[1];
      const worse = (RATES.has(sortKey) ? 1 : -1) * (bestFirst ? -1 : 1);
      rows = [...rows].sort((a, b) => (value(a) == null) - (value(b) == null) || worse * (value(a) - value(b)));
    }
    const head = el("tr", {}, el("th", {}, t("community")), ...COLUMNS.map(([k]) => {
      const th = el("th", { dataset: { key: k } }, el("button", { type: "button", className: "sort" }, t(k)));
      th.querySelector("button").onclick = () => { bestFirst = k === sortKey && !bestFirst; sortKey = k; draw(); };
      if (k === sortKey) th.setAttribute("aria-sort", RATES.has(k) !== bestFirst ? "ascending" : "descending");
      return th;
    }));
    // The month's open and overdue cases of a community are a click away while the month is this
    // one (its numbers are as of now, as the list's filters are; a month past is counted as of its end).
    const live = Date.parse(body.as_of) > Date.now() - 5 * 60 * 1000;
    const cases = (x, filter) => withLang(`/cases?jurisdiction=${encodeURIComponent(x.jurisdiction)}&month=${month}`
                                          + filter, lang);
    const cell = (x, k, value) => {
      const text = RATES.has(k) ? gridmapPercent(value(x)) : String(value(x));
      const filter = { open_n: "&open=true", overdue_n: "&open=true&overdue=true" }[k];
      return el("td", { dataset: { key: k } }, live && filter && value(x) > 0 ? el("a", { href: cases(x, filter) }, text) : text);
    };
    const lines = rows.map((x) => el("tr", { dataset: { jurisdiction: x.jurisdiction } },
      el("th", { scope: "row" },
        el("a", { href: cases(x, "&open=false") }, x.name),
        " ", el("a", { className: "report", href: withLang(`/cases-report?jurisdiction=${encodeURIComponent(x.jurisdiction)}`
                                                           + `&month=${month}`, lang) }, t("nav_report"))),
      ...COLUMNS.map(([k, value]) => cell(x, k, value))));
    // the communities together: their counts added, the rates of the sums (not an average of rates)
    const sum = body.total && rows.length > 1 ? el("tr", { className: "total" }, el("th", { scope: "row" }, t("all_communities")),
      ...COLUMNS.map(([k, value]) => el("td", { dataset: { key: k } },
        RATES.has(k) ? gridmapPercent(value(body.total)) : String(value(body.total))))) : null;
    const table = document.getElementById("compare-table");
    table.replaceChildren(head, ...lines, ...(sum ? [sum] : []));
    // on a phone the numbers run past the screen: the names stay (sticky), and it is said
    const hint = document.getElementById("scroll-hint");
    hint.textContent = t("scroll_more");
    hint.hidden = table.scrollWidth <= table.parentElement.clientWidth;
    document.getElementById("compare-note").textContent = t("compare_note")
      .replace("{n}", String(rows.length)).replace("{as_of}", body.as_of_local);
    document.body.dataset.ready = "true";
  }
  monthInput.onchange = () => { if (monthInput.value) load(); };
  load();
})();
