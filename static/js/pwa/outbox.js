// fieldapp inspector app: the outbox. Submissions wait here (IndexedDB) until the server has
// confirmed them complete; each is sent by outbox-send.js through the requests of
// outbox-requests.js, and the bar (outbox-bar.js) says what waits.
//
// Many submissions travel at once; only a submission whose requests keep failing waits, by itself,
// a little longer (its back-off is kept on the item). Sending starts when the phone comes online,
// when the page becomes visible, on Background Sync (service worker), every minute while anything
// waits, and from the "Send now" button. A lost login stops sending and says so; the next page
// after logging in sends at once. One tab sends at a time.
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var Requests = window.FieldappOutboxRequests;
  var Send = window.FieldappOutboxSend;
  var SYNC_TAG = "fieldapp-outbox";
  var ITEMS_IN_PARALLEL = 24;
  var timer = null;
  var running = false;
  var again = false;
  var loginNeeded = false;
  var lockWaitSince = 0;
  // The parts, for a page kept offline by an earlier version that names outbox.js alone.
  var PARTS = [["FieldappOutboxRequests", "outbox-requests.js"], ["FieldappOutboxSend", "outbox-send.js"],
               ["FieldappOutboxBar", "outbox-bar.js"]];
  var here = document.currentScript ? document.currentScript.src : "";

  function render() {
    if (!window.FieldappOutboxBar) return Promise.resolve();  // its part is still loading
    return window.FieldappOutboxBar.render(function () { return { loginNeeded: loginNeeded, trouble: Requests.trouble() }; });
  }

  // A submission whose requests kept failing waits 2, 4, 8 … at most 60 s (jittered) by itself.
  var MAX_ITEM_DELAY = 60000;
  function itemDelay(failures) {
    var base = Math.min(MAX_ITEM_DELAY, 2000 * Math.pow(2, Math.max(0, failures - 1)));
    return base / 2 + Math.random() * base / 2;
  }

  async function attempt(item) {
    try {
      await Send.send(item);
    } catch (error) {
      if (error instanceof Requests.LoginNeeded) { loginNeeded = true; throw error; }
      var fresh = (await Store.getOutbox(item.uuid)) || item;
      if (error instanceof Requests.Refused) return Send.stuck(fresh, error.message);
      if (!(error instanceof Requests.RetryLater)) throw error;
      fresh.failures = (fresh.failures || 0) + 1;
      fresh.attempts = (fresh.attempts || 0) + 1;
      fresh.lastError = error.message;
      fresh.nextAt = Date.now() + itemDelay(fresh.failures);
      await Store.putOutbox(fresh);
    }
  }

  // When an item is next tried. A back-off never waits more than a minute, so a time further ahead
  // was set by a clock that has since been set right (a phone days ahead): that item is due now.
  function dueAt(item, now) {
    return !item.nextAt || item.nextAt - now > MAX_ITEM_DELAY ? 0 : item.nextAt;
  }

  // What waits and is due (everything not stuck when forced), oldest first.
  async function due(forced) {
    var now = Date.now();
    var items = (await Store.listOutbox()).filter(function (i) {
      return i.state !== "stuck" && (forced || dueAt(i, now) <= now);
    });
    items.sort(function (a, b) { return a.createdAt < b.createdAt ? -1 : 1; });
    return items;
  }

  async function flushNow(force) {
    do {
      var forced = force || again;
      again = false;
      force = false;
      var items = await due(forced);
      loginNeeded = false;
      try {
        await Send.inParallel(items, ITEMS_IN_PARALLEL, attempt);
      } catch (error) {
        if (!(error instanceof Requests.LoginNeeded)) throw error;
      }
      render();
    } while (again && !loginNeeded);
  }

  // The next try of whatever waits: the earliest per-item back-off, and at least every minute.
  async function schedule() {
    clearTimeout(timer);
    if (loginNeeded) return;
    var items = (await Store.listOutbox()).filter(function (i) { return i.state !== "stuck"; });
    if (!items.length) return;
    var now = Date.now();
    var soonest = Math.min.apply(null, items.map(function (i) { return dueAt(i, now); }));
    var delay = Math.max(200, Math.min(60000, soonest - now));
    timer = setTimeout(function () { flush(false); }, delay);
    registerSync();
  }

  // Where the browser has it, Background Sync wakes the app when the connection comes back.
  function registerSync() {
    if (!navigator.serviceWorker || !navigator.serviceWorker.controller) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register(SYNC_TAG);
    }).catch(function () { /* not allowed here: the other triggers still send */ });
  }

  // One sender at a time across tabs. A holder that stays silent for 20 s (a page frozen while
  // leaving) loses the lock: sending twice is safe, the server is idempotent.
  function flushLocked(force) {
    var stale = lockWaitSince && Date.now() - lockWaitSince > 20000;
    var options = stale ? { steal: true } : { ifAvailable: true };
    return navigator.locks.request("fieldapp-outbox-" + Store.userId(), options, function (lock) {
      if (lock) { lockWaitSince = 0; return flushNow(force !== false); }
      lockWaitSince = lockWaitSince || Date.now();
      clearTimeout(timer);
      timer = setTimeout(flush, 3000);
      return null;
    });
  }

  async function flush(force) {
    if (!Store.userId() || !Send) return;  // no Send: its part is still loading
    if (running) { if (force !== false) again = true; return; }
    running = true;
    try {
      if (navigator.locks) await flushLocked(force);
      else await flushNow(force !== false);
    } catch (error) {
      if (window.console) console.warn("outbox", error);
    } finally {
      running = false;
      render();
      if (!lockWaitSince) schedule();
    }
  }

  function begin() {
    Requests.onTrouble(render);  // a request's trouble is on the bar at once
    document.addEventListener("click", function (event) {
      if (event.target.closest("[data-outbox-send]")) flush(true);
    });
    window.addEventListener("online", function () { flush(true); });
    window.addEventListener("offline", render);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") flush(true); });
    if (navigator.serviceWorker) {
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && event.data.type === "outbox-flush") flush(true);
      });
    }
    setInterval(function () { if (navigator.onLine) flush(false); }, 60000);
    render();
    flush(true);
    Store.sweepBlobs().catch(function () { /* tried again on the next page */ });
  }

  function start() {
    if (!Store || !Store.userId()) return;
    if (Requests && Send && window.FieldappOutboxBar) { begin(); return; }
    window.FieldappUtil.loadMissing(PARTS, here).then(function () {
      Requests = window.FieldappOutboxRequests;
      Send = window.FieldappOutboxSend;
      begin();
    }, function () { /* not sent from this page: the next page sends */ });
  }

  window.FieldappOutbox = { flush: flush, render: render, registerSync: registerSync };
  window.FieldappUtil.whenReady(start);
})();
