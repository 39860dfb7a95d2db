// fieldapp inspector app: the visit form's evidence photos. A photo control beside each answer
// (outside what the checklist engine re-renders) and the engine's own photo items, whose references
// go in hidden inputs the engine parses. Each photo is scaled on the phone (form-checks.js) and kept
// as a Blob; the draft lists it under its field ("engine:" before an engine item's field).
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var Checks = window.FieldappFormChecks;
  var $ = window.FieldappUtil.$, $$ = window.FieldappUtil.$$;
  var ENGINE = "engine:";
  var WITH_EVIDENCE = ["check", "number", "text", "date", "choice"];

  function fieldOf(key) { return key.indexOf(ENGINE) === 0 ? key.slice(ENGINE.length) : key; }

  function photoList(field) {
    var list = document.createElement("ul");
    list.className = "photo-list"; list.setAttribute("data-photo-list", field);
    return list;
  }

  function removeButton(visit, key, rec, li) {
    var field = fieldOf(key);
    var remove = document.createElement("button");
    remove.type = "button"; remove.className = "button button--small"; remove.textContent = visit.t("remove");
    remove.addEventListener("click", async function () {
      visit.draft.photos[key] = (visit.draft.photos[key] || []).filter(function (id) { return id !== rec.id; });
      var ref = visit.form.querySelector('.cl-photos[data-photo-for="' + field + '"] [data-photo-ref][value="' + rec.sha256 + '"]');
      if (ref) ref.remove();
      li.remove();
      if (await visit.save()) await Store.deleteBlob(rec.id);
    });
    return remove;
  }

  function showPhoto(visit, key, rec) {
    var list = visit.form.querySelector('[data-photo-list="' + fieldOf(key) + '"]');
    if (!list) return;
    var li = document.createElement("li");
    li.className = "photo-list__item";
    li.setAttribute("data-blob-id", rec.id);
    li.setAttribute("data-sha256", rec.sha256);
    var img = document.createElement("img");
    img.src = URL.createObjectURL(rec.blob);
    img.alt = visit.t("photo") + " " + (list.children.length + 1);
    img.width = 96; img.height = 96;
    li.appendChild(img); li.appendChild(removeButton(visit, key, rec, li));
    list.appendChild(li);
  }

  // The photo control placed after one checklist item.
  function evidenceControl(visit, item, field) {
    var box = document.createElement("div");
    box.className = "photo-field";
    box.setAttribute("data-photo-field", field);
    var id = "photo-" + field.replace(/[^a-zA-Z0-9_-]/g, "-");
    var label = document.createElement("label");
    label.className = "button button--small photo-field__button";
    label.setAttribute("for", id);
    label.textContent = visit.t("photo");
    var input = document.createElement("input");
    input.type = "file"; input.id = id; input.name = "photo." + field; input.accept = "image/*";
    input.setAttribute("capture", "environment"); input.multiple = true; input.className = "photo-field__input";
    var labelText = $(".cl-item__label", item);
    input.setAttribute("aria-label", visit.t("photo") + (labelText ? ": " + labelText.textContent.trim() : ""));
    box.appendChild(input); box.appendChild(label); box.appendChild(photoList(field));
    item.insertAdjacentElement("afterend", box);
  }

  // Controls for items that have none yet (blocks added later get theirs when this runs again).
  function addControls(visit) {
    $$("[data-checklist-entry]", visit.form).forEach(function (entry) {
      var prefix = entry.getAttribute("data-prefix");
      $$(".cl-item", entry).forEach(function (item) {
        if (WITH_EVIDENCE.indexOf(item.getAttribute("data-type")) < 0 || item.closest("template")) return;
        var field = prefix + item.getAttribute("data-key");
        if (!visit.form.querySelector('[data-photo-field="' + field + '"]')) evidenceControl(visit, item, field);
      });
      $$(".cl-photos[data-photo-for]", entry).forEach(function (holder) {
        if (!holder.querySelector("[data-photo-list]")) holder.appendChild(photoList(holder.getAttribute("data-photo-for")));
      });
    });
  }

  function photoField(input) {
    if (input.name.indexOf("photo.") === 0) return { field: input.name.slice(6), engine: false };
    if (/-file$/.test(input.name) && input.closest(".cl-photos")) return { field: input.name.slice(0, -5), engine: true };
    return null;
  }

  // The hidden input by which the engine's photo item names a photo.
  function engineRef(form, field, sha) {
    var holder = form.querySelector('.cl-photos[data-photo-for="' + field + '"]');
    if (!holder || holder.querySelector('[data-photo-ref][value="' + sha + '"]')) return;
    var ref = document.createElement("input");
    ref.type = "hidden"; ref.name = field; ref.value = sha; ref.setAttribute("data-photo-ref", "");
    holder.insertBefore(ref, holder.firstChild);
  }

  async function addPhotos(visit, where, files) {
    var key = where.engine ? ENGINE + where.field : where.field;
    var max = Number(visit.form.getAttribute("data-max-photos")) || Infinity;  // the server's limit
    for (var i = 0; i < files.length; i++) {
      if ((visit.draft.photos[key] || []).length >= max) { visit.showErrors([visit.t("err-photo-count", { n: max })]); break; }
      try {
        var blob = await Checks.resize(files[i]);
        var rec = await Store.putBlob(visit.visitId, where.field, "photo", blob);
        visit.draft.photos[key] = (visit.draft.photos[key] || []).concat([rec.id]);
        if (where.engine) engineRef(visit.form, where.field, rec.sha256);
        await visit.save();
        showPhoto(visit, key, rec);
      } catch (e) {
        // Full storage is said as such: the photo was fine, the phone has no room for it.
        visit.showErrors([visit.t(window.FieldappFormDraft.isQuota(e) ? "err-photo-storage" : "photo-failed")]);
      }
    }
  }

  // Photos chosen are kept here, never posted with the form.
  function bind(visit) {
    visit.form.addEventListener("change", async function (event) {
      var input = event.target;
      if (input.type !== "file") return;
      var where = photoField(input);
      if (!where) return;
      event.stopPropagation();
      var files = Array.prototype.slice.call(input.files || []);
      input.value = "";
      await addPhotos(visit, where, files);
    }, true);
  }

  // A restored draft's photos shown again (and the engine's references put back).
  async function restore(visit) {
    var keys = Object.keys(visit.draft.photos);
    for (var i = 0; i < keys.length; i++) {
      for (var j = 0; j < visit.draft.photos[keys[i]].length; j++) {
        var rec = await Store.getBlob(visit.draft.photos[keys[i]][j]);
        if (!rec) continue;
        if (keys[i].indexOf(ENGINE) === 0) engineRef(visit.form, fieldOf(keys[i]), rec.sha256);
        showPhoto(visit, keys[i], rec);
      }
    }
  }

  window.FieldappFormPhotos = { addControls: addControls, bind: bind, restore: restore, ENGINE: ENGINE };
})();
