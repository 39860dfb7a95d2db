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

function isAppPage(url) {
  return url.origin === self.location.origin && url.pathname.indexOf("/my/") === 0;
}

// Pages: network first (fresh data when there is signal); on success refresh the copy of any page
// that is kept offline (and always the task list); without signal, the kept copy, else the
// offline page.
async function pageHandler({ request }) {
  const url = new URL(request.url);
  const cache = await caches.open(VISITS_CACHE);
  const key = url.pathname;
  try {
    const controller = new AbortController();
    const timer = setTimeout(function () { controller.abort(); }, 8000);
    const response = await fetch(request, { signal: controller.signal });
    clearTimeout(timer);
    if (response.ok && !response.redirected && isAppPage(url)) {
      const kept = await cache.match(key, { ignoreVary: true });
      if (kept || key === MY_VISITS) await cache.put(key, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await cache.match(key, { ignoreVary: true });
    if (kept) return kept;
    const offline = await workbox.precaching.matchPrecache(OFFLINE_URL);
    return offline || Response.error();
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
