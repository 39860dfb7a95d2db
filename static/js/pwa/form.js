// fieldapp inspector app: the visit form. Every change is saved at once as a draft in IndexedDB
// (answers, photos and signatures as Blobs with their SHA-256); submitting moves it to the outbox.
// Without this file the form posts as a plain multipart form.
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var MAX_SIDE = 1600;
  var form, visitId, draft, pads = {};
  var saving = Promise.resolve();

  function t(key, vars) {
    var s = form.getAttribute("data-t-" + key) || key;
    Object.keys(vars || {}).forEach(function (k) { s = s.replace("{" + k + "}", vars[k]); });
    return s;
  }
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function clock() { return new Date().toLocaleTimeString(document.documentElement.lang || "zh-CN"); }

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
      } else {
        fields[el.name] = el.value;
      }
    });
    return fields;
  }

  function restoreFields(fields) {
    $$("input, select, textarea", form).forEach(function (el) {
      if (!el.name || !(el.name in fields) || el.type === "file" || el.type === "hidden" && el.name === "uuid") return;
      var v = fields[el.name];
      if (el.type === "checkbox") el.checked = Array.isArray(v) ? v.indexOf(el.value) >= 0 : v === el.value;
      else if (el.type === "radio") el.checked = v === el.value;
      else el.value = v;
    });
  }

  function save() {
    draft.fields = serialize();
    saving = saving.then(function () {
      return Store.putDraft(draft).then(function () {
        var state = $("[data-draft-state]");
        if (state) state.textContent = t("saved", { time: clock() });
      });
    }).catch(function () { showErrors([t("err-storage")]); });
    return saving;
  }

  // ---- repeats -------------------------------------------------------------------------------
  function addRepeatBlock(fieldset) {
    var blocks = $$("[data-repeat-block]", fieldset);
    var max = Number(fieldset.getAttribute("data-repeat-max") || 99);
    if (blocks.length >= max) return null;
    var last = blocks[blocks.length - 1];
    var n = blocks.length;
    var prefix = fieldset.getAttribute("data-repeat") + ".";
    var clone = last.cloneNode(true);
    clone.setAttribute("data-repeat-block", String(n));
    var rename = function (value) {
      return value.replace(new RegExp("(" + prefix.replace(/[.]/g, "[.-]") + ")\\d+"), function (m, p) { return p + n; });
    };
    $$("[name], [id], [for], [data-item], [data-photo-field], [data-photo-list]", clone).forEach(function (el) {
      ["name", "id", "for", "data-item", "data-photo-field", "data-photo-list"].forEach(function (attr) {
        if (el.hasAttribute(attr)) el.setAttribute(attr, rename(el.getAttribute(attr)));
      });
      if (el.type === "radio" || el.type === "checkbox") el.checked = false; else if (el.name && el.type !== "file") el.value = "";
    });
    $$("[data-photo-list]", clone).forEach(function (ul) { ul.innerHTML = ""; });
    var title = $(".cl-repeat__title", clone);
    if (title) title.textContent = title.textContent.replace(/\d+\s*$/, String(n + 1));
    last.parentNode.insertBefore(clone, last.nextSibling);
    bindPhotoInputs(clone);
    return clone;
  }

  function ensureRepeatBlocks(fields) {
    $$("[data-repeat]", form).forEach(function (fieldset) {
      var prefix = fieldset.getAttribute("data-repeat") + ".";
      var needed = 0;
      Object.keys(fields).forEach(function (name) {
        if (name.indexOf(prefix) === 0) needed = Math.max(needed, Number(name.slice(prefix.length).split(".")[0]) + 1);
      });
      while ($$("[data-repeat-block]", fieldset).length < needed && addRepeatBlock(fieldset)) { /* grow */ }
    });
  }

  // ---- photos --------------------------------------------------------------------------------
  async function resize(file) {
    var source;
    try {
      source = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (e) {
      source = await new Promise(function (resolve, reject) {
        var img = new Image();
        img.onload = function () { resolve(img); };
        img.onerror = reject;
        img.src = URL.createObjectURL(file);
      });
    }
    var w = source.width, h = source.height;
    var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(w * scale); canvas.height = Math.round(h * scale);
    canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); });
  }

  function showPhoto(field, rec) {
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
      draft.photos[field] = (draft.photos[field] || []).filter(function (id) { return id !== rec.id; });
      await Store.deleteBlob(rec.id);
      li.remove();
      save();
    });
    li.appendChild(img); li.appendChild(remove);
    list.appendChild(li);
  }

  function bindPhotoInputs(root) {
    $$('input[type="file"][name^="photo."]', root).forEach(function (input) {
      input.addEventListener("change", async function () {
        var field = input.name.slice("photo.".length);
        var files = Array.prototype.slice.call(input.files || []);
        for (var i = 0; i < files.length; i++) {
          try {
            var blob = await resize(files[i]);
            var rec = await Store.putBlob(visitId, field, "photo", blob);
            draft.photos[field] = (draft.photos[field] || []).concat([rec.id]);
            await save();
            showPhoto(field, rec);
          } catch (e) {
            showErrors([t("photo-failed")]);
          }
        }
        input.value = "";
      });
    });
  }

  // ---- signatures ----------------------------------------------------------------------------
  function setupSignatures() {
    if (!window.SignaturePad) return;
    $$("[data-sig]", form).forEach(function (box) {
      var key = box.getAttribute("data-sig");
      var canvas = $("canvas", box);
      $(".sig__pad", box).hidden = false;
      $(".sig__fallback", box).hidden = true;
      $("input[type=file]", box).disabled = true;
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      var pad = new window.SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)" });
      pads[key] = pad;
      pad.addEventListener("endStroke", function () {
        canvas.toBlob(async function (blob) {
          var old = draft.signatures[key];
          var rec = await Store.putBlob(visitId, "sig." + key, "signature", blob);
          draft.signatures[key] = rec.id;
          await save();
          if (old) await Store.deleteBlob(old);
        }, "image/png");
      });
      $("[data-sig-clear]", box).addEventListener("click", async function () {
        pad.clear();
        var old = draft.signatures[key];
        delete draft.signatures[key];
        await save();
        if (old) await Store.deleteBlob(old);
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

  function findings() {
    var found = [];
    $$("[data-item][data-finding-text]", form).forEach(function (item) {
      var name = item.getAttribute("data-item");
      var failed = false;
      var set = $("[data-fail-values]", item);
      if (set) {
        var bad = JSON.parse(set.getAttribute("data-fail-values"));
        failed = $$("input:checked", set).some(function (i) { return bad.indexOf(i.value) >= 0; });
      }
      var num = $("input[type=number]", item);
      if (num && num.value !== "") {
        var v = Number(num.value);
        if (num.hasAttribute("data-limit-min") && v < Number(num.getAttribute("data-limit-min"))) failed = true;
        if (num.hasAttribute("data-limit-max") && v > Number(num.getAttribute("data-limit-max"))) failed = true;
      }
      if (failed) found.push({ field: name, text: item.getAttribute("data-finding-text"),
        severity: item.getAttribute("data-finding-severity") || "", follow_up: item.getAttribute("data-finding-follow-up") || "" });
    });
    return found;
  }

  function renderSummary() {
    var list = $("[data-findings]", form);
    var found = findings();
    list.innerHTML = "";
    found.forEach(function (f) { var li = document.createElement("li"); li.textContent = f.text; list.appendChild(li); });
    if (!found.length) { var li = document.createElement("li"); li.textContent = t("no-findings"); list.appendChild(li); }
    var code = found.length ? "A" : "1";
    form.elements.suggested_result.value = code;
    var option = $('select[name="result_code"] option[value="' + code + '"]', form);
    $("[data-suggested-text]", form).textContent = option ? option.textContent : code;
    return found;
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
    if (!form.checkValidity()) errors.push(t("err-required"));
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
      var shas = [];
      for (var j = 0; j < draft.photos[names[i]].length; j++) {
        var sha = await use(draft.photos[names[i]][j], "photo", "photo." + names[i]);
        if (sha) shas.push(sha);
      }
      if (shas.length) photos[names[i]] = shas;
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
    var suggested = form.elements.suggested_result.value;
    var result = fields.result_code || suggested;
    if (result !== suggested && !fields.override_reason.trim()) errors.push(t("err-override"));
    var answers = {};
    Object.keys(fields).forEach(function (n) { if (n.indexOf("a.") === 0) answers[n] = fields[n]; });
    var body = {
      uuid: draft.uuid, visit_id: visitId, replaces: form.elements.replaces.value || null,
      started_at: draft.startedAt || null, start_position: draft.startPosition || null,
      check_methods: fields.check_methods || [],
      tasks: $$("[data-task-id]", form).map(function (el) { return Number(el.getAttribute("data-task-id")); })
        .filter(function (v, idx, arr) { return arr.indexOf(v) === idx; }),
      checklists: $$("[data-checklist]", form).map(function (el) {
        return { task_id: Number(el.getAttribute("data-task-id")), id: el.getAttribute("data-checklist"), version: Number(el.getAttribute("data-checklist-version")) };
      }),
      answers: answers, photos: photos,
      position: fields.lat ? { lat: Number(fields.lat), lng: Number(fields.lng), accuracy: Number(fields.accuracy || 0) } : null,
      signatures: signatures, findings: found, suggested_result: suggested, result_code: result,
      override_reason: fields.override_reason.trim(), client_submitted_at: new Date().toISOString(), media: media, via: "app",
    };
    return { errors: Array.from(new Set(errors)), body: body, blobIds: blobIds, blobBySha: blobBySha };
  }

  async function submit(event) {
    event.preventDefault();
    var button = $("button[type=submit]", form);
    button.disabled = true;
    try {
      await save();
      var built = await buildSubmission();
      if (built.errors.length) { showErrors(built.errors); return; }
      showErrors([]);
      await Store.enqueue({ uuid: built.body.uuid, visitId: visitId, api: form.getAttribute("data-submissions-api"),
        body: built.body, blobIds: built.blobIds, blobBySha: built.blobBySha, state: "queued", attempts: 0, createdAt: new Date().toISOString() });
      draft = null;
      $("[data-draft-state]").textContent = t("queued");
      window.FieldappOutbox.render();
      window.FieldappOutbox.flush();
      window.location.href = form.getAttribute("data-my-visits");
    } finally {
      button.disabled = false;
    }
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
    draft.uuid = draft.uuid || form.elements.uuid.value;
    form.elements.uuid.value = draft.uuid;
    draft.photos = draft.photos || {};
    draft.signatures = draft.signatures || {};
    setupSignatures();
    bindPhotoInputs(form);
    $$("[data-repeat-add]", form).forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { addRepeatBlock(b.closest("[data-repeat]")); save(); });
    });
    if (restored) {
      ensureRepeatBlocks(draft.fields);
      restoreFields(draft.fields);
      var fields = Object.keys(draft.photos);
      for (var i = 0; i < fields.length; i++) {
        for (var j = 0; j < draft.photos[fields[i]].length; j++) {
          var rec = await Store.getBlob(draft.photos[fields[i]][j]);
          if (rec) showPhoto(fields[i], rec);
        }
      }
      var keys = Object.keys(draft.signatures);
      for (var k = 0; k < keys.length; k++) await restoreSignature(keys[k], draft.signatures[keys[k]]);
      $("[data-draft-state]").textContent = t("restored", { time: new Date(draft.updatedAt).toLocaleString(document.documentElement.lang || "zh-CN") });
    }
    showPosition();
    renderSummary();
    form.addEventListener("input", function () { save(); renderSummary(); });
    form.addEventListener("change", function () { save(); renderSummary(); });
    form.addEventListener("submit", submit);
    var getPos = $("[data-position-get]", form);
    getPos.hidden = false;
    getPos.addEventListener("click", recordPosition);
    if (!form.elements.lat.value) recordPosition();
    form.setAttribute("data-ready", "true");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
