/* fieldapp service worker, version {{ version }}.
 * App shell: Workbox precache (replaced on every deploy, old revisions cleaned up).
 * Offline visits: a cache of its own that no version ever deletes; the pages put entries in it
 * when the inspector marks a visit for offline use. Drafts and the outbox are in IndexedDB,
 * which the service worker never touches. */
/* global workbox */
importScripts({{ workbox_sw|tojson }});
workbox.setConfig({ modulePathPrefix: {{ workbox_prefix|tojson }}, debug: false });

const VERSION = {{ version|tojson }};
const VISITS_CACHE = {{ visits_cache|tojson }};
const OFFLINE_URL = {{ url_for("inspections.offline")|tojson }};
const MY_VISITS = {{ url_for("inspections.my_visits")|tojson }};

workbox.core.setCacheNameDetails({ prefix: "fieldapp", suffix: "shell" });
workbox.precaching.precacheAndRoute({{ entries|tojson }}, { ignoreURLParametersMatching: [/.*/] });
workbox.precaching.cleanupOutdatedCaches();

self.addEventListener("install", function (event) {
  // The phone's API goes straight to the network where the browser can say so (static routing):
  // an upload never waits for this worker, and never keeps it busy while a new version waits.
  if (event.addRoutes) {
    event.waitUntil(Promise.resolve()
      .then(function () { return event.addRoutes({ condition: { urlPattern: { pathname: "/api/*" } }, source: "network" }); })
      .catch(function () { /* older rules syntax: the fetch handler below lets these requests through */ }));
  }
  self.skipWaiting();
});
self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
  refreshKeptPages();  // not awaited: the pages' own requests must not wait for it
});

// A page kept offline by an earlier version names that version's scripts, while the shell now
// holds this version's: fetch each kept page again while there is signal, so a visit opened
// offline later has markup and scripts of one version. Without signal (or logged out, or a visit
// no longer assigned) the kept copy stays.
async function refreshKeptPages() {
  const cache = await caches.open(VISITS_CACHE);
  const kept = await cache.keys();
  await Promise.all(kept.map(async function (request) {
    const key = new URL(request.url).pathname;
    try {
      const response = await fetch(key, { credentials: "same-origin", cache: "no-store" });
      if (response.ok && !response.redirected) {
        await cache.delete(key, { ignoreVary: true });
        await cache.put(key, response);
      }
    } catch (error) { /* no signal: keep the copy */ }
  }));
}

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "version" && event.ports[0]) event.ports[0].postMessage(VERSION);
});

// Background Sync (where the browser has it): the connection is back, so the open pages send
// their outbox at once.
self.addEventListener("sync", function (event) {
  if (event.tag !== "fieldapp-outbox") return;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    list.forEach(function (client) { client.postMessage({ type: "outbox-flush" }); });
  }));
});

// Who the office's last page was for (base.html's fieldapp-user meta: an inspector's id, "" for
// anyone else or nobody), so that on a shared phone a page kept by one inspector is never shown
// offline to the next one, nor the offline page with the previous one's outbox. Unknown (null)
// until a page came from the office through this worker: then kept pages are shown as before.
const SIGNED_IN_CACHE = "fieldapp-signed-in";
const SIGNED_IN_KEY = "/signed-in";
const USER_META = /<meta name="fieldapp-user" content="(\d*)">/;

async function rememberSignedIn(response) {
  if ((response.headers.get("Content-Type") || "").indexOf("text/html") !== 0) return;
  const match = USER_META.exec(await response.text());
  if (!match) return;
  const cache = await caches.open(SIGNED_IN_CACHE);
  await cache.put(SIGNED_IN_KEY, new Response(match[1]));
}

async function signedIn() {
  const kept = await (await caches.open(SIGNED_IN_CACHE)).match(SIGNED_IN_KEY);
  return kept ? kept.text() : null;
}

// A kept page, or else the offline page, for whoever is signed in on this phone.
async function offlineAnswer(cache, key) {
  const user = await signedIn();
  const kept = await cache.match(key, { ignoreVary: true });
  if (kept) {
    const owner = USER_META.exec(await kept.clone().text());
    if (user === null || (owner && owner[1] === user)) return kept;
  }
  const offline = await workbox.precaching.matchPrecache(OFFLINE_URL);
  if (!offline || user === null) return offline || Response.error();
  // Precached while someone was signed in: its page names whoever is signed in now.
  const html = (await offline.text()).replace(USER_META, '<meta name="fieldapp-user" content="' + user + '">');
  return new Response(html, { headers: { "Content-Type": offline.headers.get("Content-Type") || "text/html; charset=utf-8" } });
}

function isAppPage(url) {
  return url.origin === self.location.origin && url.pathname.indexOf("/my/") === 0;
}

// Pages: network first (fresh data when there is signal); on success refresh the copy of any page
// that is kept offline (and always the task list); without signal, the kept copy if it is the
// signed-in inspector's, else the offline page.
async function pageHandler({ request }) {
  const url = new URL(request.url);
  const cache = await caches.open(VISITS_CACHE);
  const key = url.pathname;
  try {
    const controller = new AbortController();
    const timer = setTimeout(function () { controller.abort(); }, 8000);
    const response = await fetch(request, { signal: controller.signal });
    clearTimeout(timer);
    if (response.ok) rememberSignedIn(response.clone()).catch(function () { /* the next page tells */ });
    if (response.ok && !response.redirected && isAppPage(url)) {
      const kept = await cache.match(key, { ignoreVary: true });
      if (kept || key === MY_VISITS) await cache.put(key, response.clone());
    }
    return response;
  } catch (error) {
    return offlineAnswer(cache, key);
  }
}

workbox.routing.registerRoute(function ({ request, url }) {
  return request.mode === "navigate" && url.origin === self.location.origin;
}, pageHandler);

// Static files that are not in the precache (added after this version was built).
workbox.routing.registerRoute(
  function ({ url }) { return url.origin === self.location.origin && url.pathname.indexOf("/static/") === 0; },
  new workbox.strategies.StaleWhileRevalidate({ cacheName: "fieldapp-static-runtime" })
);
