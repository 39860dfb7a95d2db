// fieldapp inspector app: the visit form's signatures, drawn on canvases (signature_pad). Each
// stroke keeps the whole signature as a PNG Blob and the draft names it by the signature's key;
// clearing forgets it. Without signature_pad the canvases stay blank.
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var $ = window.FieldappUtil.$, $$ = window.FieldappUtil.$$;

  // A canvas as sharp as the screen.
  function scaleCanvas(canvas) {
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
  }

  // The signature as drawn replaces the one kept before (deleted once the draft no longer names it).
  function keepStroke(visit, key, canvas) {
    canvas.toBlob(async function (blob) {
      var old = visit.draft.signatures[key], rec;
      try {
        rec = await Store.putBlob(visit.visitId, "sig." + key, "signature", blob);
      } catch (e) {
        visit.showErrors([visit.t(window.FieldappFormDraft.isQuota(e) ? "err-photo-storage" : "err-storage")]);
        return;
      }
      visit.draft.signatures[key] = rec.id;
      if (await visit.save() && old) await Store.deleteBlob(old);
    }, "image/png");
  }

  function setupBox(visit, box) {
    var key = box.getAttribute("data-sig");
    var canvas = $("canvas", box);
    scaleCanvas(canvas);
    var pad = new window.SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)" });
    visit.signaturePads[key] = pad;
    pad.addEventListener("endStroke", function () { keepStroke(visit, key, canvas); });
    $("[data-sig-clear]", box).addEventListener("click", async function () {
      pad.clear();
      var old = visit.draft.signatures[key];
      delete visit.draft.signatures[key];
      if (await visit.save() && old) await Store.deleteBlob(old);
    });
  }

  function setup(visit) {
    visit.signaturePads = {};
    if (!window.SignaturePad) return;
    $$("[data-sig]", visit.form).forEach(function (box) { setupBox(visit, box); });
  }

  async function restoreOne(visit, key, id) {
    var rec = await Store.getBlob(id);
    var pad = visit.signaturePads[key];
    if (!rec || !pad) return;
    var canvas = pad.canvas;
    var url = URL.createObjectURL(rec.blob);
    await pad.fromDataURL(url, { width: canvas.offsetWidth, height: canvas.offsetHeight });
    URL.revokeObjectURL(url);
  }

  // A restored draft's signatures drawn again on their canvases.
  async function restore(visit) {
    var keys = Object.keys(visit.draft.signatures);
    for (var k = 0; k < keys.length; k++) await restoreOne(visit, keys[k], visit.draft.signatures[keys[k]]);
  }

  window.FieldappFormSignatures = { setup: setup, restore: restore };
})();
