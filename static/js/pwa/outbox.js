// fieldapp inspector app: the outbox. Submissions wait here (IndexedDB) until the server has
// confirmed them complete: body first (idempotent by its UUID), then each missing file in chunks,
// resumed from what the server already has.
//
// Built for bad signal: every request is retried on its own with a short jittered back-off (a
// lost connection is tried again within a fraction of a second), a request that takes far longer
// than answers usually take here is given up and sent again, many submissions and all their files
// travel at once through a window of requests that adapts to the link, so a few hanging requests
// never hold up the rest; only a submission whose requests keep failing waits, by itself, a
// little longer (its back-off is kept on the item). Sending starts when the phone comes online,
// when the page becomes visible, on Background Sync (service worker), every minute while anything
// waits, and from the "Send now" button. A lost login stops sending and says so; the next page
// after logging in sends at once.
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var CHUNK = 256 * 1024;
  var INLINE_MAX = 64 * 1024; // a signature this small goes with its submission's body
  var TRIES = 8;              // tries of one request before its submission waits
  var HEADERS = { "X-Fieldapp-Client": "pwa" };
  var SYNC_TAG = "fieldapp-outbox";
  var timer = null;
  var running = false;
  var again = false;
  var loginNeeded = false;
  var lockWaitSince = 0;
  var trouble = "";  // why the last request failed, shown at once (not only after all its tries)

  function t(key) { return window.FieldappUtil.barText(key) || key; }

  function RetryLater(message, network) { this.message = message; this.network = !!network; }
  function LoginNeeded() { this.message = t("login"); }
  function Refused(message) { this.message = message; }  // for good: kept as needing attention

  // The reason in a refusal (problem+json), else its status.
  function reason(data, status) { return (data.errors && data.errors.join(" ")) || data.title || ("HTTP " + status); }

  // What the inspector reads while the server (or a gateway before it) cannot take the work yet.
  function serverBusy(status) { return t("server-busy") + " (HTTP " + status + ")"; }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  // Requests at once: a window that opens by one with every answer (up to 24, so a few requests
  // that hang never hold up the rest) and closes by a quarter with every request given up as
  // hung (down to 2, so a slow link is not split among more uploads than it can carry).
  var MAX_SLOTS = 24, MIN_SLOTS = 2, ITEMS_IN_PARALLEL = 24;
  var slots = 6, busy = 0, waiting = [];
  function pump() {
    while (waiting.length && busy < Math.floor(slots)) { busy++; waiting.shift()(); }
  }
  function acquire() {
    return new Promise(function (resolve) { waiting.push(resolve); pump(); });
  }
  function release(outcome) {
    busy--;
    if (outcome === "answered") slots = Math.min(MAX_SLOTS, slots + 1);
    if (outcome === "hung") slots = Math.max(MIN_SLOTS, slots * 0.75);
    pump();
  }

  // How long answers take here (smoothed like TCP's round-trip time) and how fast bytes go up:
  // a request is given up as hung after a few times what answers usually take plus what its
  // bytes need, so on a fast link a stalled request is retried within a second or two, while a
  // slow link measures itself slow and gets its time.
  var net = { srtt: 0, rttvar: 0, rate: 32 };  // ms, ms, bytes per ms (32 KB/s until measured)
  function observe(ms, bytes) {
    var latency = Math.max(1, ms - (bytes || 0) / net.rate);
    if (!net.srtt) { net.srtt = latency; net.rttvar = latency / 2; } else {
      net.rttvar += (Math.abs(net.srtt - latency) - net.rttvar) / 4;
      net.srtt += (latency - net.srtt) / 8;
    }
    if (bytes >= 64 * 1024) net.rate = Math.max(32, net.rate + (bytes / Math.max(1, ms) / 2 - net.rate) / 4);
  }
  function hangLimit(attempt, bytes) {
    var base = net.srtt ? Math.min(8000, Math.max(1000, net.srtt + 4 * net.rttvar)) : 4000;
    return Math.min(60000, (base + (bytes || 0) / net.rate) * Math.pow(2, attempt));
  }

  // Back-off between tries of one request: a lost connection is tried again almost at once
  // (about 0.2, 0.4, 0.8 … s), a server error a little later; each jittered, at most 4 s.
  function requestDelay(attempt, network) {
    var base = Math.min(4000, (network ? 200 : 500) * Math.pow(2, attempt));
    return base / 2 + Math.random() * base;
  }

  // A submission whose requests kept failing waits 2, 4, 8 … at most 60 s (jittered) by itself.
  function itemDelay(failures) {
    var base = Math.min(60000, 2000 * Math.pow(2, Math.max(0, failures - 1)));
    return base / 2 + Math.random() * base / 2;
  }

  // One try, in a slot of its own; its answer is read whole before the slot is freed.
  async function once(url, options, attempt, bytes) {
    await acquire();
    var controller = new AbortController();
    var outcome = "failed";
    var hang = setTimeout(function () { outcome = "hung"; controller.abort(); }, hangLimit(attempt, bytes));
    var started = Date.now();
    try {
      var response;
      try {
        // With the phone's time as it sends: the server corrects the times of a phone set hours off.
        var headers = Object.assign({ "X-Fieldapp-Client-Time": new Date().toISOString() }, options.headers);
        response = await fetch(url, Object.assign({ credentials: "same-origin", cache: "no-store", signal: controller.signal }, options, { headers: headers }));
      } catch (error) {
        throw new RetryLater(t(outcome === "hung" ? "timeout" : "network"), true);
      }
      var data = await json(response);
      if (response.status >= 500 || response.status === 429 || response.status === 408) throw new RetryLater(serverBusy(response.status));
      if (response.status === 401) throw new LoginNeeded();
      observe(Date.now() - started, bytes);
      outcome = "answered";
      trouble = "";
      return { response: response, data: data };
    } finally {
      clearTimeout(hang);
      release(outcome);
    }
  }

  // Each request keeps its own back-off: a failure here delays only this request.
  async function request(url, options, bytes) {
    for (var attempt = 0; ; attempt++) {
      try {
        return await once(url, options, attempt, bytes);
      } catch (error) {
        if (!(error instanceof RetryLater) || attempt + 1 >= TRIES || !navigator.onLine) throw error;
        if (trouble !== error.message) { trouble = error.message; render(); }
        await sleep(requestDelay(attempt, error.network));
      }
    }
  }

  async function json(response) {
    try { return await response.json(); } catch (e) {
      if (response.ok) throw new RetryLater(t("network"), true); // the answer was cut off
      return {};
    }
  }

  // Sends one file from what the server has; returns the server's last answer (the submission's
  // status with this file's).
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
      if (!answer.response.ok) throw new Refused(reason(data, answer.response.status));  // 5xx, 408, 429 were retried
      if (data.file && data.file.complete) return data;
      start = data.file ? data.file.received : end;
    }
    return null;
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

  // The body; on its first sending with its signatures beside it (small, so one request
  // carries them instead of one each). Photos always go up on their own, resumable.
  async function submissionRequest(item) {
    var json = JSON.stringify(item.body);
    var headers = Object.assign({ "Idempotency-Key": item.uuid }, HEADERS);
    var inline = [];
    if (item.state !== "uploading" && window.FormData) {
      var media = (item.body.media || []).filter(function (m) { return m.kind === "signature" && m.size <= INLINE_MAX; });
      for (var i = 0; i < media.length && inline.length < 8; i++) {
        var rec = item.blobBySha[media[i].sha256] && await Store.getBlob(item.blobBySha[media[i].sha256]);
        if (rec && rec.size === media[i].size) inline.push(rec);
      }
    }
    if (!inline.length) {
      return { options: { method: "POST", headers: Object.assign({ "Content-Type": "application/json" }, headers), body: json }, bytes: json.length };
    }
    var form = new FormData();
    form.append("submission", new Blob([json], { type: "application/json" }), "submission.json");
    var bytes = json.length;
    inline.forEach(function (rec) { form.append(rec.sha256, rec.blob, rec.sha256); bytes += rec.size; });
    return { options: { method: "POST", headers: headers, body: form }, bytes: bytes };
  }

  async function sendItem(item) {
    var post = await submissionRequest(item);
    var answer = await request(item.api, post.options, post.bytes);
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
    if (response.status >= 400 && response.status < 500) {
      // Refused for good (401, 408 and 429 were retried above): kept, never dropped, never
      // retried forever; the inspector sees why and what to do (stuck.js).
      return stuck(item, reason(status, response.status));
    }
    if (!response.ok) throw new RetryLater(serverBusy(response.status));
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
    // Every file at once (the request slots set the pace). Each answer carries the submission's
    // status, so the one that completes it ends the job; only if none said so is it asked.
    var done = status.complete ? status : null;
    await inParallel(missing, missing.length, async function (rec) {
      var answer = await uploadFile(item, rec, received[rec.sha256]);
      if (answer && answer.complete) done = answer;
    });
    if (!done) {
      var check = await request(item.api + "/" + item.uuid, { headers: HEADERS });
      if (check.response.ok && check.data.complete) done = check.data;
    }
    if (!done) throw new RetryLater(t("incomplete"));
    await Store.finishOutbox(item);
    document.dispatchEvent(new CustomEvent("fieldapp:sent", { detail: { uuid: item.uuid, status: done } }));
  }

  async function attempt(item) {
    try {
      await sendItem(item);
    } catch (error) {
      if (error instanceof LoginNeeded) { loginNeeded = true; throw error; }
      var fresh = (await Store.getOutbox(item.uuid)) || item;
      if (error instanceof Refused) return stuck(fresh, error.message);
      if (!(error instanceof RetryLater)) throw error;
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
      var reason = trouble || (waiting.length && waiting[0].lastError);
      if (waiting.length && !loginNeeded && reason) text += " (" + reason + ")";
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
