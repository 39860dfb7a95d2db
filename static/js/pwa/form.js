// fieldapp inspector app: the visit form. Every change is saved at once as a draft in IndexedDB
// (answers, photos and signatures as Blobs with their SHA-256); submitting moves it to the outbox.
// Without this file the form posts as a plain multipart form.
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var form, visitId, draft, pads = {};
  var stale = false; // the draft was changed in another tab: this one stops saving over it
  var saving = Promise.resolve();

  function t(key, vars) {
    var s = form.getAttribute("data-t-" + key) || key;
    Object.keys(vars || {}).forEach(function (k) { s = s.replace("{" + k + "}", vars[k]); });
    return s;
  }
  var $ = window.FieldappUtil.$, $$ = window.FieldappUtil.$$;
  function clock() { return window.FieldappUtil.localTime(new Date(), { hour: "2-digit", minute: "2-digit", second: "2-digit" }); }

  // ---- the draft ---------------------------------------------------------------------------
  function serialize() {
    var fields = {};
    $$("input, select, textarea", form).forEach(function (el) {
      if (!el.name || el.type === "file" || el.name === "csrf_token" || el.name === "uuid" || el.name === "replaces") return;
      if (el.type === "checkbox") {
        if (!fields[el.name]) fields[el.name] = [];
        if (el.checked) fields[el.name].push(el.value);
      } else if (el.type === "radio") {
        if (el.checked) fields[el.name] = el.value; else if (!(el.name in fields)) fields[el.name] = "";
      } else if (el.hasAttribute("data-photo-ref")) {
        fields[el.name] = (Array.isArray(fields[el.name]) ? fields[el.name] : []).concat([el.value]);
      } else {
        fields[el.name] = el.value;
      }
    });
    return fields;
  }

  function restoreFields(fields) {
    $$("input, select, textarea", form).forEach(function (el) {
      if (!el.name || !(el.name in fields) || el.type === "file" || el.name === "uuid" || el.hasAttribute("data-photo-ref")) return;
      var v = fields[el.name];
      if (el.type === "checkbox") el.checked = Array.isArray(v) ? v.indexOf(el.value) >= 0 : v === el.value;
      else if (el.type === "radio") el.checked = v === el.value;
      else el.value = v;
    });
  }

  // Resolves true once saved; false when it could not be (the reason is on the page).
  function save() {
    if (stale) { showErrors([t("err-other-tab")]); return Promise.resolve(false); }
    draft.fields = serialize();
    saving = saving.then(function () {
      if (stale) return false;
      return Store.putDraft(draft).then(function () {
        var state = $("[data-draft-state]");
        if (state) state.textContent = t("saved", { time: clock() });
        return true;
      });
    }).catch(function (error) {
      stale = stale || (error && error.name === "DraftChanged");
      showErrors([t(stale ? "err-other-tab" : "err-storage")]);
      return false;
    });
    return saving;
  }

  // Pure helpers (photo scaling, first reading of findings, unanswered items, engine blocks).
  var Checks = window.FieldappFormChecks;
  function resize(file) { return Checks.resize(file); }
  function findings() { return Checks.findings(form); }
  function unanswered() { return Checks.unanswered(form); }
  function ensureRepeatBlocks(fields) { Checks.ensureRepeatBlocks(form, fields); }

  // ---- photos --------------------------------------------------------------------------------
  function showPhoto(key, rec) {
    var field = key.indexOf("engine:") === 0 ? key.slice(7) : key;
    var list = form.querySelector('[data-photo-list="' + field + '"]');
    if (!list) return;
    var li = document.createElement("li");
    li.className = "photo-list__item";
    li.setAttribute("data-blob-id", rec.id);
    li.setAttribute("data-sha256", rec.sha256);
    var img = document.createElement("img");
    img.src = URL.createObjectURL(rec.blob);
    img.alt = t("photo") + " " + (list.children.length + 1);
    img.width = 96; img.height = 96;
    var remove = document.createElement("button");
    remove.type = "button"; remove.className = "button button--small"; remove.textContent = t("remove");
    remove.addEventListener("click", async function () {
      draft.photos[key] = (draft.photos[key] || []).filter(function (id) { return id !== rec.id; });
      var ref = form.querySelector('.cl-photos[data-photo-for="' + field + '"] [data-photo-ref][value="' + rec.sha256 + '"]');
      if (ref) ref.remove();
      li.remove();
      if (await save()) await Store.deleteBlob(rec.id);
    });
    li.appendChild(img); li.appendChild(remove);
    list.appendChild(li);
  }

  // Evidence photos for any answer (added next to each item, outside what the engine re-renders)
  // and the engine's photo items (their references go in hidden inputs the engine parses).
  function addEvidenceControls() {
    $$("[data-checklist-entry]", form).forEach(function (entry) {
      var prefix = entry.getAttribute("data-prefix");
      $$(".cl-item", entry).forEach(function (item) {
        var type = item.getAttribute("data-type");
        if (["check", "number", "text", "date", "choice"].indexOf(type) < 0 || item.closest("template")) return;
        var field = prefix + item.getAttribute("data-key");
        if (form.querySelector('[data-photo-field="' + field + '"]')) return;
        var box = document.createElement("div");
        box.className = "photo-field";
        box.setAttribute("data-photo-field", field);
        var id = "photo-" + field.replace(/[^a-zA-Z0-9_-]/g, "-");
        var label = document.createElement("label");
        label.className = "button button--small photo-field__button";
        label.setAttribute("for", id);
        label.textContent = t("photo");
        var input = document.createElement("input");
        input.type = "file"; input.id = id; input.name = "photo." + field; input.accept = "image/*";
        input.setAttribute("capture", "environment"); input.multiple = true; input.className = "photo-field__input";
        var labelText = $(".cl-item__label", item);
        input.setAttribute("aria-label", t("photo") + (labelText ? ": " + labelText.textContent.trim() : ""));
        var list = document.createElement("ul");
        list.className = "photo-list"; list.setAttribute("data-photo-list", field);
        box.appendChild(input); box.appendChild(label); box.appendChild(list);
        item.insertAdjacentElement("afterend", box);
      });
      $$(".cl-photos[data-photo-for]", entry).forEach(function (holder) {
        var field = holder.getAttribute("data-photo-for");
        if (!holder.querySelector("[data-photo-list]")) {
          var list = document.createElement("ul");
          list.className = "photo-list"; list.setAttribute("data-photo-list", field);
          holder.appendChild(list);
        }
      });
    });
  }

  function photoField(input) {
    if (input.name.indexOf("photo.") === 0) return { field: input.name.slice(6), engine: false };
    if (/-file$/.test(input.name) && input.closest(".cl-photos")) return { field: input.name.slice(0, -5), engine: true };
    return null;
  }

  function engineRef(field, sha) {
    var holder = form.querySelector('.cl-photos[data-photo-for="' + field + '"]');
    if (!holder || holder.querySelector('[data-photo-ref][value="' + sha + '"]')) return;
    var ref = document.createElement("input");
    ref.type = "hidden"; ref.name = field; ref.value = sha; ref.setAttribute("data-photo-ref", "");
    holder.insertBefore(ref, holder.firstChild);
  }

  function bindPhotoInputs() {
    form.addEventListener("change", async function (event) {
      var input = event.target;
      if (input.type !== "file") return;
      var where = photoField(input);
      if (!where) return;
      event.stopPropagation();
      var files = Array.prototype.slice.call(input.files || []);
      input.value = "";
      var key = where.engine ? "engine:" + where.field : where.field;
      var max = Number(form.getAttribute("data-max-photos")) || Infinity;  // the server's limit
      for (var i = 0; i < files.length; i++) {
        if ((draft.photos[key] || []).length >= max) { showErrors([t("err-photo-count", { n: max })]); break; }
        try {
          var blob = await resize(files[i]);
          var rec = await Store.putBlob(visitId, where.field, "photo", blob);
          draft.photos[key] = (draft.photos[key] || []).concat([rec.id]);
          if (where.engine) engineRef(where.field, rec.sha256);
          await save();
          showPhoto(key, rec);
        } catch (e) {
          // Full storage is said as such: the photo was fine, the phone has no room for it.
          showErrors([t(isQuota(e) ? "err-photo-storage" : "photo-failed")]);
        }
      }
    }, true);
  }

  function isQuota(error) { return !!error && (error.name === "QuotaExceededError" || isQuota(error.inner)); }

  // ---- signatures ----------------------------------------------------------------------------
  function setupSignatures() {
    if (!window.SignaturePad) return;
    $$("[data-sig]", form).forEach(function (box) {
      var key = box.getAttribute("data-sig");
      var canvas = $("canvas", box);
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      var pad = new window.SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)" });
      pads[key] = pad;
      pad.addEventListener("endStroke", function () {
        canvas.toBlob(async function (blob) {
          var old = draft.signatures[key], rec;
          try {
            rec = await Store.putBlob(visitId, "sig." + key, "signature", blob);
          } catch (e) {
            showErrors([t(isQuota(e) ? "err-photo-storage" : "err-storage")]);
            return;
          }
          draft.signatures[key] = rec.id;
          if (await save() && old) await Store.deleteBlob(old);
        }, "image/png");
      });
      $("[data-sig-clear]", box).addEventListener("click", async function () {
        pad.clear();
        var old = draft.signatures[key];
        delete draft.signatures[key];
        if (await save() && old) await Store.deleteBlob(old);
      });
    });
  }

  async function restoreSignature(key, id) {
    var rec = await Store.getBlob(id);
    var pad = pads[key];
    if (!rec || !pad) return;
    var canvas = pad.canvas;
    var url = URL.createObjectURL(rec.blob);
    await pad.fromDataURL(url, { width: canvas.offsetWidth, height: canvas.offsetHeight });
    URL.revokeObjectURL(url);
  }

  // ---- position, findings ------------------------------------------------------------------
  function showPosition() {
    var lat = form.elements.lat.value, lng = form.elements.lng.value, acc = form.elements.accuracy.value;
    var out = $("[data-position-text]", form);
    if (lat && lng) out.textContent = t("position", { lat: Number(lat).toFixed(5), lng: Number(lng).toFixed(5), acc: acc || "?" });
  }

  async function recordPosition() {
    var pos = await window.FieldappApp.position(15000);
    if (!pos) { $("[data-position-text]", form).textContent = t("no-position"); return; }
    form.elements.lat.value = pos.lat; form.elements.lng.value = pos.lng; form.elements.accuracy.value = pos.accuracy;
    draft.position = pos;
    showPosition();
    save();
  }

  // One result block per task: its own findings and suggested result (a first reading; the
  // server's checklist engine suggests again from that task's checklists only).
  function renderTask(section) {
    var block = $("[data-task-result]", section);
    var noActivity = $("[data-no-activity]", section);
    var holder = $("[data-task-checklists]", section);
    if (holder) holder.hidden = !!(noActivity && noActivity.checked);
    if (!block) return [];
    var found = holder && holder.hidden ? [] : Checks.findings(section);
    var list = $("[data-findings]", block);
    list.innerHTML = "";
    found.forEach(function (f) { var li = document.createElement("li"); li.textContent = f.text; list.appendChild(li); });
    if (!found.length) { var li = document.createElement("li"); li.textContent = t("no-findings"); list.appendChild(li); }
    var code = found.length ? "A" : "1";
    $("[data-suggested]", block).value = code;
    var option = $('[data-result-code] option[value="' + code + '"]', block);
    $("[data-suggested-text]", block).textContent = option ? option.textContent : code;
    return found;
  }

  function renderSummary() {
    var found = [];
    $$("[data-task-id]", form).forEach(function (section) { found = found.concat(renderTask(section)); });
    return found;
  }

  function taskResults(errors) {
    return $$("[data-task-id]", form).map(function (section) {
      var taskId = Number(section.getAttribute("data-task-id"));
      var noActivity = $("[data-no-activity]", section);
      var block = $("[data-task-result]", section);
      if (noActivity && noActivity.checked || !block) return { task_id: taskId, no_activity: !!(noActivity && noActivity.checked) };
      var suggested = $("[data-suggested]", block).value;
      var chosen = $("[data-result-code]", block).value;
      var reason = $("[data-override-reason]", block).value.trim();
      if (chosen && chosen !== suggested && !reason) errors.push(t("err-override"));
      return { task_id: taskId, no_activity: false, suggested_result: suggested, result_code: chosen, override_reason: reason,
               follow_up_measures: $$('input[type=checkbox][name^="follow_up."]:checked', block).map(function (el) { return el.value; }) };
    });
  }

  // ---- submit --------------------------------------------------------------------------------
  function showErrors(messages) {
    var box = $("[data-form-errors]");
    box.innerHTML = "";
    if (!messages.length) { box.hidden = true; return; }
    var ul = document.createElement("ul");
    messages.forEach(function (m) { var li = document.createElement("li"); li.textContent = m; ul.appendChild(li); });
    box.appendChild(ul);
    box.hidden = false;
    box.scrollIntoView({ block: "start" });
  }

  async function buildSubmission() {
    var fields = serialize();
    var found = renderSummary();
    var errors = [];
    var missing = unanswered();
    if (missing.length) {
      errors.push(t("err-required"));
      missing.forEach(function (item) { item.classList.add("cl-item--error"); });
    }
    // Every refusal at once: a wrong answer is reported with the missing signatures, not after them.
    Checks.invalidAnswers(form, t("err-date")).forEach(function (bad) {
      errors.push(t("err-answer", { item: bad.label, message: bad.message }));
      bad.item.classList.add("cl-item--error");
    });
    if (!(fields.check_methods || []).length) errors.push(t("err-methods"));
    var media = [], blobIds = [], blobBySha = {}, photos = {}, signatures = [];
    async function use(id, kind, field) {
      var rec = await Store.getBlob(id);
      if (!rec) return null;
      if (!blobBySha[rec.sha256]) {
        media.push({ sha256: rec.sha256, size: rec.size, kind: kind, content_type: rec.type || "image/jpeg", field: field });
        blobBySha[rec.sha256] = rec.id;
      }
      blobIds.push(rec.id);
      return rec.sha256;
    }
    var names = Object.keys(draft.photos);
    for (var i = 0; i < names.length; i++) {
      var engine = names[i].indexOf("engine:") === 0;
      var field = engine ? names[i].slice(7) : names[i];
      var shas = [];
      for (var j = 0; j < draft.photos[names[i]].length; j++) {
        var sha = await use(draft.photos[names[i]][j], "photo", engine ? field : "photo." + field);
        if (sha) shas.push(sha);
      }
      if (shas.length && !engine) photos[field] = shas;
    }
    var boxes = $$("[data-sig]", form);
    for (var k = 0; k < boxes.length; k++) {
      var key = boxes[k].getAttribute("data-sig"), role = boxes[k].getAttribute("data-sig-role");
      var shaSig = draft.signatures[key] ? await use(draft.signatures[key], "signature", "sig." + key) : null;
      if (role === "representative") {
        var refused = (fields.rep_refused || []).length > 0;
        if (!refused && !shaSig || refused && !fields.rep_reason.trim()) errors.push(t("err-rep"));
        signatures.push({ role: role, name: fields.rep_name.trim(), sha256: refused ? null : shaSig, refused: refused, reason: refused ? fields.rep_reason.trim() : "" });
      } else {
        if (!shaSig) errors.push(t("err-sign"));
        signatures.push({ role: role, inspector_id: Number(boxes[k].getAttribute("data-sig-inspector")), name: boxes[k].getAttribute("data-sig-name"), sha256: shaSig });
      }
    }
    var results = taskResults(errors);
    var answers = {};
    Object.keys(fields).forEach(function (n) { if (n.indexOf("a.") === 0) answers[n] = fields[n]; });
    var body = {
      uuid: draft.uuid, visit_id: visitId, replaces: form.elements.replaces.value || null,
      started_at: draft.startedAt || null, start_position: draft.startPosition || null,
      check_methods: fields.check_methods || [],
      task_ids: $$("[data-task-id]", form).map(function (el) { return Number(el.getAttribute("data-task-id")); }),
      checklists: $$("[data-checklist-entry]", form).map(function (el) {
        return { task_id: Number(el.closest("[data-task-id]").getAttribute("data-task-id")), id: el.getAttribute("data-checklist-id"),
                 version: Number(el.getAttribute("data-checklist-version")) };
      }),
      answers: answers, photos: photos,
      position: fields.lat ? { lat: Number(fields.lat), lng: Number(fields.lng), accuracy: Number(fields.accuracy || 0) } : null,
      signatures: signatures, findings: found, task_results: results, client_submitted_at: new Date().toISOString(), media: media, via: "app",
    };
    return { errors: Array.from(new Set(errors)), body: body, blobIds: blobIds, blobBySha: blobBySha };
  }

  async function submit(event) {
    event.preventDefault();
    var button = $("[data-submit-visit]", form);
    button.disabled = true;
    try {
      if (!(await save())) return;
      var built = await buildSubmission();
      if (built.errors.length) { showErrors(built.errors); return; }
      showErrors([]);
      // One visit, one line of versions: an earlier submission of this visit still on the phone
      // is replaced only if the inspector says so, and never once the office has started receiving it.
      var earlier = (await Store.listOutbox()).filter(function (i) { return i.visitId === visitId && i.uuid !== built.body.uuid; });
      if (earlier.some(function (i) { return i.serverId && i.state !== "stuck"; })) { showErrors([t("already-arriving")]); return; }
      if (earlier.length && !window.confirm(t("replace-queued"))) return;
      await Store.enqueue({ uuid: built.body.uuid, visitId: visitId, api: form.getAttribute("data-submissions-api"),
        draft: JSON.parse(JSON.stringify(draft)),
        body: built.body, blobIds: built.blobIds, blobBySha: built.blobBySha, state: "queued", attempts: 0, createdAt: new Date().toISOString() }, earlier);
      if (window.FieldappOutbox) window.FieldappOutbox.registerSync();
      draft = null;
      $("[data-draft-state]").textContent = t("queued");
      // The list page sends it (a send started here would be cut off by leaving the page).
      window.location.href = form.getAttribute("data-my-visits");
    } finally {
      button.disabled = false;
    }
  }

  // ---- a 409: the office has another version of this visit ----------------------------------
  function showConflict(latest) {
    var box = $("[data-conflict]");
    if (!box) return;
    var returned = latest && latest.state === "returned";
    // Keep mine as the correction: it replaces the version the office returned.
    if (returned) form.elements.replaces.value = latest.uuid;
    $("[data-conflict-text]", box).textContent = t(returned ? "conflict-returned" : "conflict");
    box.hidden = false;
    $("[data-conflict-discard]", box).addEventListener("click", async function () {
      if (!window.confirm(t("discard-confirm"))) return;
      await Store.discardDraft(visitId);
      window.location.reload();
    });
  }

  // ---- start ---------------------------------------------------------------------------------
  async function start() {
    form = $("[data-visit-form]");
    if (!form || !Store || !Store.userId()) return;
    visitId = Number(form.getAttribute("data-visit-id"));
    try {
      draft = await Store.getDraft(visitId);
    } catch (e) {
      return; // no IndexedDB: the plain form still works
    }
    var restored = !!(draft && draft.fields);
    draft = draft || { visitId: visitId };
    // Each draft has a UUID of its own (the page may be a kept copy opened many times offline).
    draft.uuid = draft.uuid || Store.uuid4();
    form.elements.uuid.value = draft.uuid;
    draft.photos = draft.photos || {};
    draft.signatures = draft.signatures || {};
    setupSignatures();
    addEvidenceControls();
    bindPhotoInputs();
    // Blocks added or removed through the engine change the form: save, and give new items their photo control.
    form.addEventListener("click", function (event) {
      if (event.target.closest("[data-add-block], [data-remove-block]")) setTimeout(function () { addEvidenceControls(); save(); }, 0);
    });
    document.addEventListener("htmx:load", function () { addEvidenceControls(); });
    if (restored) {
      ensureRepeatBlocks(draft.fields);
      addEvidenceControls();
      restoreFields(draft.fields);
      if (window.FieldappChecklistForm) $$(".cl-form", form).forEach(function (f) { window.FieldappChecklistForm.refresh(f); });
      var fields = Object.keys(draft.photos);
      for (var i = 0; i < fields.length; i++) {
        for (var j = 0; j < draft.photos[fields[i]].length; j++) {
          var rec = await Store.getBlob(draft.photos[fields[i]][j]);
          if (!rec) continue;
          if (fields[i].indexOf("engine:") === 0) engineRef(fields[i].slice(7), rec.sha256);
          showPhoto(fields[i], rec);
        }
      }
      var keys = Object.keys(draft.signatures);
      for (var k = 0; k < keys.length; k++) await restoreSignature(keys[k], draft.signatures[keys[k]]);
      $("[data-draft-state]").textContent = t("restored", { time: window.FieldappUtil.localTime(draft.updatedAt) });
    }
    if (draft.serverErrors && draft.serverErrors.length) showErrors(draft.serverErrors);
    if (draft.conflict) showConflict(draft.conflict.visit);
    // The engine checks each answer on the server as it changes; without signal, skip that.
    document.addEventListener("htmx:beforeRequest", function (event) {
      if (!navigator.onLine && form.contains(event.target)) event.preventDefault();
    });
    showPosition();
    renderSummary();
    form.addEventListener("input", function () { save(); renderSummary(); });
    form.addEventListener("change", function () { save(); renderSummary(); });
    form.addEventListener("submit", submit);
    var getPos = $("[data-position-get]", form);
    getPos.hidden = false;
    getPos.addEventListener("click", recordPosition);
    // Ask for the position when the inspector starts filling in, not on page load.
    var askPosition = function () {
      form.removeEventListener("input", askPosition);
      form.removeEventListener("change", askPosition);
      if (!form.elements.lat.value) recordPosition();
    };
    if (!form.elements.lat.value) { form.addEventListener("input", askPosition); form.addEventListener("change", askPosition); }
    form.setAttribute("data-ready", "true");
  }

  window.FieldappUtil.whenReady(start);
})();
