// The checkout form loads its cards' balances by itself (one htmx fragment). If that request fails outright
// (4xx/5xx/network), the drawn form stops saying "loading" and offers a retry instead of waiting forever.
// Without JS this never runs: the page's <noscript> refresh asks the server for the complete page.
(function () {
  "use strict";
  function giveUp(event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.matches || !elt.matches("[data-loading]")) return;
    elt.setAttribute("aria-busy", "false");
    elt.removeAttribute("hx-get");
    elt.querySelectorAll("[data-when-loading]").forEach(function (el) { el.remove(); });
    elt.querySelectorAll("[data-failed]").forEach(function (el) { el.hidden = false; });
  }
  document.addEventListener("htmx:responseError", giveUp);
  document.addEventListener("htmx:sendError", giveUp);
  document.addEventListener("htmx:timeout", giveUp);
})();
