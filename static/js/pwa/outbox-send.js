// fieldapp inspector app: sending one submission from the outbox. The body first (idempotent by its
// UUID; on its first sending with its small signatures beside it), then each file the server still
// misses, all at once, in chunks, resumed from what the server already has. A refusal sends the
// answers back to the visit's draft (422, 409, a file that is no image) or keeps the submission as
// stuck (another 4xx).
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var Requests = window.FieldappOutboxRequests;
  var request = Requests.request, t = Requests.t;
  var CHUNK = 256 * 1024;
  var INLINE_MAX = 64 * 1024; // a signature this small goes with its submission's body
  var HEADERS = { "X-Fieldapp-Client": "pwa" };

  // One chunk of a file: bytes start to end - 1.
  function chunkRequest(url, rec, start, end) {
    return request(url, {
      method: "PUT",
      headers: Object.assign({ "Content-Type": "application/octet-stream",
                               "Content-Range": "bytes " + start + "-" + (end - 1) + "/" + rec.size }, HEADERS),
      body: rec.blob.slice(start, end),
    }, end - start);
  }

  // Sends one file from what the server has; returns the server's last answer (the submission's
  // status with this file's).
  async function uploadFile(item, rec, received) {
    var url = item.api + "/" + item.uuid + "/media/" + rec.sha256;
    var start = received || 0;
    var guard = 0, mismatches = 0;
    while (start < rec.size) {
      if (guard++ > 10000) throw new Requests.RetryLater("upload loop");
      var end = Math.min(start + CHUNK, rec.size);
      var answer = await chunkRequest(url, rec, start, end);
      var data = answer.data;
      if (answer.response.status === 422 && data.refused) throw new Requests.FileRefused(Requests.reason(data, 422));
      // Bytes that did not hash as listed are sent again from the start, a few times: the same
      // refusal again is the file, not the link, and is kept as needing attention.
      if (answer.response.status === 422 && ++mismatches > 3) throw new Requests.Refused(Requests.reason(data, 422));
      if (answer.response.status === 416 || answer.response.status === 422) { start = data.received || 0; continue; }
      if (!answer.response.ok) throw new Requests.Refused(Requests.reason(data, answer.response.status));  // 5xx, 408, 429 were retried
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
        // A refused file says why the rest failed (the office withdrew the sending at once).
        try { await run(job); } catch (error) { failure = error instanceof Requests.FileRefused ? error : failure || error; }
      }
    }
    var workers = [];
    for (var i = 0; i < Math.min(width, jobs.length); i++) workers.push(worker());
    await Promise.all(workers);
    if (failure) throw failure;
  }

  // Kept, never dropped, never retried by itself: the inspector sees why (stuck.js).
  function stuck(item, message, extra) {
    item.state = "stuck";
    item.error = message;
    Object.assign(item, extra || {});
    return Store.putOutbox(item);
  }

  // The signatures small enough to go with the body (at most 8), on its first sending only.
  async function inlineSignatures(item) {
    var inline = [];
    if (item.state === "uploading" || !window.FormData) return inline;
    var media = (item.body.media || []).filter(function (m) { return m.kind === "signature" && m.size <= INLINE_MAX; });
    for (var i = 0; i < media.length && inline.length < 8; i++) {
      var rec = item.blobBySha[media[i].sha256] && await Store.getBlob(item.blobBySha[media[i].sha256]);
      if (rec && rec.size === media[i].size) inline.push(rec);
    }
    return inline;
  }

  // The body; on its first sending with its signatures beside it (small, so one request
  // carries them instead of one each). Photos always go up on their own, resumable.
  async function submissionRequest(item) {
    var json = JSON.stringify(item.body);
    var headers = Object.assign({ "Idempotency-Key": item.uuid }, HEADERS);
    var inline = await inlineSignatures(item);
    if (!inline.length) {
      return { options: { method: "POST", headers: Object.assign({ "Content-Type": "application/json" }, headers), body: json }, bytes: json.length };
    }
    var form = new FormData();
    form.append("submission", new Blob([json], { type: "application/json" }), "submission.json");
    var bytes = json.length;
    inline.forEach(function (rec) { form.append(rec.sha256, rec.blob, rec.sha256); bytes += rec.size; });
    return { options: { method: "POST", headers: headers, body: form }, bytes: bytes };
  }

  function returned(item) {
    document.dispatchEvent(new CustomEvent("fieldapp:returned", { detail: { uuid: item.uuid } }));
  }

  // A refusal of the body: true once dealt with (nothing more to send).
  async function refusal(item, response, status) {
    if (response.status === 422) {
      await Store.returnToDraft(item, status.errors || [status.title || "HTTP 422"]);
      returned(item);
      return true;
    }
    if (response.status === 409) {
      // The office keeps another version of this visit: the answers go back into the visit's
      // draft, where the form explains it and offers to send them as a correction or discard them.
      await Store.returnToDraft(item, [t("conflict")], { visit: status.visit || null });
      returned(item);
      return true;
    }
    if (response.status >= 400 && response.status < 500) {
      // Refused for good (401, 408 and 429 were retried above): kept, never dropped, never
      // retried forever; the inspector sees why and what to do (stuck.js).
      await stuck(item, Requests.reason(status, response.status));
      return true;
    }
    if (!response.ok) throw new Requests.RetryLater(Requests.serverBusy(response.status));
    return false;
  }

  // The files the server still misses, from the phone's store (null if one is gone).
  async function missingFiles(item, status) {
    var missing = [];
    for (var i = 0; i < (status.missing || []).length; i++) {
      var blobId = item.blobBySha[status.missing[i]];
      var rec = blobId && await Store.getBlob(blobId);
      if (!rec) return null;
      missing.push(rec);
    }
    return missing;
  }

  // Every file at once (the request slots set the pace). Each answer carries the submission's
  // status, so the one that completes it ends the job; only if none said so is it asked.
  async function uploadAll(item, status, missing) {
    var received = {};
    (status.media || []).forEach(function (m) { received[m.sha256] = m.received; });
    var done = status.complete ? status : null;
    await inParallel(missing, missing.length, async function (rec) {
      var answer = await uploadFile(item, rec, received[rec.sha256]);
      if (answer && answer.complete) done = answer;
    });
    if (!done) {
      var check = await request(item.api + "/" + item.uuid, { headers: HEADERS });
      if (check.response.ok && check.data.complete) done = check.data;
    }
    return done;
  }

  async function send(item) {
    var post = await submissionRequest(item);
    if (!item.posted && navigator.onLine) {
      // From now on the office may hold it even if no answer comes back (form-submission.js asks).
      item.posted = true;
      await Store.putOutbox(item);
    }
    var answer = await request(item.api, post.options, post.bytes);
    var status = answer.data;
    if (await refusal(item, answer.response, status)) return;
    if (item.state !== "uploading") {
      item.state = "uploading";
      item.serverId = status.id;
      await Store.putOutbox(item);
    }
    var missing = await missingFiles(item, status);
    if (!missing) return stuck(item, t("missing-file"));
    var done;
    try {
      done = await uploadAll(item, status, missing);
    } catch (error) {
      if (!(error instanceof Requests.FileRefused)) throw error;
      await Store.returnToDraft(item, [error.message]);
      returned(item);
      return;
    }
    if (!done) throw new Requests.RetryLater(t("incomplete"));
    await Store.finishOutbox(item);
    document.dispatchEvent(new CustomEvent("fieldapp:sent", { detail: { uuid: item.uuid, status: done } }));
  }

  window.FieldappOutboxSend = { send: send, inParallel: inParallel, stuck: stuck };
})();
