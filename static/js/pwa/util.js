// fieldapp inspector app: the small helpers every script of the phone app shares. Loaded before
// the others (base.html); nothing here keeps state.
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // The content of <meta name="…">, "" when the page has none.
  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") || "" : "";
  }

  // A word the server put on the outbox bar (data-t-KEY, in the page's language); "" when absent.
  function barText(key) {
    var bar = $("[data-outbox-bar]");
    return (bar && bar.getAttribute("data-t-" + key)) || "";
  }

  // Run once the document is parsed (at once if it already is).
  function whenReady(start) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
  }

  // A moment as the page's language writes it, in Beijing time (the server's time zone, from
  // fieldapp/clock.py), never the phone's own zone: a phone set to another zone shows the same times.
  function localTime(moment, options) {
    var lang = document.documentElement.lang || "zh-CN";
    var zone = meta("fieldapp-time-zone") || "Asia/Shanghai";
    var opts = Object.assign({ timeZone: zone }, options || {});
    try { return new Date(moment).toLocaleString(lang, opts); } catch (e) {
      delete opts.timeZone;
      return new Date(moment).toLocaleString(lang, opts);
    }
  }

  // The parts a script needs that the page did not load: a page kept offline by an earlier version
  // names the scripts of that version, from before a script was split in parts. Each [global, file]
  // whose global is missing is loaded from beside the script at url (the service worker keeps every
  // file), run in the order given. Resolves once all ran; rejects if one could not be loaded.
  function loadMissing(parts, url) {
    var missing = parts.filter(function (part) { return !window[part[0]]; });
    return Promise.all(missing.map(function (part) {
      return new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = new URL(part[1], url).href;
        script.async = false;  // in the order given: later parts use earlier ones
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }));
  }

  // A Blob as base64 (for a file the inspector exports to hand to the office).
  function base64(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(String(reader.result).split(",")[1] || ""); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(blob);
    });
  }

  // doc saved as a JSON file named filename in the phone's downloads.
  function saveJson(doc, filename) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([JSON.stringify(doc)], { type: "application/json" }));
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 60000);
  }

  window.FieldappUtil = {
    base64: base64,
    saveJson: saveJson,
    localTime: localTime,
    $: $,
    $$: $$,
    meta: meta,
    barText: barText,
    whenReady: whenReady,
    loadMissing: loadMissing,
    // The cache of pages kept for offline use. Its one name is the server's (inspections/routes_pwa.py),
    // given to the service worker and, through this meta tag, to the pages.
    visitsCache: function () { return meta("fieldapp-visits-cache"); },
    userId: function () { return meta("fieldapp-user"); },
  };
})();
