// fieldapp inspector app: helpers of the visit form that need no state of their own: scaling a
// photo to at most 1600 px JPEG, a first reading of findings and unanswered required items (the
// server's checklist engine evaluates the answers again), and growing the engine's repeat blocks
// to match a restored draft.
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var $ = window.FieldappUtil.$, $$ = window.FieldappUtil.$$;

  // ---- repeats (the checklist engine's blocks) ----------------------------------------------
  // A restored draft may hold more blocks than the page renders: add them through the engine.
  function ensureRepeatBlocks(form, fields) {
    var engine = window.FieldappChecklistForm;
    if (!engine) return;
    var done = [];
    for (var guard = 0; guard < 500; guard++) {
      var pending = $$("[data-checklist-entry] fieldset.cl-repeat", form).filter(function (f) { return done.indexOf(f) < 0; });
      if (!pending.length) break;
      var fieldset = pending[0];
      done.push(fieldset);
      var entry = fieldset.closest("[data-checklist-entry]");
      var base = entry.getAttribute("data-prefix") + fieldset.getAttribute("data-repeat") + "-";
      var wanted = [];
      Object.keys(fields).forEach(function (name) {
        if (name.indexOf(base) !== 0) return;
        var rest = name.slice(base.length).split("-");
        if (rest.length === 2 && rest[1] === "_block") wanted.push(Number(rest[0]));
      });
      if (!wanted.length) continue;
      var max = Math.max.apply(null, wanted);
      while (Number(fieldset.dataset.nextIndex || 0) <= max && engine.addBlock(fieldset)) { /* grow */ }
      $$(":scope > .cl-repeat__blocks > .cl-block", fieldset).forEach(function (block) {
        var marker = $('input[name$="-_block"]', block);
        var index = marker ? Number(marker.name.slice(base.length).split("-")[0]) : -1;
        if (wanted.indexOf(index) < 0) block.remove();
      });
    }
  }

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

  function visible(el) { return !el.closest("[hidden]") && !el.closest("template"); }

  // A limit naming other answers ({target: "${test_load}", tolerance: "${mpe}"}): the answer to ${id} in the
  // item's own block first, then each enclosing block, then the top level (as conditions look it up).
  function answerBounds(item, spec) {
    var entry = item.closest("[data-checklist-entry]");
    var parts = item.getAttribute("data-key").split("-");
    function lookup(id) {
      for (var n = parts.length - 1; n >= 0; n -= 2) {
        var key = parts.slice(0, n).concat([id]).join("-");
        var other = entry.querySelector('.cl-item[data-key="' + key + '"] .cl-number');
        if (other) return other.value.trim() === "" || isNaN(Number(other.value)) ? null : Number(other.value);
      }
      return null;
    }
    var values = {};
    for (var k in spec) {
      var ref = /^\s*\$\{([a-z][a-z0-9_]*)\}\s*$/.exec(String(spec[k]));
      values[k] = ref ? lookup(ref[1]) : Number(spec[k]);
      if (values[k] === null) return null;  // judged once the answers it depends on are given
    }
    if ("tolerance" in values) {
      var target = "target" in values ? values.target : 0;
      return [target - values.tolerance, target + values.tolerance];
    }
    return ["min" in values ? values.min : null, "max" in values ? values.max : null];
  }

  // A first reading for the summary; the server's checklist engine evaluates the answers again.
  function findings(form) {
    var found = [];
    $$("[data-checklist-entry] .cl-item", form).filter(visible).forEach(function (item) {
      var type = item.getAttribute("data-type");
      var failed = false;
      if (type === "check") failed = !!item.querySelector('input[type=radio][value="不符合"]:checked');
      var num = type === "number" && !item.querySelector("input[data-na]:checked") && item.querySelector(".cl-number");
      if (num && num.value.trim() !== "" && !isNaN(Number(num.value))) {
        var v = Number(num.value);
        if (num.hasAttribute("data-limit-min") && v < Number(num.getAttribute("data-limit-min"))) failed = true;
        if (num.hasAttribute("data-limit-max") && v > Number(num.getAttribute("data-limit-max"))) failed = true;
        var bounds = num.hasAttribute("data-limit") ? answerBounds(item, JSON.parse(num.getAttribute("data-limit"))) : null;
        if (bounds && ((bounds[0] !== null && v < bounds[0]) || (bounds[1] !== null && v > bounds[1]))) failed = true;
      }
      if (failed) {
        var label = item.querySelector(".cl-item__label");
        found.push({ field: item.closest("[data-checklist-entry]").getAttribute("data-prefix") + item.getAttribute("data-key"),
                     text: label ? label.textContent.replace(/\s*\*\s*$/, "").trim() : item.getAttribute("data-key") });
      }
    });
    return found;
  }

  function unanswered(form) {
    return $$("[data-checklist-entry] .cl-item[data-required]", form).filter(visible).filter(function (item) {
      var type = item.getAttribute("data-type");
      if (type === "check" || type === "choice") return !item.querySelector("input:checked");
      if (type === "photo") return !item.querySelector("[data-photo-ref]");
      if (item.querySelector("input[data-na]:checked")) return false;  // answered 不适用
      if (["number", "text", "date"].indexOf(type) >= 0) {
        var input = item.querySelector("input:not([type=hidden]):not([data-na]), textarea");
        return input && input.value.trim() === "";
      }
      return false;
    });
  }

  // Answers the server would refuse, found on the phone so that every message comes at once: a
  // date the date field cannot read or outside 1900–2100, and a constraint the phone checked (its
  // message under the item). Each as {item, label, message}; ``dateMessage`` is the date's message.
  function invalidAnswers(form, dateMessage) {
    var found = [];
    $$("[data-checklist-entry] .cl-item", form).filter(visible).forEach(function (item) {
      if (item.querySelector("input[data-na]:checked")) return;  // answered 不适用
      var label = item.querySelector(".cl-item__label");
      var text = label ? label.textContent.replace(/\s*\*\s*$/, "").trim() : "";
      var date = item.getAttribute("data-type") === "date" && item.querySelector("input[type=date]");
      if (date && !date.validity.valid) found.push({ item: item, label: text, message: dateMessage });
      $$(":scope > .cl-item__errors [data-client-error]", item).forEach(function (p) {
        if (p.textContent.trim()) found.push({ item: item, label: text, message: p.textContent.trim() });
      });
    });
    return found;
  }

  window.FieldappFormChecks = { resize: resize, findings: findings, unanswered: unanswered, invalidAnswers: invalidAnswers,
                                ensureRepeatBlocks: ensureRepeatBlocks };
})();
