// fieldapp inspector app: submissions the server refused for good (the visit was reassigned, the
// account may no longer send, …) stay on the phone as "stuck", never dropped. Each is listed on the
// outbox bar with the server's reason and three ways out: send again (once the office has sorted it
// out), export (one file with the submission and its photos and signatures, to hand to the office)
// and delete (after asking). Nothing stays "not sent" with no way out. The visit cards of the task
// list are marked as waiting or needing attention.
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var U = window.FieldappUtil;

  function t(key) { return U.barText(key) || key; }

  // The body exactly as it would be sent, and every file it lists (base64, with its SHA-256).
  async function exportItem(item) {
    var files = [];
    var media = (item.body && item.body.media) || [];
    for (var i = 0; i < media.length; i++) {
      var id = item.blobBySha[media[i].sha256];
      var rec = id && await Store.getBlob(id);
      files.push(Object.assign({}, media[i], { data: rec ? await U.base64(rec.blob) : null }));
    }
    var doc = { format: "fieldapp-submission-export/1", exported_at: new Date().toISOString(),
                refused_because: item.error || "", submission: item.body, files: files };
    U.saveJson(doc, "fieldapp-visit-" + item.visitId + "-" + item.uuid + ".json");
  }

  async function retry(item) {
    var fresh = await Store.getOutbox(item.uuid);
    if (!fresh) return;
    fresh.state = fresh.serverId ? "uploading" : "queued";
    fresh.error = "";
    fresh.failures = 0;
    fresh.nextAt = 0;
    await Store.putOutbox(fresh);
    if (window.FieldappOutbox) window.FieldappOutbox.flush(true);
  }

  async function discard(item) {
    if (!window.confirm(t("stuck-delete-confirm"))) return;
    await Store.finishOutbox(item);  // the item and its files, as after a confirmed send
    if (window.FieldappOutbox) window.FieldappOutbox.render();
  }

  function button(label, action, item) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button button--small";
    b.textContent = t(label);
    b.setAttribute("data-stuck-" + action, item.uuid);
    b.addEventListener("click", function () {
      var run = action === "export" ? exportItem : action === "retry" ? retry : discard;
      run(item).catch(function (error) { if (window.console) console.warn("stuck " + action, error); });
    });
    return b;
  }

  function visitName(visitId) {
    var title = document.querySelector('.visit-card[data-visit-id="' + visitId + '"] .visit-card__title');
    return title ? title.textContent.trim() : "#" + visitId;
  }

  function markVisits(items) {
    var waitingVisits = {};
    items.forEach(function (i) { waitingVisits[i.visitId] = i.state === "stuck" ? "stuck" : "waiting"; });
    document.querySelectorAll(".visit-card[data-visit-id]").forEach(function (card) {
      var state = waitingVisits[Number(card.getAttribute("data-visit-id"))];
      var mark = card.querySelector("[data-outbox-mark]");
      if (!state) { if (mark) mark.remove(); return; }
      if (!mark) {
        mark = document.createElement("p");
        mark.setAttribute("data-outbox-mark", "");
        var title = card.querySelector(".visit-card__title");
        if (title) title.insertAdjacentElement("afterend", mark); else card.prepend(mark);
      }
      mark.className = "badge " + (state === "stuck" ? "badge--warn" : "badge--wait");
      mark.textContent = state === "stuck" ? t("mark-stuck") : t("mark-waiting");
    });
  }

  function render(event) {
    markVisits(event.detail.items);
    var stuck = event.detail.items.filter(function (i) { return i.state === "stuck"; });
    U.$$("[data-outbox-bar]").forEach(function (bar) {
      var list = bar.querySelector("[data-outbox-stuck-list]");
      if (!list) {
        list = document.createElement("ul");
        list.className = "outbox-bar__stuck";
        list.setAttribute("data-outbox-stuck-list", "");
        bar.appendChild(list);
      }
      list.innerHTML = "";
      list.hidden = !stuck.length;
      stuck.forEach(function (item) {
        var li = document.createElement("li");
        li.setAttribute("data-stuck-item", item.uuid);
        var what = document.createElement("p");
        what.textContent = t("stuck-item").replace("{visit}", visitName(item.visitId)) + " " + (item.error || "");
        var hint = document.createElement("p");
        hint.textContent = t("stuck-hint");
        li.appendChild(what);
        li.appendChild(hint);
        li.appendChild(button("stuck-retry", "retry", item));
        li.appendChild(button("stuck-export", "export", item));
        li.appendChild(button("stuck-delete", "delete", item));
        list.appendChild(li);
      });
    });
  }

  if (Store) document.addEventListener("fieldapp:outbox", render);
})();
