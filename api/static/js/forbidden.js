// A page the signed-in user may not open: why, in their language, and where they may go instead.
(function () {
  const { message, home, grid } = document.body.dataset;
  gridmapHeader(home, "forbidden_page");
  document.getElementById("reason").textContent = message;
  const lang = gridmapLang();
  const ways = [];
  if (home) ways.push(el("a", { href: `/?jurisdiction=${encodeURIComponent(home)}&lang=${lang}` }, t("back_home")));
  if (home && grid) {
    ways.push(el("a", { href: `/grids/${encodeURIComponent(grid)}?jurisdiction=${encodeURIComponent(home)}&lang=${lang}` },
                 `${t("my_grid")} ${grid}`));
  }
  document.getElementById("ways").replaceChildren(...ways.map((a) => el("li", {}, a)));
  document.body.dataset.ready = "true";
})();
