// The pay code page: a new code every data-rotate seconds and a look for its use every data-poll seconds,
// both only while the page is visible; when a new code can't be fetched, say until when the shown one works.
// Without JS the page still shows the code, with a link for a new one.
(function () {
  "use strict";
  var rotatedAt = Date.now();
  var polledAt = 0;
  function panel() { return document.getElementById("paycode-panel"); }
  function tick() {
    var p = panel();
    if (!p || document.visibilityState !== "visible" || typeof htmx === "undefined") return;
    var now = Date.now();
    var expires = parseInt(p.dataset.expires || "0", 10) * 1000;
    if (expires && now >= expires) p.classList.add("is-expired");
    var rotate = parseInt(p.dataset.rotate || "0", 10) * 1000;
    if (rotate && now - rotatedAt >= rotate) {
      rotatedAt = now;
      htmx.trigger(p, "kb-rotate");
      return;
    }
    var poll = parseInt(p.dataset.poll || "0", 10) * 1000;
    var watch = document.getElementById("paycode-watch");
    if (poll && watch && now - polledAt >= poll) {
      polledAt = now;
      htmx.trigger(watch, "kb-poll");
    }
  }
  function offline() {
    var p = panel();
    if (!p) return;
    p.classList.add("is-offline");
    var rotate = parseInt(p.dataset.rotate || "0", 10) * 1000;
    rotatedAt = Date.now() - rotate + 5000; // try again in 5 s, not a whole rotation later
  }
  document.addEventListener("DOMContentLoaded", function () { setInterval(tick, 500); });
  document.addEventListener("visibilitychange", tick);
  document.addEventListener("htmx:sendError", offline);
  document.addEventListener("htmx:responseError", offline);
  document.addEventListener("htmx:timeout", offline);
})();
