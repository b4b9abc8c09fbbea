// The field app's service worker (served as /field/sw.js, scope /field): the app works with no
// signal. Two kinds of cache, each named by its version so that nothing stale is ever served:
// - the shell (the page, its scripts and styles) in "field-shell-<version of the files>": a new
//   version of any file makes a new worker, which fills a new cache and deletes the old ones;
// - today's work in "field-data-<its ETag>": asked from the network first every time; each new
//   version is kept under its own name and the older ones are deleted, so that offline the phone
//   shows the last version it saw, and online always the current one.
// Writes (the sync, photos) are never cached: the page keeps them in IndexedDB until they arrive.
const SHELL_VERSION = "__SHELL_VERSION__";
const SHELL_FILES = ["__SHELL_FILES__"];
const SHELL = "field-shell-" + SHELL_VERSION;
const DATA = "field-data-";
const TODAY = /^\/field\/[^/]+\/today$/;

// Filled from the network, never from the browser's cache: a file kept there from the release
// before would sit in the new version's shell beside the new ones (a broken app until the phone's
// site data was cleared).
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL)
    .then((c) => c.addAll([...SHELL_FILES, "/field"].map((url) => new Request(url, { cache: "reload" }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith("field-shell-") && n !== SHELL).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

function dataName(etag) {
  return DATA + (etag || "none").replace(/[^A-Za-z0-9_-]/g, "");
}

async function cachedToday(request) {
  for (const name of await caches.keys()) {
    if (!name.startsWith(DATA)) continue;
    const hit = await (await caches.open(name)).match(request, { ignoreSearch: true });
    if (hit) return hit;
  }
  return null;
}

async function today(request) {
  let answer;
  try {
    answer = await fetch(request, { cache: "no-store" });
  } catch (offline) {
    const hit = await cachedToday(request);
    return hit || new Response(JSON.stringify({ detail: "offline" }), { status: 503, headers: { "Content-Type": "application/json" } });
  }
  if (answer.status === 401) {  // signed out: the days kept for offline go, not to be shown to the next one
    for (const old of await caches.keys()) {
      if (old.startsWith(DATA)) await caches.delete(old);
    }
  }
  if (answer.ok) {
    // a version is written once: the same ETag is the same answer (rewriting it would leave a
    // moment with no copy, were the connection to drop meanwhile)
    const name = dataName(answer.headers.get("ETag"));
    const cache = await caches.open(name);
    const key = request.url.split("?")[0];
    if (!(await cache.match(key))) await cache.put(key, answer.clone());
    for (const old of await caches.keys()) {
      if (old.startsWith(DATA) && old !== name) await caches.delete(old);
    }
  }
  return answer;
}

// The page itself holds no data (only the jurisdiction, never who signed in): served from the
// shell cache at once, and refreshed from the network for the next time.
async function page(request) {
  const cache = await caches.open(SHELL);
  const fresh = fetch(request).then((answer) => {
    if (answer.ok && !answer.redirected) cache.put("/field", answer.clone());
    return answer;
  });
  const hit = await cache.match("/field");
  if (hit) {
    fresh.catch(() => null);
    return hit;
  }
  return fresh.catch(() => Response.error());
}

async function shell(request) {
  const hit = await (await caches.open(SHELL)).match(request, { ignoreSearch: true });
  return hit || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (TODAY.test(url.pathname)) event.respondWith(today(request));
  else if (request.mode === "navigate" && url.pathname === "/field") event.respondWith(page(request));
  else if (SHELL_FILES.includes(url.pathname)) event.respondWith(shell(request));
});
