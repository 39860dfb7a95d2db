// fieldapp inspector app: the outbox. Submissions wait here (IndexedDB) until the server has
// confirmed them complete: body first (idempotent by its UUID), then each missing file in chunks,
// resumed from what the server already has. Sent when the phone comes online, when the page
// becomes visible, every minute while anything waits, and from the "Send now" button.
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var CHUNK = 256 * 1024;
  var HEADERS = { "X-Fieldapp-Client": "pwa" };
  var retryTimer = null;
  var failures = 0;
  var running = false;
  var lockWaitSince = 0;

  function t(key) {
    var bar = document.querySelector("[data-outbox-bar]");
    return (bar && bar.getAttribute("data-t-" + key)) || key;
  }

  function RetryLater(message) { this.message = message; }

  // Every request gives up after a while: one bar of signal can leave a connection hanging,
  // and a hung request must not hold up the outbox.
  async function request(url, options) {
    var response;
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 45000);
    try {
      response = await fetch(url, Object.assign({ credentials: "same-origin", cache: "no-store", signal: controller.signal }, options));
    } catch (error) {
      throw new RetryLater(t("network"));
    } finally {
      clearTimeout(timer);
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408) throw new RetryLater("HTTP " + response.status);
    if (response.status === 401) throw new RetryLater(t("login"));
    return response;
  }

  async function json(response) { try { return await response.json(); } catch (e) { return {}; } }

  async function uploadFile(item, rec, received) {
    var url = item.api + "/" + item.uuid + "/media/" + rec.sha256;
    var start = received || 0;
    var guard = 0;
    while (start < rec.size) {
      if (guard++ > 10000) throw new RetryLater("upload loop");
      var end = Math.min(start + CHUNK, rec.size);
      var response = await request(url, {
        method: "PUT",
        headers: Object.assign({ "Content-Type": "application/octet-stream",
                                 "Content-Range": "bytes " + start + "-" + (end - 1) + "/" + rec.size }, HEADERS),
        body: rec.blob.slice(start, end),
      });
      var data = await json(response);
      if (response.status === 416 || response.status === 422) { start = data.received || 0; continue; }
      if (!response.ok) throw new RetryLater("HTTP " + response.status);
      if (data.file && data.file.complete) return;
      start = data.file ? data.file.received : end;
    }
  }

  async function sendItem(item) {
    var response = await request(item.api, {
      method: "POST",
      headers: Object.assign({ "Content-Type": "application/json", "Idempotency-Key": item.uuid }, HEADERS),
      body: JSON.stringify(item.body),
    });
    var status = await json(response);
    if (response.status === 422) {
      await Store.returnToDraft(item, status.errors || [status.title || "HTTP 422"]);
      document.dispatchEvent(new CustomEvent("fieldapp:returned", { detail: { uuid: item.uuid } }));
      return;
    }
    if (response.status === 409 || response.status === 422 || response.status === 404 || response.status === 400 || response.status === 403) {
      // Kept, never dropped: the inspector sees why and the data stays on the phone.
      item.state = "stuck";
      item.error = (status.errors && status.errors.join(" ")) || status.title || ("HTTP " + response.status);
      await Store.putOutbox(item);
      return;
    }
    if (!response.ok) throw new RetryLater("HTTP " + response.status);
    item.state = "uploading";
    item.serverId = status.id;
    await Store.putOutbox(item);
    var received = {};
    (status.media || []).forEach(function (m) { received[m.sha256] = m.received; });
    for (var i = 0; i < (status.missing || []).length; i++) {
      var sha = status.missing[i];
      var blobId = item.blobBySha[sha];
      var rec = blobId && await Store.getBlob(blobId);
      if (!rec) { item.state = "stuck"; item.error = t("missing-file"); await Store.putOutbox(item); return; }
      await uploadFile(item, rec, received[sha]);
    }
    var check = await request(item.api + "/" + item.uuid, { headers: HEADERS });
    var final = await json(check);
    if (check.ok && final.complete) {
      await Store.finishOutbox(item);
      document.dispatchEvent(new CustomEvent("fieldapp:sent", { detail: { uuid: item.uuid, status: final } }));
    } else {
      throw new RetryLater(t("incomplete"));
    }
  }

  async function flushNow() {
    var items = (await Store.listOutbox()).filter(function (i) { return i.state !== "stuck"; });
    items.sort(function (a, b) { return a.createdAt < b.createdAt ? -1 : 1; });
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      try {
        await sendItem(item);
        failures = 0;
      } catch (error) {
        if (!(error instanceof RetryLater)) throw error;
        item.attempts = (item.attempts || 0) + 1;
        item.lastError = error.message;
        await Store.putOutbox(item);
        failures += 1;
        schedule();
        return;
      }
    }
  }

  function schedule() {
    clearTimeout(retryTimer);
    var delay = Math.min(300000, 2000 * Math.pow(2, Math.min(failures, 8)));
    retryTimer = setTimeout(flush, delay);
  }

  async function flush() {
    if (!Store.userId()) return;
    if (running) return;
    running = true;
    try {
      if (navigator.locks) {
        // One sender at a time across tabs. A holder that stays silent for 20 s (a page frozen
        // while leaving) loses the lock: sending twice is safe, the server is idempotent.
        var stale = lockWaitSince && Date.now() - lockWaitSince > 20000;
        var options = stale ? { steal: true } : { ifAvailable: true };
        await navigator.locks.request("fieldapp-outbox-" + Store.userId(), options, function (lock) {
          if (lock) { lockWaitSince = 0; return flushNow(); }
          lockWaitSince = lockWaitSince || Date.now();
          clearTimeout(retryTimer);
          retryTimer = setTimeout(flush, 3000);
          return null;
        });
      } else {
        await flushNow();
      }
    } catch (error) {
      if (window.console) console.warn("outbox", error);
    } finally {
      running = false;
      render();
    }
  }

  async function render() {
    var bars = document.querySelectorAll("[data-outbox-bar]");
    if (!bars.length || !Store.userId()) return;
    var items = [];
    try { items = await Store.listOutbox(); } catch (e) { return; }
    var waiting = items.filter(function (i) { return i.state !== "stuck"; });
    var stuck = items.filter(function (i) { return i.state === "stuck"; });
    bars.forEach(function (bar) {
      bar.hidden = false;
      bar.querySelector("[data-outbox-count]").textContent = String(waiting.length);
      bar.querySelector("[data-net-state]").textContent = navigator.onLine ? bar.getAttribute("data-t-online") : bar.getAttribute("data-t-offline");
      bar.classList.toggle("outbox-bar--offline", !navigator.onLine);
      bar.classList.toggle("outbox-bar--waiting", waiting.length > 0);
      var text = waiting.length ? bar.getAttribute("data-t-waiting").replace("{n}", waiting.length) : bar.getAttribute("data-t-empty");
      if (waiting.length && waiting[0].lastError) text += " (" + waiting[0].lastError + ")";
      if (stuck.length) text += " " + bar.getAttribute("data-t-stuck").replace("{n}", stuck.length) + " " + stuck.map(function (s) { return s.error; }).join("; ");
      bar.querySelector("[data-outbox-text]").textContent = text;
      bar.setAttribute("data-outbox-waiting", String(waiting.length));
    });
  }

  function start() {
    if (!Store || !Store.userId()) return;
    document.addEventListener("click", function (event) {
      if (event.target.closest("[data-outbox-send]")) { failures = 0; flush(); }
    });
    window.addEventListener("online", function () { failures = 0; flush(); });
    window.addEventListener("offline", render);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") flush(); });
    setInterval(function () { if (navigator.onLine) flush(); }, 60000);
    render();
    flush();
  }

  window.FieldappOutbox = { flush: flush, render: render };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
