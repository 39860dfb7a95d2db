// fieldapp inspector app: drafts (a form begun and not sent) are never out of sight. The task
// list marks each visit that holds one. A draft of a visit that is no longer the inspector's (the
// office reassigned or withdrew it: its page cannot be opened any more) is listed on the outbox bar
// once the list has asked the office which visits are theirs (app.js's fieldapp:visit-states), with
// two ways out: export it (one file with the answers, photos and signatures, to hand to the office)
// and delete it (after asking). Nothing waits on the phone where no page shows it.
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var U = window.FieldappUtil;
  var assigned = null;  // the ids of the inspector's visits, once the office said them

  function t(key) { return U.barText(key) || key; }

  // A draft the inspector made something in (a form opened and left untouched is none).
  function begun(draft) {
    var filled = Object.keys(draft.fields || {}).some(function (name) {
      var value = draft.fields[name];
      return name.indexOf("a.") === 0 && (Array.isArray(value) ? value.length : String(value || "").trim());
    });
    var files = Object.values(draft.photos || {}).some(function (ids) { return ids.length; });
    return filled || files || Object.keys(draft.signatures || {}).length > 0 || !!draft.startedAt;
  }

  // The draft's answers and every photo and signature it lists (base64, with its SHA-256).
  async function exportDraft(draft) {
    var files = [];
    var lists = Object.keys(draft.photos || {}).map(function (field) { return [field, "photo", draft.photos[field]]; });
    Object.keys(draft.signatures || {}).forEach(function (key) { lists.push(["sig." + key, "signature", [draft.signatures[key]]]); });
    for (var i = 0; i < lists.length; i++) {
      for (var j = 0; j < lists[i][2].length; j++) {
        var rec = await Store.getBlob(lists[i][2][j]);
        if (rec) files.push({ field: lists[i][0], kind: lists[i][1], sha256: rec.sha256, size: rec.size,
                              content_type: rec.type, data: await U.base64(rec.blob) });
      }
    }
    U.saveJson({ format: "fieldapp-draft-export/1", exported_at: new Date().toISOString(), visit_id: draft.visitId,
                 visit_name: draft.visitName || "", not_sent_because: t("orphan-reason"), started_at: draft.startedAt || null,
                 saved_at: draft.updatedAt || null, fields: draft.fields || {}, files: files },
               "fieldapp-draft-" + draft.visitId + ".json");
  }

  async function discard(draft) {
    if (!window.confirm(t("orphan-delete-confirm"))) return;
    await Store.discardDraft(draft.visitId);
    await render();
  }

  function button(label, action, draft) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button button--small";
    b.textContent = t(label);
    b.setAttribute("data-orphan-" + action, String(draft.visitId));
    b.addEventListener("click", function () {
      (action === "export" ? exportDraft : discard)(draft).catch(function (error) {
        if (window.console) console.warn("draft " + action, error);
      });
    });
    return b;
  }

  function markCards(drafts) {
    var withDraft = {};
    drafts.forEach(function (d) { withDraft[d.visitId] = true; });
    U.$$(".visit-card[data-visit-id]").forEach(function (card) {
      var mark = card.querySelector("[data-draft-mark]");
      if (!withDraft[Number(card.getAttribute("data-visit-id"))]) { if (mark) mark.remove(); return; }
      if (mark) return;
      mark = document.createElement("p");
      mark.setAttribute("data-draft-mark", "");
      mark.className = "badge badge--wait";
      mark.textContent = t("draft-mark");
      var title = card.querySelector(".visit-card__title");
      if (title) title.insertAdjacentElement("afterend", mark); else card.prepend(mark);
    });
  }

  function item(draft) {
    var li = document.createElement("li");
    li.setAttribute("data-orphan-draft", String(draft.visitId));
    var what = document.createElement("p");
    what.textContent = t("orphan-item").replace("{visit}", draft.visitName || "#" + draft.visitId) + " " + t("orphan-reason");
    var hint = document.createElement("p");
    hint.textContent = t("orphan-hint");
    li.appendChild(what);
    li.appendChild(hint);
    li.appendChild(button("stuck-export", "export", draft));
    li.appendChild(button("stuck-delete", "delete", draft));
    return li;
  }

  function listOrphans(orphans) {
    U.$$("[data-outbox-bar]").forEach(function (bar) {
      var list = bar.querySelector("[data-orphan-drafts]");
      if (!list) {
        list = document.createElement("ul");
        list.className = "outbox-bar__stuck";
        list.setAttribute("data-orphan-drafts", "");
        bar.appendChild(list);
      }
      list.innerHTML = "";
      list.hidden = !orphans.length;
      orphans.forEach(function (draft) { list.appendChild(item(draft)); });
      if (orphans.length) bar.hidden = false;
    });
  }

  async function render() {
    var drafts = (await Store.listDrafts()).filter(begun);
    markCards(drafts);
    if (assigned) listOrphans(drafts.filter(function (d) { return assigned.indexOf(String(d.visitId)) < 0; }));
  }

  function start() {
    if (!Store || !Store.userId()) return;
    document.addEventListener("fieldapp:visit-states", function (event) {
      assigned = event.detail.assigned;
      render().catch(function () { /* shown on the next page */ });
    });
    render().catch(function () { /* no storage here: nothing to show */ });
  }

  if (Store) U.whenReady(start);
})();
