// Sign in: the OAuth2 password flow (POST /auth/token), which also sets the session cookie the
// pages use; then back to the page that asked.
(function () {
  const lang = gridmapHeader(null, "sign_in", { user: false });
  const form = document.getElementById("login");
  const message = document.getElementById("message");
  form.onsubmit = async (event) => {
    event.preventDefault();
    message.textContent = "";
    await gridmapFinishSignOut();  // the last session ended first, never the one about to begin
    const r = await fetch("/auth/token", { method: "POST", body: new URLSearchParams(new FormData(form)) });
    // Read the answer to its end before leaving: navigating away while its body is still coming
    // aborts the request (the console logged "POST /auth/token net::ERR_ABORTED" at every sign-in).
    const answer = await r.json().catch(() => null);
    if (r.ok) {  // where asked to go back to, else the role's own page: a grid worker's is the phone app,
      // the street office's the communities compared, the others' the one map
      await gridmapSignedIn(answer);
      const home = answer.user.role === "worker" ? "/field" : gridmapStreetOffice(answer.user) ? "/communities" : "/";
      // in place of the sign-in page: Back from the page reached does not come back to it
      location.replace(withLang(document.body.dataset.next || home, lang));
      return;
    }
    message.textContent = r.status === 429 ? `${t("too_many")} ${r.headers.get("Retry-After")}` : t("wrong_password");
  };
})();
