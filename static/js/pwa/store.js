// fieldapp inspector app: the phone's own storage (IndexedDB through `idb`), one database per
// user so a shared phone never mixes two inspectors' work. Drafts, photos and signatures (Blobs),
// the outbox and the list of visits kept for offline use live here, never in the Cache API, so a
// new service worker can never make them unusable.
(function () {
  "use strict";
  var DB_VERSION = 1;
  var opened = null;

  var userId = window.FieldappUtil.userId;

  function dbName(uid) { return "fieldapp-u" + uid; }

  function open() {
    var uid = userId();
    if (!uid || !window.idb) return Promise.reject(new Error("no user or no IndexedDB"));
    if (!opened) {
      opened = window.idb.openDB(dbName(uid), DB_VERSION, {
        upgrade: function (db) {
          db.createObjectStore("drafts", { keyPath: "visitId" });
          var blobs = db.createObjectStore("blobs", { keyPath: "id" });
          blobs.createIndex("visitId", "visitId");
          db.createObjectStore("outbox", { keyPath: "uuid" });
          db.createObjectStore("offline", { keyPath: "visitId" });
        },
      });
    }
    return opened;
  }

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  async function sha256Hex(blob) {
    var buf = await blob.arrayBuffer();
    var digest = await crypto.subtle.digest("SHA-256", buf);
    return Array.prototype.map.call(new Uint8Array(digest), function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
  }

  var Store = {
    userId: userId,
    open: open,
    uuid4: uuid4,
    sha256Hex: sha256Hex,
    getDraft: async function (visitId) { return (await open()).get("drafts", Number(visitId)); },
    // Saved only over the revision it was read at: another tab (or the outbox) that changed or
    // ended the draft meanwhile is never overwritten silently; the caller is told (DraftChanged).
    putDraft: async function (draft) {
      var tx = (await open()).transaction("drafts", "readwrite");
      var stored = await tx.store.get(Number(draft.visitId));
      if ((stored ? stored.rev || 0 : 0) !== (draft.rev || 0)) {
        var error = new Error("the draft was changed elsewhere");
        error.name = "DraftChanged";
        throw error;
      }
      draft.rev = (draft.rev || 0) + 1;
      draft.updatedAt = new Date().toISOString();
      await tx.store.put(draft);
      await tx.done;
    },
    deleteDraft: async function (visitId) { return (await open()).delete("drafts", Number(visitId)); },
    listDrafts: async function () { return (await open()).getAll("drafts"); },
    // A photo or signature: stored with its hash at once, so what is sent is byte-identical.
    putBlob: async function (visitId, field, kind, blob) {
      var rec = { id: uuid4(), visitId: Number(visitId), field: field, kind: kind, blob: blob,
                  type: blob.type, size: blob.size, sha256: await sha256Hex(blob), createdAt: new Date().toISOString() };
      await (await open()).put("blobs", rec);
      return rec;
    },
    getBlob: async function (id) { return (await open()).get("blobs", id); },
    deleteBlob: async function (id) { return (await open()).delete("blobs", id); },
    blobsOfVisit: async function (visitId) { return (await open()).getAllFromIndex("blobs", "visitId", Number(visitId)); },
    // Submit: the outbox item and the end of the draft in one transaction. Items it replaces
    // (the inspector was asked) go with their files, except files the new one uses too.
    enqueue: async function (item, replaced) {
      var db = await open();
      var tx = db.transaction(["outbox", "drafts", "blobs"], "readwrite");
      (replaced || []).forEach(function (old) {
        tx.objectStore("outbox").delete(old.uuid);
        (old.blobIds || []).forEach(function (id) { if (item.blobIds.indexOf(id) < 0) tx.objectStore("blobs").delete(id); });
      });
      await tx.objectStore("outbox").put(item);
      var draft = await tx.objectStore("drafts").get(item.visitId);
      if (draft) await tx.objectStore("drafts").delete(item.visitId);
      await tx.done;
    },
    // The server refused the submission (422): it becomes the visit's draft again, with the
    // reasons, unless a newer draft exists. Nothing is deleted; the files stay for the resend.
    returnToDraft: async function (item, reasons, conflict) {
      var db = await open();
      var tx = db.transaction(["outbox", "drafts"], "readwrite");
      var existing = await tx.objectStore("drafts").get(item.visitId);
      if (!existing && item.draft) {
        if (conflict) {
          // Sent again later as a version of its own: a new UUID, so it can never clash with this one.
          item.draft.conflict = conflict;
          item.draft.uuid = uuid4();
        } else {
          item.draft.serverErrors = reasons;
        }
        item.draft.updatedAt = new Date().toISOString();
        await tx.objectStore("drafts").put(item.draft);
        await tx.objectStore("outbox").delete(item.uuid);
      } else {
        item.state = "stuck";
        item.error = reasons.join(" ");
        await tx.objectStore("outbox").put(item);
      }
      await tx.done;
    },
    // A draft thrown away: it and its photos and signatures.
    discardDraft: async function (visitId) {
      var db = await open();
      var tx = db.transaction(["drafts", "blobs"], "readwrite");
      var draft = await tx.objectStore("drafts").get(Number(visitId));
      if (draft) {
        Object.values(draft.photos || {}).forEach(function (ids) { ids.forEach(function (id) { tx.objectStore("blobs").delete(id); }); });
        Object.values(draft.signatures || {}).forEach(function (id) { tx.objectStore("blobs").delete(id); });
        tx.objectStore("drafts").delete(Number(visitId));
      }
      await tx.done;
    },
    // Files no draft and no outbox item uses any more (left by an older version of the app):
    // deleted once they are an hour old, so a photo being added right now is never touched.
    sweepBlobs: async function () {
      var db = await open();
      var used = {};
      (await db.getAll("drafts")).forEach(function (d) {
        Object.values(d.photos || {}).forEach(function (ids) { ids.forEach(function (id) { used[id] = true; }); });
        Object.values(d.signatures || {}).forEach(function (id) { used[id] = true; });
      });
      (await db.getAll("outbox")).forEach(function (i) { (i.blobIds || []).forEach(function (id) { used[id] = true; }); });
      var cutoff = new Date(Date.now() - 3600000).toISOString();
      var keys = await db.getAllKeys("blobs");
      for (var k = 0; k < keys.length; k++) {
        if (used[keys[k]]) continue;
        var rec = await db.get("blobs", keys[k]);
        if (rec && rec.createdAt < cutoff) await db.delete("blobs", keys[k]);
      }
    },
    listOutbox: async function () { return (await open()).getAll("outbox"); },
    putOutbox: async function (item) { return (await open()).put("outbox", item); },
    getOutbox: async function (uuid) { return (await open()).get("outbox", uuid); },
    // Only after the server confirmed it complete: the item and its files go.
    finishOutbox: async function (item) {
      var db = await open();
      var tx = db.transaction(["outbox", "blobs"], "readwrite");
      for (var i = 0; i < item.blobIds.length; i++) await tx.objectStore("blobs").delete(item.blobIds[i]);
      await tx.objectStore("outbox").delete(item.uuid);
      await tx.done;
    },
    getOffline: async function (visitId) { return (await open()).get("offline", Number(visitId)); },
    putOffline: async function (rec) { return (await open()).put("offline", rec); },
    deleteOffline: async function (visitId) { return (await open()).delete("offline", Number(visitId)); },
    listOffline: async function () { return (await open()).getAll("offline"); },
    counts: async function () {
      var db = await open();
      return { outbox: await db.count("outbox"), drafts: await db.count("drafts") };
    },
    // Logging out on a shared phone: the pages of this user's visits kept for offline use go (the
    // next user must not open them); the marks, drafts, files and the outbox stay in this user's own
    // database, which no other user's pages open: at this user's next login the marked pages are
    // fetched again (app.js) and the outbox is sent.
    forgetKeptPages: async function () {
      if (opened) { (await opened).close(); opened = null; }
      if (window.caches && window.FieldappUtil.visitsCache()) await caches.delete(window.FieldappUtil.visitsCache());
    },
  };
  window.FieldappStore = Store;
})();
