// fieldapp inspector app: the outbox bar on every page of the inspector (inspections/_outbox_bar.html):
// online or not, how many submissions wait and why the last try failed, those stuck and why, and a
// link to log in again when the login was lost. Then the pages hear of the outbox (fieldapp:outbox).
(function () {
  "use strict";
  var Store = window.FieldappStore;

  // The bar's sentence: what waits (and why), else that nothing does; then what is stuck.
  function sentence(bar, waiting, stuckItems, status) {
    var text = waiting.length ? bar.getAttribute("data-t-waiting").replace("{n}", waiting.length)
      : (stuckItems.length ? "" : bar.getAttribute("data-t-empty"));
    var reason = status.trouble || (waiting.length && waiting[0].lastError);
    if (waiting.length && !status.loginNeeded && reason) text += " (" + reason + ")";
    if (stuckItems.length) text += " " + bar.getAttribute("data-t-stuck").replace("{n}", stuckItems.length) + " " + stuckItems.map(function (s) { return s.error; }).join("; ");
    return text.trim();
  }

  function showLogin(bar, shown) {
    var login = bar.querySelector("[data-outbox-login]");
    if (!login) return;
    login.hidden = !shown;
    var link = login.querySelector("a");
    if (link) link.href = link.getAttribute("data-login-url") + "?next=" + encodeURIComponent(location.pathname);
  }

  function drawBar(bar, waiting, stuckItems, status) {
    bar.hidden = false;
    bar.querySelector("[data-outbox-count]").textContent = String(waiting.length);
    bar.querySelector("[data-net-state]").textContent = navigator.onLine ? bar.getAttribute("data-t-online") : bar.getAttribute("data-t-offline");
    bar.classList.toggle("outbox-bar--offline", !navigator.onLine);
    bar.classList.toggle("outbox-bar--waiting", waiting.length > 0);
    bar.classList.toggle("outbox-bar--login", status.loginNeeded && waiting.length > 0);
    bar.querySelector("[data-outbox-text]").textContent = sentence(bar, waiting, stuckItems, status);
    showLogin(bar, !!(status.loginNeeded && waiting.length));
    bar.setAttribute("data-outbox-waiting", String(waiting.length));
    bar.setAttribute("data-outbox-stuck", String(stuckItems.length));
  }

  // status() says, once the outbox is read, whether the login was lost and why the last request failed.
  async function render(status) {
    var bars = document.querySelectorAll("[data-outbox-bar]");
    if (!bars.length || !Store.userId()) return;
    var items = [];
    try { items = await Store.listOutbox(); } catch (e) { return; }
    var now = status();
    var waiting = items.filter(function (i) { return i.state !== "stuck"; });
    var stuckItems = items.filter(function (i) { return i.state === "stuck"; });
    bars.forEach(function (bar) { drawBar(bar, waiting, stuckItems, now); });
    document.dispatchEvent(new CustomEvent("fieldapp:outbox", { detail: { items: items, loginNeeded: now.loginNeeded } }));
  }

  window.FieldappOutboxBar = { render: render };
})();
