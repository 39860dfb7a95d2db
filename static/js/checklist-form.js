// Checklist forms (templates/checklists/_form.html), progressive enhancement: live show/hide of
// items by their `relevant` condition (conditions.js), constraint messages while typing, section
// progress, and adding/removing repeat blocks without a round trip. The server validates again.
(function () {
  "use strict";

  function conditions() { return window.FieldappConditions; }

  var parsedCache = {};
  function parsed(text) {
    if (!parsedCache[text]) {
      try { parsedCache[text] = conditions().parse(text); } catch (e) { parsedCache[text] = null; }
    }
    return parsedCache[text];
  }

  function directItems(container) {
    return Array.prototype.filter.call(container.children, function (el) { return el.classList.contains("cl-item"); });
  }

  function itemId(el) { var parts = el.dataset.key.split("-"); return parts[parts.length - 1]; }

  function blocksOf(repeatEl) {
    var holder = repeatEl.querySelector(":scope > fieldset > .cl-repeat__blocks");
    return holder ? Array.prototype.filter.call(holder.children, function (b) { return b.classList.contains("cl-block"); }) : [];
  }

  function readValue(el) {
    var type = el.dataset.type;
    if (type === "check" || type === "choice") {
      var checked = el.querySelectorAll("input:checked");
      var boxes = el.querySelector("input[type=checkbox]");
      if (boxes) {
        var list = Array.prototype.map.call(checked, function (i) { return i.value; });
        return list.length ? list : null;
      }
      return checked.length ? checked[0].value : null;
    }
    if (type === "photo") {
      var refs = Array.prototype.map.call(el.querySelectorAll("[data-photo-ref]"), function (i) { return i.value; })
        .filter(Boolean);
      var files = el.querySelector("input[type=file]");
      for (var k = 0; files && files.files && k < files.files.length; k++) refs.push("file:" + k);
      return refs.length ? refs : null;
    }
    if (type === "signature") {
      var sig = el.querySelector("[data-signature-ref]");
      return sig && sig.value ? sig.value : null;
    }
    if (type === "location") {
      var lat = el.querySelector("[data-location-lat]");
      return lat && lat.value ? {lat: lat.value} : null;
    }
    var na = el.querySelector("input[data-na]:checked");
    if (na) return na.value;  // 不适用: the number or date typed beside it does not count
    var input = el.querySelector("input, textarea, select");
    var v = input ? input.value.trim() : "";
    return v === "" ? null : v;
  }

  // Every item with the block path it lives in, in document order (blocks numbered as shown).
  function entries(container, blockPath, parentEl, out) {
    directItems(container).forEach(function (el) {
      out.push({el: el, id: itemId(el), blockPath: blockPath, parent: parentEl});
      if (el.dataset.type === "repeat") {
        blocksOf(el).forEach(function (block, i) {
          entries(block, blockPath.concat([itemId(el), i]), el, out);
        });
      }
    });
    return out;
  }

  // The answers the form holds, leaving out hidden items.
  function collect(container, hidden) {
    var block = {};
    directItems(container).forEach(function (el) {
      if (hidden.has(el)) return;
      if (el.dataset.type === "repeat") {
        block[itemId(el)] = blocksOf(el).map(function (b) { return collect(b, hidden); });
        return;
      }
      var value = readValue(el);
      if (value !== null) block[itemId(el)] = value;
    });
    return block;
  }

  function sectionsOf(form) { return form.querySelectorAll(":scope > details.cl-section"); }

  function collectForm(form, hidden) {
    var answers = {};
    Array.prototype.forEach.call(sectionsOf(form), function (section) {
      var part = collect(section, hidden);
      Object.keys(part).forEach(function (k) { answers[k] = part[k]; });
    });
    return answers;
  }

  function allEntries(form) {
    var out = [];
    Array.prototype.forEach.call(sectionsOf(form), function (section) { entries(section, [], null, out); });
    return out;
  }

  // Hidden items settle to a fixed point, as on the server: an item hidden because another hidden
  // item had a stale answer is judged again without it.
  function refresh(form) {
    if (!conditions()) return;
    var list = allEntries(form);
    var sections = Array.prototype.slice.call(sectionsOf(form));
    var hidden = new Set();
    var hiddenSections = new Set();
    for (var round = 0; round <= list.length + sections.length + 1; round++) {
      var answers = collectForm(form, hidden);
      var next = new Set();
      hiddenSections = new Set();
      // A section's `relevant` hides the whole section and everything in it.
      sections.forEach(function (section) {
        var text = section.dataset.relevant;
        var cond = text ? parsed(text) : null;
        if (cond && !conditions().evaluate(cond, answers, [], null)) hiddenSections.add(section);
      });
      list.forEach(function (entry) {
        var inHidden = sections.some(function (s) { return hiddenSections.has(s) && s.contains(entry.el); });
        if (inHidden) { next.add(entry.el); return; }
        if (entry.parent && next.has(entry.parent)) { next.add(entry.el); return; }
        var text = entry.el.dataset.relevant;
        if (!text) return;
        var cond = parsed(text);
        if (cond && !conditions().evaluate(cond, answers, entry.blockPath, null)) next.add(entry.el);
      });
      var same = next.size === hidden.size && Array.from(next).every(function (el) { return hidden.has(el); });
      hidden = next;
      if (same) break;
    }
    list.forEach(function (entry) { entry.el.hidden = hidden.has(entry.el); });
    sections.forEach(function (section) { section.hidden = hiddenSections.has(section); });
    updateProgress(form, list);
    return collectForm(form, hidden);
  }

  function updateProgress(form, list) {
    Array.prototype.forEach.call(sectionsOf(form), function (section) {
      var required = 0;
      var answered = 0;
      list.forEach(function (entry) {
        if (!section.contains(entry.el) || entry.el.dataset.type === "repeat") return;
        if (entry.el.hidden || entry.el.closest("[hidden]")) return;
        if (!entry.el.hasAttribute("data-required")) return;
        required += 1;
        if (readValue(entry.el) !== null && !entry.el.querySelector("[data-client-error]")) answered += 1;
      });
      var a = section.querySelector("[data-progress-answered]");
      var r = section.querySelector("[data-progress-required]");
      var bar = section.querySelector("progress");
      if (a) a.textContent = answered;
      if (r) r.textContent = required;
      if (bar) { bar.max = required || 1; bar.value = required ? answered : 1; }
    });
  }

  function checkConstraint(form, el, settled) {
    var box = el.querySelector(":scope > .cl-item__errors");
    if (!box) return;
    var old = box.querySelector("[data-client-error]");
    if (old) old.remove();
    var text = el.dataset.constraint;
    var value = readValue(el);
    if (!text || value === null || el.hidden) return;
    var cond = parsed(text);
    var entry = ((settled && settled.list) || allEntries(form)).filter(function (e) { return e.el === el; })[0];
    if (!cond || !entry) return;
    var answers = (settled && settled.answers) || refresh(form);
    if (!conditions().evaluate(cond, answers, entry.blockPath, value)) {
      var p = document.createElement("p");
      p.className = "field__error";
      p.setAttribute("data-client-error", "");
      p.textContent = el.dataset.constraintMessage || "";
      box.appendChild(p);
    }
  }

  function renumber(fieldset) {
    var blocks = blocksOf(fieldset.parentElement);
    blocks.forEach(function (b, i) {
      var n = b.querySelector(":scope > .cl-block__title [data-block-number]");
      if (n) n.textContent = String(i + 1);
    });
    var add = fieldset.querySelector(":scope > [data-add-block]");
    if (add) add.disabled = blocks.length >= Number(fieldset.dataset.max || 0);
  }

  function addBlock(fieldset) {
    var template = fieldset.querySelector(":scope > template[data-block-template]");
    var holder = fieldset.querySelector(":scope > .cl-repeat__blocks");
    if (!template || !holder) return null;
    if (blocksOf(fieldset.parentElement).length >= Number(fieldset.dataset.max || 0)) return null;
    var index = Number(fieldset.dataset.nextIndex || 0);
    fieldset.dataset.nextIndex = String(index + 1);
    var html = template.innerHTML.split(fieldset.dataset.placeholder).join(String(index));
    holder.insertAdjacentHTML("beforeend", html);
    var block = holder.lastElementChild;
    if (window.htmx) window.htmx.process(block);
    // Nested repeats start with the blocks they require.
    block.querySelectorAll("fieldset.cl-repeat").forEach(function (inner) {
      var min = Math.max(Number(inner.dataset.min || 0), 1);
      while (blocksOf(inner.parentElement).length < min && addBlock(inner)) { /* keep adding */ }
    });
    renumber(fieldset);
    return block;
  }

  function onClick(event) {
    var button = event.target.closest("[data-add-block], [data-remove-block]");
    if (!button) return;
    var form = button.closest(".cl-form");
    if (!form) return;
    event.preventDefault();
    if (button.hasAttribute("data-add-block")) {
      var block = addBlock(button.closest("fieldset.cl-repeat"));
      if (block) {
        var first = block.querySelector("input:not([type=hidden]), textarea");
        if (first) first.focus();
      }
    } else {
      var gone = button.closest(".cl-block");
      var fieldset = gone.closest("fieldset.cl-repeat");
      gone.remove();
      renumber(fieldset);
    }
    refresh(form);
  }

  // 不适用 and a typed number or date exclude each other: ticking the box clears the field,
  // typing in the field unticks the box.
  function naToggle(target, item) {
    if (!item || (item.dataset.type !== "number" && item.dataset.type !== "date")) return;
    var box = item.querySelector("input[data-na]");
    var field = item.querySelector("input.field__input");
    if (!box || !field) return;
    if (target === box && box.checked) field.value = "";
    else if (target === field && field.value.trim() !== "") box.checked = false;
  }

  function onInput(event) {
    var form = event.target.closest(".cl-form");
    if (!form) return;
    var item = event.target.closest(".cl-item");
    naToggle(event.target, item);
    if (!item || !item.dataset.constraint) { refresh(form); return; }
    var settled = {answers: refresh(form), list: allEntries(form)};
    checkConstraint(form, item, settled);
    updateProgress(form, settled.list);
  }

  // After any swap (an inline-validation answer, however late) the form settles again from what
  // it holds now: the server rendered the swapped item from the answers sent with the request,
  // which may be older than the ones on screen, so relevance and constraints are evaluated anew.
  function settle(form) {
    var settled = {answers: refresh(form), list: allEntries(form)};
    form.querySelectorAll(".cl-item[data-constraint]").forEach(function (item) { checkConstraint(form, item, settled); });
    updateProgress(form, settled.list);
  }

  function enhance(root) {
    (root.querySelectorAll ? root : document).querySelectorAll(".cl-form").forEach(function (form) {
      form.classList.add("cl-form--live");
      refresh(form);
    });
    (root.querySelectorAll ? root : document).querySelectorAll(".cl-number").forEach(function (input) {
      if (input.dataset.signButton) return;
      input.dataset.signButton = "1";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button cl-sign";
      button.textContent = "±";
      button.setAttribute("aria-label", "+/−");
      button.addEventListener("click", function () {
        var v = input.value.trim();
        input.value = v.charAt(0) === "-" ? v.slice(1) : "-" + v;
        input.dispatchEvent(new Event("input", {bubbles: true}));
        input.dispatchEvent(new Event("change", {bubbles: true}));
        input.focus();
      });
      input.insertAdjacentElement("afterend", button);
    });
  }

  // A late inline-validation answer must never overwrite what the inspector typed or chose since
  // the request left: if the item's fields changed in between, that answer is dropped (the new
  // value is validated by its own request).
  function sentValues(sent, name) {
    if (!sent) return null;
    if (typeof sent.getAll === "function") return sent.getAll(name).map(String);
    var v = sent[name];
    if (v === undefined || v === null) return [];
    return (Array.isArray(v) ? v : [v]).map(String);
  }

  function changedSince(item, sent) {
    var form = item.closest("form");
    if (!form || !sent) return false;
    var now = new FormData(form);
    var names = new Set();
    item.querySelectorAll("input[name], textarea[name], select[name]").forEach(function (f) {
      if (f.type !== "file") names.add(f.name);
    });
    return Array.from(names).some(function (name) {
      var then = sentValues(sent, name);
      return then !== null && now.getAll(name).map(String).join("\u0000") !== then.join("\u0000");
    });
  }

  // The server's rendering of an item, applied without replacing its fields: its classes, its
  // messages, its finding and whether each field is marked invalid.
  function updateAroundFields(item, html) {
    var template = document.createElement("template");
    template.innerHTML = html || "";
    var fresh = template.content.querySelector(".cl-item");
    if (!fresh || fresh.id !== item.id) return;
    item.className = fresh.className;
    var box = item.querySelector(":scope > .cl-item__errors");
    var freshBox = fresh.querySelector(":scope > .cl-item__errors");
    if (box && freshBox) box.innerHTML = freshBox.innerHTML;
    item.querySelectorAll(":scope > .cl-outcome").forEach(function (p) { p.remove(); });
    fresh.querySelectorAll(":scope > .cl-outcome").forEach(function (p) { item.appendChild(p); });
    fresh.querySelectorAll("[id][aria-invalid]").forEach(function (f) {
      var live = document.getElementById(f.id);
      if (live && item.contains(live)) live.setAttribute("aria-invalid", f.getAttribute("aria-invalid"));
    });
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var item = event.detail.target;
    if (!item || !item.classList || !item.classList.contains("cl-item")) return;
    var config = event.detail.requestConfig || {};
    if (changedSince(item, config.parameters || config.formData)) { event.detail.shouldSwap = false; return; }
    // The inspector is in one of the item's fields (back in the box to type a new number, say):
    // replacing the field would take away the selection, so what is typed next would land beside
    // the old value ("2" selected, "0" typed, "02" kept). The answer updates the item around its
    // fields instead, and the form settles again.
    var active = document.activeElement;
    if (event.detail.shouldSwap && active && active !== item && item.contains(active)) {
      event.detail.shouldSwap = false;
      updateAroundFields(item, event.detail.serverResponse);
      var form = item.closest(".cl-form");
      if (form) settle(form);
    }
  });

  ["htmx:afterSwap", "htmx:afterSettle"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var elt = event.target && event.target.closest ? event.target : null;
      var form = elt ? elt.closest(".cl-form") : null;
      if (form) settle(form);
    });
  });

  document.addEventListener("click", onClick);
  document.addEventListener("input", onInput);
  document.addEventListener("change", onInput);
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail.elt;
    enhance(elt);
    var form = elt.closest ? elt.closest(".cl-form") : null;
    if (form) refresh(form);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
  window.FieldappChecklistForm = {refresh: refresh, settle: settle, addBlock: addBlock, collect: collectForm};
})();
