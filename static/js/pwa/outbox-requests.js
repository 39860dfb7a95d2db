// fieldapp inspector app: the outbox's requests to the office, built for bad signal. Every request
// is retried on its own with a short jittered back-off (a lost connection is tried again within a
// fraction of a second); a request that takes far longer than answers usually take here is given up
// and sent again; requests travel at once through a window that adapts to the link, so a few
// hanging requests never hold up the rest. What made the last request fail is kept to be shown at
// once (not only after all its tries).
(function () {
  "use strict";
  var TRIES = 8;              // tries of one request before its submission waits
  var trouble = "";
  var troubleListeners = [];

  function t(key) { return window.FieldappUtil.barText(key) || key; }

  // Worth trying again (network says whether the connection, not the server, failed).
  function RetryLater(message, network) { this.message = message; this.network = !!network; }
  function LoginNeeded() { this.message = t("login"); }
  function Refused(message) { this.message = message; }  // for good: kept as needing attention
  // A file the office refused (no image it takes): it kept nothing of the sending, so the answers
  // go back into the visit's draft with the reason, to be sent again without that file.
  function FileRefused(message) { this.message = message; }

  // The reason in a refusal (problem+json), else its status.
  function reason(data, status) { return (data.errors && data.errors.join(" ")) || data.title || ("HTTP " + status); }

  // What the inspector reads while the server (or a gateway before it) cannot take the work yet.
  function serverBusy(status) { return t("server-busy") + " (HTTP " + status + ")"; }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  // Requests at once: a window that opens by one with every answer (up to 24, so a few requests
  // that hang never hold up the rest) and closes by a quarter with every request given up as
  // hung (down to 2, so a slow link is not split among more uploads than it can carry).
  var MAX_SLOTS = 24, MIN_SLOTS = 2;
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

  async function json(response) {
    try { return await response.json(); } catch (e) {
      if (response.ok) throw new RetryLater(t("network"), true); // the answer was cut off
      return {};
    }
  }

  // The fetch itself; a request that never got an answer is worth trying again.
  async function fetchOnce(url, options, controller, outcome) {
    try {
      // With the phone's time as it sends: the server corrects the times of a phone set hours off.
      // With whose work it is: on a shared phone the office refuses it under another inspector's login.
      var headers = Object.assign({ "X-Fieldapp-Client-Time": new Date().toISOString(),
                                    "X-Fieldapp-User": window.FieldappUtil.userId() }, options.headers);
      return await fetch(url, Object.assign({ credentials: "same-origin", cache: "no-store", signal: controller.signal }, options, { headers: headers }));
    } catch (error) {
      throw new RetryLater(t(outcome() === "hung" ? "timeout" : "network"), true);
    }
  }

  // One try, in a slot of its own; its answer is read whole before the slot is freed.
  async function once(url, options, attempt, bytes) {
    await acquire();
    var controller = new AbortController();
    var outcome = "failed";
    var hang = setTimeout(function () { outcome = "hung"; controller.abort(); }, hangLimit(attempt, bytes));
    var started = Date.now();
    try {
      var response = await fetchOnce(url, options, controller, function () { return outcome; });
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
        if (trouble !== error.message) { trouble = error.message; troubleListeners.forEach(function (listen) { listen(); }); }
        await sleep(requestDelay(attempt, error.network));
      }
    }
  }

  window.FieldappOutboxRequests = {
    request: request, reason: reason, serverBusy: serverBusy, t: t,
    RetryLater: RetryLater, LoginNeeded: LoginNeeded, Refused: Refused, FileRefused: FileRefused,
    // Why the last request failed ("" once one was answered); listeners hear when it changes.
    trouble: function () { return trouble; },
    onTrouble: function (listen) { troubleListeners.push(listen); },
  };
})();
