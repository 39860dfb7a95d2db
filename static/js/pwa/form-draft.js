// fieldapp inspector app: the visit form's draft. Every change is saved at once in IndexedDB: the
// answers here, photos and signatures as Blobs (with their SHA-256) whose ids the draft lists
// (form-photos.js, form-signatures.js). open() gives the form's other parts what they share: the
// form, its visit, the draft, the form's words, saving, and the box that shows what is wrong.
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var $ = window.FieldappUtil.$, $$ = window.FieldappUtil.$$;
  // Fields the draft never keeps: the page gives them (the draft keeps its UUID apart).
  var NOT_KEPT = ["csrf_token", "uuid", "replaces"];

  function clock() { return window.FieldappUtil.localTime(new Date(), { hour: "2-digit", minute: "2-digit", second: "2-digit" }); }

  // The form's words (its data-t-KEY attributes), with {name} filled in from vars.
  function words(form) {
    return function t(key, vars) {
      var s = form.getAttribute("data-t-" + key) || key;
      Object.keys(vars || {}).forEach(function (k) { s = s.replace("{" + k + "}", vars[k]); });
      return s;
    };
  }

  function serialize(form) {
    var fields = {};
    $$("input, select, textarea", form).forEach(function (el) {
      if (!el.name || el.type === "file" || NOT_KEPT.indexOf(el.name) >= 0) return;
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

  function restoreFields(form, fields) {
    $$("input, select, textarea", form).forEach(function (el) {
      if (!el.name || !(el.name in fields) || el.type === "file" || el.name === "uuid" || el.hasAttribute("data-photo-ref")) return;
      var v = fields[el.name];
      if (el.type === "checkbox") el.checked = Array.isArray(v) ? v.indexOf(el.value) >= 0 : v === el.value;
      else if (el.type === "radio") el.checked = v === el.value;
      else el.value = v;
    });
  }

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

  // Full storage, however deep the browser wrapped it.
  function isQuota(error) { return !!error && (error.name === "QuotaExceededError" || isQuota(error.inner)); }

  // Answers to tasks this form no longer shows (the office took one off the visit after the draft
  // was made): kept in the draft, never sent with it, and on the form again if the task comes back.
  function otherTasks(fields, form) {
    var here = $$("[data-task-id]", form).map(function (el) { return el.getAttribute("data-task-id"); });
    var kept = {};
    Object.keys(fields || {}).forEach(function (name) {
      var task = /^a\.(\d+)\./.exec(name);
      if (task && here.indexOf(task[1]) < 0) kept[name] = fields[name];
    });
    return kept;
  }

  // save() resolves true once saved; false when it could not be (the reason is on the page). Once
  // the draft was changed in another tab, this one stops saving over it.
  function saver(visit) {
    var stale = false;
    var saving = Promise.resolve();
    return function save() {
      if (stale) { showErrors([visit.t("err-other-tab")]); return Promise.resolve(false); }
      visit.draft.fields = Object.assign(otherTasks(visit.draft.fields, visit.form), serialize(visit.form));
      saving = saving.then(function () {
        if (stale) return false;
        return Store.putDraft(visit.draft).then(function () {
          var state = $("[data-draft-state]");
          if (state) state.textContent = visit.t("saved", { time: clock() });
          return true;
        });
      }).catch(function (error) {
        stale = stale || (error && error.name === "DraftChanged");
        showErrors([visit.t(stale ? "err-other-tab" : "err-storage")]);
        return false;
      });
      return saving;
    };
  }

  // The visit's draft from the phone's store (a new one if there is none), or null without IndexedDB:
  // the plain form still works.
  async function load(visitId) {
    var draft;
    try {
      draft = await Store.getDraft(visitId);
    } catch (e) {
      return null;
    }
    var restored = !!(draft && draft.fields);
    draft = draft || { visitId: visitId };
    // Each draft has a UUID of its own (the page may be a kept copy opened many times offline).
    draft.uuid = draft.uuid || Store.uuid4();
    draft.photos = draft.photos || {};
    draft.signatures = draft.signatures || {};
    return { draft: draft, restored: restored };
  }

  // What the form's parts share; draft becomes null once the form went to the outbox.
  async function open(form) {
    var visitId = Number(form.getAttribute("data-visit-id"));
    var loaded = await load(visitId);
    if (!loaded) return null;
    form.elements.uuid.value = loaded.draft.uuid;
    // Named as the office named the visit, so the task list can say whose draft it is even once the
    // visit is no longer on it (drafts.js).
    loaded.draft.visitName = form.getAttribute("data-visit-name") || loaded.draft.visitName;
    var visit = { form: form, visitId: visitId, draft: loaded.draft, restored: loaded.restored, t: words(form), showErrors: showErrors };
    visit.save = saver(visit);
    visit.serialize = function () { return serialize(form); };
    visit.restoreFields = function (fields) { restoreFields(form, fields); };
    return visit;
  }

  window.FieldappFormDraft = { open: open, isQuota: isQuota };
})();
