// fieldapp inspector app: sending the visit form. The draft is saved, checked as a whole (every
// refusal at once), turned into the submission the API takes (answers, each task's result,
// signatures, and the photos and signatures as files named by SHA-256) and put in the outbox with
// a copy of the draft; the list page sends it (outbox.js).
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var Checks = window.FieldappFormChecks;
  var Results = window.FieldappFormResults;
  var ENGINE = window.FieldappFormPhotos.ENGINE;
  var $ = window.FieldappUtil.$, $$ = window.FieldappUtil.$$;

  // What the phone can tell before sending: missing answers, wrong ones, no check method.
  function checkAnswers(visit, fields, errors) {
    var missing = Checks.unanswered(visit.form);
    if (missing.length) {
      errors.push(visit.t("err-required"));
      missing.forEach(function (item) { item.classList.add("cl-item--error"); });
    }
    // Every refusal at once: a wrong answer is reported with the missing signatures, not after them.
    Checks.invalidAnswers(visit.form, visit.t("err-date")).forEach(function (bad) {
      errors.push(visit.t("err-answer", { item: bad.label, message: bad.message }));
      bad.item.classList.add("cl-item--error");
    });
    if (!(fields.check_methods || []).length) errors.push(visit.t("err-methods"));
  }

  // The files the submission names, each once by its SHA-256; use(id, …) gives a kept Blob's hash.
  function mediaList() {
    var files = { media: [], blobIds: [], blobBySha: {} };
    files.use = async function (id, kind, field) {
      var rec = await Store.getBlob(id);
      if (!rec) return null;
      if (!files.blobBySha[rec.sha256]) {
        files.media.push({ sha256: rec.sha256, size: rec.size, kind: kind, content_type: rec.type || "image/jpeg", field: field });
        files.blobBySha[rec.sha256] = rec.id;
      }
      files.blobIds.push(rec.id);
      return rec.sha256;
    };
    return files;
  }

  // Evidence photos by field (the engine's photo items name theirs among the answers).
  async function photoHashes(visit, files) {
    var photos = {}, names = Object.keys(visit.draft.photos);
    for (var i = 0; i < names.length; i++) {
      var engine = names[i].indexOf(ENGINE) === 0;
      var field = engine ? names[i].slice(ENGINE.length) : names[i];
      var shas = [];
      for (var j = 0; j < visit.draft.photos[names[i]].length; j++) {
        var sha = await files.use(visit.draft.photos[names[i]][j], "photo", engine ? field : "photo." + field);
        if (sha) shas.push(sha);
      }
      if (shas.length && !engine) photos[field] = shas;
    }
    return photos;
  }

  // The representative signs or refuses with a reason; each inspector signs.
  function signatureEntry(visit, box, fields, sha, errors) {
    var role = box.getAttribute("data-sig-role");
    if (role === "representative") {
      var refused = (fields.rep_refused || []).length > 0;
      if (!refused && !sha || refused && !fields.rep_reason.trim()) errors.push(visit.t("err-rep"));
      return { role: role, name: fields.rep_name.trim(), sha256: refused ? null : sha, refused: refused, reason: refused ? fields.rep_reason.trim() : "" };
    }
    if (!sha) errors.push(visit.t("err-sign"));
    return { role: role, inspector_id: Number(box.getAttribute("data-sig-inspector")), name: box.getAttribute("data-sig-name"), sha256: sha };
  }

  async function signatures(visit, fields, files, errors) {
    var entries = [], boxes = $$("[data-sig]", visit.form);
    for (var k = 0; k < boxes.length; k++) {
      var key = boxes[k].getAttribute("data-sig"), id = visit.draft.signatures[key];
      var sha = id ? await files.use(id, "signature", "sig." + key) : null;
      entries.push(signatureEntry(visit, boxes[k], fields, sha, errors));
    }
    return entries;
  }

  function checklistsOf(form) {
    return $$("[data-checklist-entry]", form).map(function (el) {
      return { task_id: Number(el.closest("[data-task-id]").getAttribute("data-task-id")), id: el.getAttribute("data-checklist-id"),
               version: Number(el.getAttribute("data-checklist-version")) };
    });
  }

  function answersOf(fields) {
    var answers = {};
    Object.keys(fields).forEach(function (n) { if (n.indexOf("a.") === 0) answers[n] = fields[n]; });
    return answers;
  }

  // The body the API takes (see the OpenAPI document); parts holds what was gathered above.
  function body(visit, fields, parts) {
    var form = visit.form, draft = visit.draft;
    return {
      uuid: draft.uuid, visit_id: visit.visitId, replaces: form.elements.replaces.value || null,
      started_at: draft.startedAt || null, start_position: draft.startPosition || null,
      check_methods: fields.check_methods || [],
      task_ids: $$("[data-task-id]", form).map(function (el) { return Number(el.getAttribute("data-task-id")); }),
      checklists: checklistsOf(form),
      answers: answersOf(fields), photos: parts.photos,
      position: fields.lat ? { lat: Number(fields.lat), lng: Number(fields.lng), accuracy: Number(fields.accuracy || 0) } : null,
      signatures: parts.signatures, findings: parts.found, task_results: parts.results,
      client_submitted_at: new Date().toISOString(), media: parts.files.media, via: "app",
    };
  }

  async function build(visit) {
    var fields = visit.serialize();
    var found = Results.render(visit);
    var errors = [];
    checkAnswers(visit, fields, errors);
    var files = mediaList();
    var photos = await photoHashes(visit, files);
    var signed = await signatures(visit, fields, files, errors);
    var results = Results.collect(visit, errors);
    var parts = { found: found, files: files, photos: photos, signatures: signed, results: results };
    return { errors: Array.from(new Set(errors)), body: body(visit, fields, parts), blobIds: files.blobIds, blobBySha: files.blobBySha };
  }

  // Whether the office may already hold an earlier submission still on the phone: its body went
  // out and no answer came back (a request timed out after the server had taken it). The server is
  // asked; without an answer, it may.
  async function mayHaveArrived(item) {
    if (item.serverId) return true;
    if (!item.posted) return false;
    try {
      var response = await fetch(item.api + "/" + item.uuid, { credentials: "same-origin", cache: "no-store", headers: { "X-Fieldapp-Client": "pwa" } });
      return response.status !== 404;
    } catch (e) {
      return true;
    }
  }

  // One visit, one line of versions: an earlier submission of this visit still on the phone is
  // replaced only if the inspector says so, and never once the office has started receiving it.
  // Resolves true once queued.
  async function enqueue(visit, built) {
    var earlier = (await Store.listOutbox()).filter(function (i) { return i.visitId === visit.visitId && i.uuid !== built.body.uuid; });
    for (var i = 0; i < earlier.length; i++) {
      if (earlier[i].state !== "stuck" && await mayHaveArrived(earlier[i])) { visit.showErrors([visit.t("already-arriving")]); return false; }
    }
    if (earlier.length && !window.confirm(visit.t("replace-queued"))) return false;
    await Store.enqueue({ uuid: built.body.uuid, visitId: visit.visitId, api: visit.form.getAttribute("data-submissions-api"),
      draft: JSON.parse(JSON.stringify(visit.draft)),
      body: built.body, blobIds: built.blobIds, blobBySha: built.blobBySha, state: "queued", attempts: 0, createdAt: new Date().toISOString() }, earlier);
    return true;
  }

  async function submit(visit, event) {
    event.preventDefault();
    var button = $("[data-submit-visit]", visit.form);
    button.disabled = true;
    try {
      if (!(await visit.save())) return;
      var built = await build(visit);
      if (built.errors.length) { visit.showErrors(built.errors); return; }
      visit.showErrors([]);
      if (!(await enqueue(visit, built))) return;
      if (window.FieldappOutbox) window.FieldappOutbox.registerSync();
      visit.draft = null;
      $("[data-draft-state]").textContent = visit.t("queued");
      // The list page sends it (a send started here would be cut off by leaving the page).
      window.location.href = visit.form.getAttribute("data-my-visits");
    } catch (error) {
      // The phone could not keep the submission (its storage full, …): the draft stays as it was.
      if (window.console) console.warn("submit", error);
      visit.showErrors([visit.t("err-queue")]);
    } finally {
      button.disabled = false;
    }
  }

  window.FieldappFormSubmission = { submit: submit };
})();
