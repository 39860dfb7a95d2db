// fieldapp: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";
  // Show a busy state on buttons of forms being submitted through htmx.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail.elt;
    if (el && el.tagName === "FORM") el.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var el = event.detail.elt;
    if (el && el.tagName === "FORM") el.removeAttribute("aria-busy");
  });
})();
