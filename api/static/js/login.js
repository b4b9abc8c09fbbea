// Sign in: the OAuth2 password flow (POST /auth/token), which also sets the session cookie the
// pages use; then back to the page that asked.
(function () {
  const lang = gridmapLang();
  document.documentElement.lang = lang === "en" ? "en" : "zh";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.title = t("sign_in");
  document.getElementById("title").textContent = `${t("title")} · ${t("sign_in")}`;
  const langButton = document.getElementById("lang");
  langButton.textContent = t("language");
  langButton.onclick = () => { location.href = withLang(location.href, lang === "en" ? "zh" : "en"); };
  const form = document.getElementById("login");
  const message = document.getElementById("message");
  form.onsubmit = async (event) => {
    event.preventDefault();
    message.textContent = "";
    const r = await fetch("/auth/token", { method: "POST", body: new URLSearchParams(new FormData(form)) });
    if (r.ok) {
      location.href = withLang(document.body.dataset.next || "/", lang);
      return;
    }
    message.textContent = r.status === 429 ? `${t("too_many")} ${r.headers.get("Retry-After")}` : t("wrong_password");
  };
})();
