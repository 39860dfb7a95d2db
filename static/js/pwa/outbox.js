// fieldapp inspector app: the outbox. Submissions wait here (IndexedDB) until the server has
// confirmed them complete: body first (idempotent by its UUID), then each missing file in chunks,
// resumed from what the server already has.
//
// Built for bad signal: every request is retried on its own with a short jittered back-off (a
// lost photo chunk is tried again within a second, not after minutes), a few submissions and
// files travel in parallel, and only a submission whose requests keep failing waits, by itself,
// a little longer (its back-off is kept on the item). Sending starts when the phone comes online,
// when the page becomes visible, on Background Sync (service worker), every minute while anything
// waits, and from the "Send now" button. A lost login stops sending and says so; the next page
// after logging in sends at once.
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var CHUNK = 256 * 1024;
  var ITEMS_IN_PARALLEL = 4;  // submissions on their way at once
  var FILES_IN_PARALLEL = 2;  // files of one submission at once
  var TRIES = 6;              // tries of one request before its submission waits
  var HEADERS = { "X-Fieldapp-Client": "pwa" };
  var SYNC_TAG = "fieldapp-outbox";
  var timer = null;
  var running = false;
  var again = false;
  var loginNeeded = false;
  var lockWaitSince = 0;

  function t(key) { return window.FieldappUtil.barText(key) || key; }

  function RetryLater(message) { this.message = message; }
  function LoginNeeded() { this.message = t("login"); }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  // Request back-off: about 0.2, 0.4, 0.8, 1.6, 3.2 s, each between half and one and a half times that.
  function requestDelay(attempt) {
    var base = Math.min(4000, 200 * Math.pow(2, attempt));
    return base / 2 + Math.random() * base;
  }

  // A submission whose requests kept failing waits 2, 4, 8 … at most 60 s (jittered) by itself.
  function itemDelay(failures) {
    var base = Math.min(60000, 2000 * Math.pow(2, Math.max(0, failures - 1)));
    return base / 2 + Math.random() * base / 2;
  }

  // One try. A hung request is given up (one bar of signal can leave a connection hanging): the
  // first try waits a few seconds plus what the bytes need on a slow link, each later try twice
  // as long, so a slow but live connection still gets its turn.
  async function once(url, options, attempt, bytes) {
    var response;
    var controller = new AbortController();
    var limit = Math.min(60000, (4000 + (bytes || 0) / 32) * Math.pow(2, attempt));
    var hang = setTimeout(function () { controller.abort(); }, limit);
    try {
      response = await fetch(url, Object.assign({ credentials: "same-origin", cache: "no-store", signal: controller.signal }, options));
    } catch (error) {
      throw new RetryLater(t("network"));
    } finally {
      clearTimeout(hang);
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408) throw new RetryLater("HTTP " + response.status);
    if (response.status === 401) throw new LoginNeeded();
    return response;
  }

  // Each request keeps its own back-off: a failure here delays only this request.
  async function request(url, options, bytes) {
    for (var attempt = 0; ; attempt++) {
      try {
        var response = await once(url, options, attempt, bytes);
        var data = await json(response);
        return { response: response, data: data };
      } catch (error) {
        if (!(error instanceof RetryLater) || attempt + 1 >= TRIES || !navigator.onLine) throw error;
        await sleep(requestDelay(attempt));
      }
    }
  }

  async function json(response) {
    try { return await response.json(); } catch (e) {
      if (response.ok) throw new RetryLater(t("network")); // the answer was cut off
      return {};
    }
  }

  async function uploadFile(item, rec, received) {
    var url = item.api + "/" + item.uuid + "/media/" + rec.sha256;
    var start = received || 0;
    var guard = 0;
    while (start < rec.size) {
      if (guard++ > 10000) throw new RetryLater("upload loop");
      var end = Math.min(start + CHUNK, rec.size);
      var answer = await request(url, {
        method: "PUT",
        headers: Object.assign({ "Content-Type": "application/octet-stream",
                                 "Content-Range": "bytes " + start + "-" + (end - 1) + "/" + rec.size }, HEADERS),
        body: rec.blob.slice(start, end),
      }, end - start);
      var data = answer.data;
      if (answer.response.status === 416 || answer.response.status === 422) { start = data.received || 0; continue; }
      if (!answer.response.ok) throw new RetryLater("HTTP " + answer.response.status);
      if (data.file && data.file.complete) return;
      start = data.file ? data.file.received : end;
    }
  }

  // A few workers take jobs from a list; the first error stops the others taking new ones.
  async function inParallel(jobs, width, run) {
    var next = 0, failure = null;
    async function worker() {
      while (next < jobs.length && !failure) {
        var job = jobs[next++];
        try { await run(job); } catch (error) { failure = failure || error; }
      }
    }
    var workers = [];
    for (var i = 0; i < Math.min(width, jobs.length); i++) workers.push(worker());
    await Promise.all(workers);
    if (failure) throw failure;
  }

  function stuck(item, message, extra) {
    item.state = "stuck";
    item.error = message;
    Object.assign(item, extra || {});
    return Store.putOutbox(item);
  }

  async function sendItem(item) {
    var answer = await request(item.api, {
      method: "POST",
      headers: Object.assign({ "Content-Type": "application/json", "Idempotency-Key": item.uuid }, HEADERS),
      body: JSON.stringify(item.body),
    }, 2000);
    var response = answer.response, status = answer.data;
    if (response.status === 422) {
      await Store.returnToDraft(item, status.errors || [status.title || "HTTP 422"]);
      document.dispatchEvent(new CustomEvent("fieldapp:returned", { detail: { uuid: item.uuid } }));
      return;
    }
    if (response.status === 409) {
      // The office keeps another version of this visit: the answers go back into the visit's
      // draft, where the form explains it and offers to send them as a correction or discard them.
      await Store.returnToDraft(item, [t("conflict")], { visit: status.visit || null });
      document.dispatchEvent(new CustomEvent("fieldapp:returned", { detail: { uuid: item.uuid } }));
      return;
    }
    if ([400, 403, 404].indexOf(response.status) >= 0) {
      // Kept, never dropped: the inspector sees why and the data stays on the phone.
      return stuck(item, (status.errors && status.errors.join(" ")) || status.title || ("HTTP " + response.status));
    }
    if (!response.ok) throw new RetryLater("HTTP " + response.status);
    if (item.state !== "uploading") {
      item.state = "uploading";
      item.serverId = status.id;
      await Store.putOutbox(item);
    }
    var received = {};
    (status.media || []).forEach(function (m) { received[m.sha256] = m.received; });
    var missing = [];
    for (var i = 0; i < (status.missing || []).length; i++) {
      var sha = status.missing[i];
      var blobId = item.blobBySha[sha];
      var rec = blobId && await Store.getBlob(blobId);
      if (!rec) return stuck(item, t("missing-file"));
      missing.push(rec);
    }
    await inParallel(missing, FILES_IN_PARALLEL, function (rec) { return uploadFile(item, rec, received[rec.sha256]); });
    var check = await request(item.api + "/" + item.uuid, { headers: HEADERS });
    if (check.response.ok && check.data.complete) {
      await Store.finishOutbox(item);
      document.dispatchEvent(new CustomEvent("fieldapp:sent", { detail: { uuid: item.uuid, status: check.data } }));
    } else {
      throw new RetryLater(t("incomplete"));
    }
  }

  async function attempt(item) {
    try {
      await sendItem(item);
    } catch (error) {
      if (error instanceof LoginNeeded) { loginNeeded = true; throw error; }
      if (!(error instanceof RetryLater)) throw error;
      var fresh = (await Store.getOutbox(item.uuid)) || item;
      fresh.failures = (fresh.failures || 0) + 1;
      fresh.attempts = (fresh.attempts || 0) + 1;
      fresh.lastError = error.message;
      fresh.nextAt = Date.now() + itemDelay(fresh.failures);
      await Store.putOutbox(fresh);
    }
  }

  async function flushNow(force) {
    do {
      var forced = force || again;
      again = false;
      force = false;
      var now = Date.now();
      var items = (await Store.listOutbox()).filter(function (i) {
        return i.state !== "stuck" && (forced || !i.nextAt || i.nextAt <= now);
      });
      items.sort(function (a, b) { return a.createdAt < b.createdAt ? -1 : 1; });
      loginNeeded = false;
      try {
        await inParallel(items, ITEMS_IN_PARALLEL, attempt);
      } catch (error) {
        if (!(error instanceof LoginNeeded)) throw error;
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
    var soonest = Math.min.apply(null, items.map(function (i) { return i.nextAt || 0; }));
    var delay = Math.max(200, Math.min(60000, soonest - Date.now()));
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

  async function flush(force) {
    if (!Store.userId()) return;
    if (running) { if (force !== false) again = true; return; }
    running = true;
    try {
      if (navigator.locks) {
        // One sender at a time across tabs. A holder that stays silent for 20 s (a page frozen
        // while leaving) loses the lock: sending twice is safe, the server is idempotent.
        var stale = lockWaitSince && Date.now() - lockWaitSince > 20000;
        var options = stale ? { steal: true } : { ifAvailable: true };
        await navigator.locks.request("fieldapp-outbox-" + Store.userId(), options, function (lock) {
          if (lock) { lockWaitSince = 0; return flushNow(force !== false); }
          lockWaitSince = lockWaitSince || Date.now();
          clearTimeout(timer);
          timer = setTimeout(flush, 3000);
          return null;
        });
      } else {
        await flushNow(force !== false);
      }
    } catch (error) {
      if (window.console) console.warn("outbox", error);
    } finally {
      running = false;
      render();
      if (!lockWaitSince) schedule();
    }
  }

  function markVisits(items) {
    var waitingVisits = {};
    items.forEach(function (i) { waitingVisits[i.visitId] = i.state === "stuck" ? "stuck" : "waiting"; });
    document.querySelectorAll(".visit-card[data-visit-id]").forEach(function (card) {
      var state = waitingVisits[Number(card.getAttribute("data-visit-id"))];
      var mark = card.querySelector("[data-outbox-mark]");
      if (!state) { if (mark) mark.remove(); return; }
      if (!mark) {
        mark = document.createElement("p");
        mark.setAttribute("data-outbox-mark", "");
        var title = card.querySelector(".visit-card__title");
        if (title) title.insertAdjacentElement("afterend", mark); else card.prepend(mark);
      }
      mark.className = "badge " + (state === "stuck" ? "badge--warn" : "badge--wait");
      mark.textContent = state === "stuck" ? t("mark-stuck") : t("mark-waiting");
    });
  }

  async function render() {
    var bars = document.querySelectorAll("[data-outbox-bar]");
    if (!bars.length || !Store.userId()) return;
    var items = [];
    try { items = await Store.listOutbox(); } catch (e) { return; }
    var waiting = items.filter(function (i) { return i.state !== "stuck"; });
    var stuckItems = items.filter(function (i) { return i.state === "stuck"; });
    bars.forEach(function (bar) {
      bar.hidden = false;
      bar.querySelector("[data-outbox-count]").textContent = String(waiting.length);
      bar.querySelector("[data-net-state]").textContent = navigator.onLine ? bar.getAttribute("data-t-online") : bar.getAttribute("data-t-offline");
      bar.classList.toggle("outbox-bar--offline", !navigator.onLine);
      bar.classList.toggle("outbox-bar--waiting", waiting.length > 0);
      bar.classList.toggle("outbox-bar--login", loginNeeded && waiting.length > 0);
      var text = waiting.length ? bar.getAttribute("data-t-waiting").replace("{n}", waiting.length)
        : (stuckItems.length ? "" : bar.getAttribute("data-t-empty"));
      if (waiting.length && !loginNeeded && waiting[0].lastError) text += " (" + waiting[0].lastError + ")";
      if (stuckItems.length) text += " " + bar.getAttribute("data-t-stuck").replace("{n}", stuckItems.length) + " " + stuckItems.map(function (s) { return s.error; }).join("; ");
      bar.querySelector("[data-outbox-text]").textContent = text.trim();
      var login = bar.querySelector("[data-outbox-login]");
      if (login) {
        login.hidden = !(loginNeeded && waiting.length);
        var link = login.querySelector("a");
        if (link) link.href = link.getAttribute("data-login-url") + "?next=" + encodeURIComponent(location.pathname);
      }
      bar.setAttribute("data-outbox-waiting", String(waiting.length));
      bar.setAttribute("data-outbox-stuck", String(stuckItems.length));
    });
    markVisits(items);
    document.dispatchEvent(new CustomEvent("fieldapp:outbox", { detail: { items: items, loginNeeded: loginNeeded } }));
  }

  function start() {
    if (!Store || !Store.userId()) return;
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

  window.FieldappOutbox = { flush: flush, render: render, registerSync: registerSync };
  window.FieldappUtil.whenReady(start);
})();
