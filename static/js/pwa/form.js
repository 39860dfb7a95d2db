// fieldapp inspector app: the visit form, put together from its parts (loaded before this file):
// the draft (form-draft.js), evidence photos (form-photos.js), signatures (form-signatures.js), the
// result per task (form-results.js) and sending (form-submission.js). Here: the position, a 409's
// choice, and the events that save the draft as it changes. Without these files the form posts as a
// plain multipart form.
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var $ = window.FieldappUtil.$, $$ = window.FieldappUtil.$$;
  // The parts, for a page kept offline by an earlier version that names form.js alone.
  var PARTS = [["FieldappFormDraft", "form-draft.js"], ["FieldappFormPhotos", "form-photos.js"],
               ["FieldappFormSignatures", "form-signatures.js"], ["FieldappFormResults", "form-results.js"],
               ["FieldappFormSubmission", "form-submission.js"]];
  var here = document.currentScript ? document.currentScript.src : "";

  // ---- position ------------------------------------------------------------------------------
  function showPosition(visit) {
    var form = visit.form;
    var lat = form.elements.lat.value, lng = form.elements.lng.value, acc = form.elements.accuracy.value;
    var out = $("[data-position-text]", form);
    if (lat && lng) out.textContent = visit.t("position", { lat: Number(lat).toFixed(5), lng: Number(lng).toFixed(5), acc: acc || "?" });
  }

  async function recordPosition(visit) {
    var form = visit.form;
    var pos = await window.FieldappApp.position(15000);
    if (!pos) { $("[data-position-text]", form).textContent = visit.t("no-position"); return; }
    form.elements.lat.value = pos.lat; form.elements.lng.value = pos.lng; form.elements.accuracy.value = pos.accuracy;
    visit.draft.position = pos;
    showPosition(visit);
    visit.save();
  }

  // The button, and a first reading when the inspector starts filling in (not on page load).
  function bindPosition(visit) {
    var form = visit.form;
    var getPos = $("[data-position-get]", form);
    getPos.hidden = false;
    getPos.addEventListener("click", function () { recordPosition(visit); });
    var askPosition = function () {
      form.removeEventListener("input", askPosition);
      form.removeEventListener("change", askPosition);
      if (!form.elements.lat.value) recordPosition(visit);
    };
    if (!form.elements.lat.value) { form.addEventListener("input", askPosition); form.addEventListener("change", askPosition); }
  }

  // ---- a 409: the office has another version of this visit ----------------------------------
  function showConflict(visit, latest) {
    var box = $("[data-conflict]");
    if (!box) return;
    var returned = latest && latest.state === "returned";
    // Keep mine as the correction: it replaces the version the office returned.
    if (returned) visit.form.elements.replaces.value = latest.uuid;
    $("[data-conflict-text]", box).textContent = visit.t(returned ? "conflict-returned" : "conflict");
    box.hidden = false;
    $("[data-conflict-discard]", box).addEventListener("click", async function () {
      if (!window.confirm(visit.t("discard-confirm"))) return;
      await Store.discardDraft(visit.visitId);
      window.location.reload();
    });
  }

  // ---- start ---------------------------------------------------------------------------------
  // Photo controls and signature pads; blocks added or removed through the engine change the form:
  // save, and give new items their photo control.
  function prepare(visit) {
    var Photos = window.FieldappFormPhotos;
    window.FieldappFormSignatures.setup(visit);
    Photos.addControls(visit);
    Photos.bind(visit);
    visit.form.addEventListener("click", function (event) {
      if (event.target.closest("[data-add-block], [data-remove-block]")) setTimeout(function () { Photos.addControls(visit); visit.save(); }, 0);
    });
    document.addEventListener("htmx:load", function () { Photos.addControls(visit); });
  }

  // The draft's answers, blocks, photos and signatures put back on the page.
  async function restore(visit) {
    var fields = visit.draft.fields;
    window.FieldappFormChecks.ensureRepeatBlocks(visit.form, fields);
    window.FieldappFormPhotos.addControls(visit);
    visit.restoreFields(fields);
    if (window.FieldappChecklistForm) $$(".cl-form", visit.form).forEach(function (f) { window.FieldappChecklistForm.refresh(f); });
    await window.FieldappFormPhotos.restore(visit);
    await window.FieldappFormSignatures.restore(visit);
    $("[data-draft-state]").textContent = visit.t("restored", { time: window.FieldappUtil.localTime(visit.draft.updatedAt) });
  }

  function listen(visit) {
    var form = visit.form, Results = window.FieldappFormResults;
    // The engine checks each answer on the server as it changes; without signal, skip that.
    document.addEventListener("htmx:beforeRequest", function (event) {
      if (!navigator.onLine && form.contains(event.target)) event.preventDefault();
    });
    showPosition(visit);
    Results.render(visit);
    form.addEventListener("input", function () { visit.save(); Results.render(visit); });
    form.addEventListener("change", function () { visit.save(); Results.render(visit); });
    form.addEventListener("submit", function (event) { return window.FieldappFormSubmission.submit(visit, event); });
    bindPosition(visit);
  }

  async function start() {
    var form = $("[data-visit-form]");
    if (!form || !Store || !Store.userId()) return;
    try {
      await window.FieldappUtil.loadMissing(PARTS, here);
    } catch (e) {
      return; // a part could not be loaded: the plain form still works
    }
    var visit = await window.FieldappFormDraft.open(form);
    if (!visit) return;
    prepare(visit);
    if (visit.restored) await restore(visit);
    if (visit.draft.serverErrors && visit.draft.serverErrors.length) visit.showErrors(visit.draft.serverErrors);
    if (visit.draft.conflict) showConflict(visit, visit.draft.conflict.visit);
    listen(visit);
    form.setAttribute("data-ready", "true");
  }

  window.FieldappUtil.whenReady(start);
})();
