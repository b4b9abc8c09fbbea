// Dates in the jurisdiction's time zone (GRIDMAP_TIME_ZONE, from /config; Asia/Shanghai by
// default), never the UTC date (toISOString) nor the browser's own zone: before 08:00 in Beijing
// the UTC date is still yesterday's.
window.gridmapDates = (function () {
  const FALLBACK = "Asia/Shanghai";
  let zoneP = null;

  // The zone the service names; fetched once a page.
  function zone() {
    if (!zoneP) {
      zoneP = fetch("/config").then((r) => (r.ok ? r.json() : {})).then((c) => c.time_zone || FALLBACK)
        .catch(() => FALLBACK);
    }
    return zoneP;
  }

  function parts(tz, when, options) {
    const out = {};
    for (const p of new Intl.DateTimeFormat("en-GB", { timeZone: tz, hourCycle: "h23", ...options })
      .formatToParts(when)) out[p.type] = p.value;
    return out;
  }

  // YYYY-MM-DD of `when` (default now) in the zone `tz`.
  function day(tz, when = new Date()) {
    const p = parts(tz, when, { year: "numeric", month: "2-digit", day: "2-digit" });
    return `${p.year}-${p.month}-${p.day}`;
  }

  // YYYY-MM-DD HH:MM of `when` (default now) in the zone `tz`: a print stamp.
  function stamp(tz, when = new Date()) {
    const p = parts(tz, when, { hour: "2-digit", minute: "2-digit" });
    return `${day(tz, when)} ${p.hour}:${p.minute}`;
  }

  // The day `iso` (YYYY-MM-DD) written out in the page's language, with its weekday.
  function longDay(iso, lang) {
    const noon = new Date(`${iso}T12:00:00Z`);  // the same calendar day in every zone
    return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "zh-CN",
      { timeZone: "UTC", year: "numeric", month: "long", day: "numeric", weekday: "long" }).format(noon);
  }

  // The last day (YYYY-MM-DD) of a month (YYYY-MM).
  function lastDay(month) {
    const [y, m] = month.split("-").map(Number);
    return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, "0")}`;
  }

  return { zone, day, stamp, longDay, lastDay };
})();
