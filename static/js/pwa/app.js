// fieldapp inspector app: service worker registration, storage persistence and quota warning,
// "download for offline" per visit, starting a visit offline, and logging out on a shared phone.
(function () {
  "use strict";
  var Store = window.FieldappStore;
  var U = window.FieldappUtil;
  var FALLBACK = {
    zh: { logout: "本机有 {n} 条未发送的提交或草稿。退出后它们仍保存在本机，只有您能看到，您下次登录时会自动发送。要退出吗？",
          "logout-offline": "没有信号：退出登录需要连接到单位服务器。什么都没有删除，您仍在本机登录。" },
    en: { logout: "{n} unsent submissions or drafts are on this phone. They stay on this phone for you alone and are sent when you next log in. Log out?",
          "logout-offline": "No signal: logging out needs a connection to the office. Nothing was deleted; you are still logged in on this phone." },
  };

  function text(key) {
    var value = U.barText(key);
    if (value) return value;
    var lang = (document.documentElement.lang || "zh").indexOf("zh") === 0 ? "zh" : "en";
    return (FALLBACK[lang] && FALLBACK[lang][key]) || key;
  }

  function position(timeoutMs) {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) return resolve(null);
      navigator.geolocation.getCurrentPosition(
        function (p) {
          resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: Math.round(p.coords.accuracy), at: new Date(p.timestamp).toISOString() });
        },
        function () { resolve(null); },
        { enableHighAccuracy: true, timeout: timeoutMs || 10000, maximumAge: 60000 }
      );
    });
  }

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator) || !Store.userId()) return;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(keepTaskListQuietly).catch(function (error) {
      if (window.console) console.warn("service worker", error);
    });
  }

  // The task list is kept offline from the first login on, even when it was first opened
  // before the service worker took control (the service worker refreshes it on every visit).
  async function keepTaskList() {
    var url = U.meta("fieldapp-my-visits");
    if (!url || !window.caches || !navigator.onLine) return;
    var cache = await caches.open(U.visitsCache());
    if (await keptForMe(cache, [url])) return;  // on a shared phone: not the previous inspector's list
    var response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (response.ok && !response.redirected) await cache.put(url, response);
  }

  function keepTaskListQuietly() { keepTaskList().catch(function () { /* tried again on the next page */ }); }

  async function storageCheck() {
    var warning = document.querySelector("[data-storage-warning]");
    if (!navigator.storage) return;
    var persisted = navigator.storage.persisted ? await navigator.storage.persisted() : true;
    if (!persisted && navigator.storage.persist) persisted = await navigator.storage.persist();
    if (!warning || !navigator.storage.estimate) return;
    var estimate = await navigator.storage.estimate();
    var free = (estimate.quota || 0) - (estimate.usage || 0);
    if (estimate.quota && free < 200 * 1024 * 1024) {
      warning.textContent = warning.getAttribute("data-t-low").replace("{free}", String(Math.floor(free / 1048576)));
      warning.hidden = false;
    }
  }

  function formatTime(iso) {
    return U.localTime(iso, { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  async function renderOfflineState(button) {
    var id = button.getAttribute("data-visit-id");
    var state = document.querySelector('[data-offline-state="' + id + '"]');
    var mark = await Store.getOffline(id);
    button.hidden = false;
    button.textContent = mark ? text("remove") : text("download");
    button.setAttribute("aria-pressed", mark ? "true" : "false");
    if (state) state.textContent = mark ? text("kept").replace("{time}", formatTime(mark.cachedAt)) : "";
  }

  async function toggleOffline(button) {
    var id = button.getAttribute("data-visit-id");
    var state = document.querySelector('[data-offline-state="' + id + '"]');
    var cache = await caches.open(U.visitsCache());
    var mark = await Store.getOffline(id);
    if (mark) {
      for (var i = 1; i < mark.urls.length; i++) await cache.delete(mark.urls[i]);
      await Store.deleteOffline(id);
      return renderOfflineState(button);
    }
    if (state) state.textContent = text("downloading");
    button.disabled = true;
    try {
      if (navigator.serviceWorker) await navigator.serviceWorker.ready;
      var response = await fetch(button.getAttribute("data-offline-source"), { headers: { "X-Fieldapp-Client": "pwa" }, credentials: "same-origin" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      var data = await response.json();
      for (var j = 0; j < data.urls.length; j++) {
        var page = await fetch(data.urls[j], { credentials: "same-origin" });
        if (!page.ok || page.redirected) throw new Error("HTTP " + page.status);
        await cache.put(data.urls[j], page);
      }
      await Store.putOffline({ visitId: Number(id), urls: data.urls, name: button.getAttribute("data-visit-name"),
                               url: button.getAttribute("data-visit-url"), cachedAt: new Date().toISOString() });
      await renderOfflineState(button);
    } catch (error) {
      if (state) state.textContent = text("dl-failed");
    } finally {
      button.disabled = false;
    }
  }

  // Whether every page of a visit kept for offline use is in the cache, as this user's page (on a
  // shared phone the next user's logout empties the cache, and a page kept by two inspectors of one
  // visit holds whoever fetched it last).
  async function keptForMe(cache, urls) {
    for (var i = 0; i < urls.length; i++) {
      var page = await cache.match(urls[i], { ignoreVary: true });
      if (!page) return false;
      var owner = /<meta name="fieldapp-user" content="(\d*)">/.exec(await page.text());
      if (!owner || owner[1] !== Store.userId()) return false;
    }
    return true;
  }

  // Whenever a list or visit page is open with signal: the newest version of each visit (sent,
  // approved, returned with a comment) and what its form asks. A kept copy of a visit whose state
  // changed is fetched again, so the form opened offline knows about a return and sends its
  // correction as the next version; so is one whose form the office changed (a task added or taken
  // off, a checklist updated: the work would be refused), and a copy gone from the cache or kept
  // for another user.
  async function refreshVisitStates(source) {
    if (!navigator.onLine || !window.caches) return;
    var response = await fetch(source.getAttribute("data-visit-states"),
                               { headers: { "X-Fieldapp-Client": "pwa" }, credentials: "same-origin", cache: "no-store" });
    if (!response.ok) return;
    var answer = await response.json();
    var states = answer.visits || {}, forms = answer.forms || {};
    // Which visits are the inspector's now: a draft of any other is named with its ways out (drafts.js).
    document.dispatchEvent(new CustomEvent("fieldapp:visit-states", { detail: { assigned: Object.keys(states) } }));
    var marks = await Store.listOffline();
    var cache = await caches.open(U.visitsCache());
    for (var i = 0; i < marks.length; i++) {
      var now = states[String(marks[i].visitId)];
      var key = (now ? now.uuid + ":" + now.state : "") + "|" + (forms[String(marks[i].visitId)] || "");
      if ((marks[i].serverState || "") === key && await keptForMe(cache, marks[i].urls)) continue;
      for (var j = 0; j < marks[i].urls.length; j++) {
        var page = await fetch(marks[i].urls[j], { credentials: "same-origin" });
        if (page.ok && !page.redirected) await cache.put(marks[i].urls[j], page);
      }
      marks[i].serverState = key;
      await Store.putOffline(marks[i]);
    }
    document.documentElement.setAttribute("data-visit-states-fresh", "");
  }

  async function listOfflineVisits(list) {
    var marks = await Store.listOffline();
    marks.forEach(function (m) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = m.url; a.textContent = m.name;
      li.appendChild(a);
      list.appendChild(li);
    });
  }

  function startVisitOffline(form) {
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      var pos = await position(8000);
      var visitId = Number(document.querySelector("[data-visit-id]").getAttribute("data-visit-id"));
      var draft = (await Store.getDraft(visitId)) || { visitId: visitId, fields: {}, blobs: {} };
      if (!draft.startedAt) { draft.startedAt = new Date().toISOString(); draft.startPosition = pos; }
      await Store.putDraft(draft);
      if (pos) {
        form.elements.lat.value = pos.lat; form.elements.lng.value = pos.lng; form.elements.accuracy.value = pos.accuracy;
      }
      if (navigator.onLine) form.submit(); else window.location.href = form.getAttribute("data-form-url");
    });
  }

  // Logging out asks the office first (it cannot be done without signal: the phone would stay
  // logged in while believing it was not); only once the office has ended the session do this
  // user's kept pages go. Unsent work stays for this user alone and is sent at the next login.
  async function logOut(form) {
    var counts = await Store.counts();
    var n = counts.outbox + counts.drafts;
    if (n > 0 && !window.confirm(text("logout").replace("{n}", String(n)))) return;
    var response = navigator.onLine ? await logoutRequest(form) : null;
    if (!response) return logoutOffline();
    // Refused (an expired form, say): the plain post shows the office's answer.
    if (response.type !== "opaqueredirect" && !response.ok) return HTMLFormElement.prototype.submit.call(form);
    try {
      await Store.forgetKeptPages();
    } catch (error) {
      // Logged out at the office all the same; the service worker shows kept pages to their owner only.
      if (window.console) console.warn("logout", error);
    }
    window.location.href = form.getAttribute("data-after-logout") || "/";
  }

  // The logout itself; null when the office did not answer (no signal, or a link that carries
  // nothing: given up after 15 s rather than leaving the inspector waiting).
  async function logoutRequest(form) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 15000);
    try {
      return await fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                                        redirect: "manual", cache: "no-store", signal: controller.signal });
    } catch (error) {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  function logoutOffline() {
    var notice = document.querySelector("[data-logout-offline]");
    if (!notice) return window.alert(text("logout-offline"));
    notice.hidden = false;
    notice.scrollIntoView({ block: "nearest" });
  }

  function guardLogout() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches || !form.matches("[data-logout-form]") || !Store.userId()) return;
      event.preventDefault();
      event.stopPropagation();
      logOut(form).catch(function (error) {
        if (window.console) console.warn("logout", error);
        HTMLFormElement.prototype.submit.call(form);
      });
    }, true);
  }

  function start() {
    guardLogout();
    if (!Store || !Store.userId()) return;
    registerServiceWorker();
    storageCheck();
    document.querySelectorAll("[data-offline-toggle]").forEach(function (button) {
      renderOfflineState(button);
      button.addEventListener("click", function () { toggleOffline(button); });
    });
    var list = document.querySelector("[data-offline-visits]");
    if (list) listOfflineVisits(list);
    var states = document.querySelector("[data-visit-states]");
    if (states) refreshVisitStates(states).catch(function () { /* tried again on the next page */ });
    var startForm = document.querySelector("[data-start-visit]");
    if (startForm) startVisitOffline(startForm);
    // Tests (and anyone curious) can tell when the page's handlers are attached.
    document.documentElement.setAttribute("data-app-ready", "");
  }

  window.FieldappApp = { position: position, text: text };
  U.whenReady(start);
})();
