// A page that cannot be shown — one the signed-in user may not open, one that is not there (a case,
// a community), a link with a wrong parameter (month=2026-99) — why, in their language, and where
// they may go instead (their raw problem+json was all a stale link showed).
(function () {
  const { message, title, home, grid } = document.body.dataset;
  gridmapHeader(home, title);
  document.getElementById("reason").textContent = message;
  const lang = gridmapLang();
  const ways = [];
  ways.push(el("a", { href: home ? `/?jurisdiction=${encodeURIComponent(home)}&lang=${lang}` : `/?lang=${lang}` },
               t("back_home")));
  if (home && grid) {
    ways.push(el("a", { href: `/grids/${encodeURIComponent(grid)}?jurisdiction=${encodeURIComponent(home)}&lang=${lang}` },
                 `${t("my_grid")} ${grid}`));
  }
  document.getElementById("ways").replaceChildren(...ways.map((a) => el("li", {}, a)));
  // a grid worker's own app first: the one page of hers that works in the street
  gridmapMe().then((me) => {
    if (me && me.role === "worker") {
      document.getElementById("ways").prepend(el("li", {}, el("a", { href: withLang("/field", lang) }, t("nav_field"))));
    }
  }).finally(() => { document.body.dataset.ready = "true"; });
})();
